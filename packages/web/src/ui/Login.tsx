import { useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import type { AppState } from "../app/types.js";

/** Register or log in. The password never leaves the browser: OPAQUE runs here. */
export function Login({ controller, state }: { controller: Controller; state: AppState }) {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [mismatch, setMismatch] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (mode === "register" && password !== confirm) return setMismatch(true);
    setMismatch(false);
    setBusy(true);
    if (mode === "register") await controller.register(username.trim().toLowerCase(), password);
    else await controller.login(username.trim().toLowerCase(), password);
    setBusy(false);
  };

  return (
    <main class="centered">
      <form class="card login" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">{mode === "login" ? "Log in to Parley" : "Create a Parley account"}</h1>
        <div class="tabs" role="group" aria-label="Choose">
          <button type="button" aria-pressed={mode === "login"} onClick={() => setMode("login")}>
            Log in
          </button>
          <button type="button" aria-pressed={mode === "register"} onClick={() => setMode("register")}>
            Register
          </button>
        </div>
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required pattern="[a-z0-9][a-z0-9_.\-]{1,31}" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete={mode === "login" ? "current-password" : "new-password"} required minLength={mode === "register" ? 8 : 1} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {mode === "register" && (
          <>
            <label for="confirm">Password again</label>
            <input id="confirm" name="confirm" type="password" autocomplete="new-password" required value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} aria-invalid={mismatch} aria-describedby={mismatch ? "confirm-error" : undefined} />
            {mismatch && <p id="confirm-error" class="error">The passwords differ.</p>}
          </>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Working…" : mode === "login" ? "Log in" : "Create account"}
        </button>
        {state.error && (
          <p role="alert" class="error">
            {state.error}
          </p>
        )}
        <p class="hint">
          Your password never leaves this browser. A browser you log in from becomes one of your devices; its history is
          stored here encrypted under a key only your password unlocks.
        </p>
        <p role="status" class="hint">{state.status}</p>
        <button type="button" class="link" onClick={() => void controller.removeLocalData()}>
          Remove local data from this browser
        </button>
      </form>
    </main>
  );
}
