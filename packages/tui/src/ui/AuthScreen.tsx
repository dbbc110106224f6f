// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { useRef, useState } from "react";
import { Box, Text, useInput } from "ink";
import { composerKey, emptyComposer, setText, type ComposerState, type KeyInfo } from "../model/composer.js";
import { graphemes } from "../text/width.js";
import { splitKeys } from "./keys.js";

export type AuthMode = "login" | "register";
export interface AuthRequest {
  mode: AuthMode;
  username: string;
  password: string;
}

type Field = "username" | "password" | "confirm";
const USERNAME = /^[a-z0-9][a-z0-9_.-]{1,31}$/;

export interface AuthFormState {
  mode: AuthMode;
  field: Field;
  values: Record<Field, ComposerState>;
  problem?: string;
}

export function initialAuthForm(user?: string): AuthFormState {
  return {
    mode: user ? "login" : "register",
    field: user ? "password" : "username",
    values: { username: setText(emptyComposer(), user ?? ""), password: emptyComposer(), confirm: emptyComposer() },
  };
}

const fieldsOf = (mode: AuthMode): Field[] => (mode === "register" ? ["username", "password", "confirm"] : ["username", "password"]);

/** One key on the form, as a pure step (a chunk of typed keys is fed through it one by one). */
export function authFormKey(s: AuthFormState, input: string, key: KeyInfo & { tab?: boolean; shift?: boolean }): { state: AuthFormState; submit?: AuthRequest } {
  const fields = fieldsOf(s.mode);
  const i = fields.indexOf(s.field);
  if (key.ctrl && input === "r") return { state: { ...s, mode: s.mode === "login" ? "register" : "login", field: "username", problem: undefined } };
  if (key.upArrow || (key.tab && key.shift)) return { state: { ...s, field: fields[Math.max(0, i - 1)]! } };
  if (key.downArrow || key.tab) return { state: { ...s, field: fields[Math.min(fields.length - 1, i + 1)]! } };
  if (key.return) {
    const next = fields[i + 1];
    if (next) return { state: { ...s, field: next } };
    const username = s.values.username.text.trim();
    const password = s.values.password.text;
    if (!USERNAME.test(username)) return { state: { ...s, field: "username", problem: "a username is 2 to 32 characters: a-z, 0-9, '_', '.', '-'" } };
    if (password.length < 8) return { state: { ...s, field: "password", problem: "use a password of at least 8 characters" } };
    if (s.mode === "register" && s.values.confirm.text !== password) return { state: { ...s, field: "confirm", problem: "the two passwords differ" } };
    return { state: { ...s, problem: undefined }, submit: { mode: s.mode, username, password } };
  }
  const r = composerKey(s.values[s.field], input, { ...key, upArrow: false, downArrow: false });
  return { state: { ...s, values: { ...s.values, [s.field]: r.state } } };
}

/** First run: log in or register without leaving the UI. The password is never drawn. */
export function AuthScreen(props: { server: string; initialUser?: string; error?: string; busy?: boolean; onSubmit: (r: AuthRequest) => void; onQuit: () => void }) {
  const [form, setFormState] = useState<AuthFormState>(() => initialAuthForm(props.initialUser));
  // Keys can arrive faster than React re-renders: each one must see the previous one's result.
  const latest = useRef(form);
  const setForm = (f: AuthFormState) => {
    latest.current = f;
    setFormState(f);
  };

  useInput((input, key) => {
    if (key.ctrl && input === "c") return props.onQuit();
    if (props.busy) return;
    // A chunk like "alice⏎secret⏎" is several keys: feed them through one at a time.
    const steps = splitKeys(input, key);
    let s = latest.current;
    for (const [inp, k] of steps) {
      const r = authFormKey(s, inp, k);
      s = r.state;
      if (r.submit) {
        setForm({ ...s, values: { ...s.values, password: emptyComposer(), confirm: emptyComposer() }, field: "password" });
        props.onSubmit(r.submit);
        return;
      }
    }
    setForm(s);
  });

  const row = (f: Field, label: string, secret: boolean) => {
    const v = form.values[f];
    const shown = secret ? "•".repeat(graphemes(v.text).length) : v.text;
    const on = form.field === f;
    return (
      <Text key={f}>
        <Text color={on ? "cyan" : undefined}>{on ? "› " : "  "}</Text>
        {label.padEnd(18)}
        {shown}
        {on ? <Text inverse> </Text> : null}
      </Text>
    );
  };
  const error = form.problem ?? props.error;
  const mode = form.mode;
  return (
    <Box flexDirection="column" paddingX={2} paddingY={1}>
      <Text bold color="cyan">
        Parley — end-to-end encrypted chat
      </Text>
      <Text dimColor>server {props.server}</Text>
      <Text> </Text>
      <Text>
        <Text inverse={mode === "login"}> Log in </Text> <Text inverse={mode === "register"}> Register </Text>
        <Text dimColor>  Ctrl-R switches</Text>
      </Text>
      <Text> </Text>
      {row("username", "Username", false)}
      {row("password", "Password", true)}
      {mode === "register" ? row("confirm", "Repeat password", true) : null}
      <Text> </Text>
      {props.busy ? <Text color="yellow">{mode === "login" ? "Logging in…" : "Creating your account and keys…"}</Text> : null}
      {error && !props.busy ? (
        <Text color="red" bold>
          ✗ {error}
        </Text>
      ) : null}
      <Text> </Text>
      <Text dimColor wrap="wrap">
        Your password never leaves this computer in a form the server could use to guess it (OPAQUE). Enter: next field / submit. Ctrl-C: quit.
      </Text>
    </Box>
  );
}
