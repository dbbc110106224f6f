// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { useCallback, useEffect, useRef, useState } from "react";
import { Emitter, ClientErrorCode, isParleyError, type ClientEvents, type ParleyClient } from "@parley/client";
import { ErrorCode } from "@parley/protocol";
import { Box, Text } from "ink";
import { ChatModel, describeError } from "../model/ChatModel.js";
import type { ChatHost } from "../host.js";
import { AuthScreen, type AuthRequest } from "./AuthScreen.js";
import { ChatScreen } from "./ChatScreen.js";
import { ProblemScreen } from "./ProblemScreen.js";
import { useTerminalSize } from "./useTerminalSize.js";

type Phase =
  | { kind: "starting" }
  | { kind: "auth"; user?: string; error?: string; busy?: boolean }
  | { kind: "connecting"; detail?: string; attempts: number }
  | { kind: "problem"; title: string; lines: string[]; retry: "open" | "auth" | null }
  | { kind: "chat"; model: ChatModel };

export interface AppProps {
  host: ChatHost;
  renderQr: (payload: string) => Promise<string>;
  /** Called once the UI wants to end; the runner restores the terminal and exits. */
  onExit: (client: ParleyClient | undefined) => void;
  settings?: { typing?: boolean; receipts?: boolean };
}

/**
 * The whole `parley chat` flow: find the profile, log in or register if needed, connect (showing
 * why when the server cannot be reached), then chat. Every failure gets its own screen.
 */
export function App(props: AppProps) {
  const { host } = props;
  const size = useTerminalSize();
  const [phase, setPhase] = useState<Phase>({ kind: "starting" });
  const client = useRef<ParleyClient | undefined>(undefined);
  const quitting = useRef(false);

  const quit = useCallback(() => {
    if (quitting.current) return;
    quitting.current = true;
    props.onExit(client.current);
  }, [props]);

  const enterChat = useCallback(
    async (c: ParleyClient) => {
      client.current = c;
      const model = new ChatModel(c, { server: host.server, renderQr: props.renderQr, onQuit: quit, ...(props.settings ? { settings: props.settings } : {}) });
      c.events.on("session-ended", (e) => {
        // This client is finished: stop it, so logging in again starts clean.
        client.current = undefined;
        void model.stop().then(() => c.close()).catch(() => undefined);
        setPhase({
          kind: "problem",
          title: "Your session has ended",
          lines: [
            e.code === ErrorCode.DeviceRevoked ? "This device was revoked from another of your devices." : "The server no longer accepts this device's session (logged out elsewhere, or expired).",
            "Your keys and history stay in the profile.",
          ],
          retry: "auth",
        });
      });
      await model.start();
      setPhase({ kind: "chat", model });
    },
    [host.server, props.renderQr, props.settings, quit],
  );

  /** A fresh emitter per attempt; it shows connection trouble while the first connect is pending. */
  const watch = useCallback(() => {
    const events = new Emitter<ClientEvents>();
    let attempts = 0;
    events.on("connection", ({ state, detail }) => {
      if (client.current) return;
      if (state === "offline") attempts++;
      setPhase((p) => (p.kind === "connecting" ? { kind: "connecting", attempts, ...(state === "offline" && detail ? { detail } : {}) } : p));
    });
    return events;
  }, []);

  const open = useCallback(async () => {
    setPhase({ kind: "connecting", attempts: 0 });
    try {
      await enterChat(await host.open(watch()));
    } catch (e) {
      if (quitting.current) return;
      if (isParleyError(e, ErrorCode.SessionInvalid) || isParleyError(e, ErrorCode.DeviceRevoked) || isParleyError(e, ClientErrorCode.NotLoggedIn)) {
        const p = await host.profile();
        setPhase({ kind: "auth", ...(p ? { user: p.username } : {}), error: "your session has ended: log in again" });
        return;
      }
      setPhase({ kind: "problem", title: "Could not open your session", lines: [describeError(e)], retry: "open" });
    }
  }, [enterChat, host, watch]);

  const authenticate = useCallback(
    async (r: AuthRequest) => {
      setPhase({ kind: "auth", user: r.username, busy: true });
      try {
        await enterChat(await host.authenticate(r.mode, r.username, r.password, watch()));
      } catch (e) {
        if (quitting.current) return;
        if (isParleyError(e, ClientErrorCode.AuthFailed)) {
          setPhase({
            kind: "problem",
            title: "Wrong username or password",
            lines: [`The server did not accept the password for ${r.username}.`, "(For privacy, it answers the same way when no such user exists.)"],
            retry: "auth",
          });
        } else if (isParleyError(e, ClientErrorCode.Disconnected) || isParleyError(e, ClientErrorCode.Timeout)) {
          setPhase({ kind: "problem", title: "Server unreachable", lines: [`Could not reach ${host.server}.`, describeError(e), "Check the address (--server) and that the server is running."], retry: "auth" });
        } else {
          setPhase({ kind: "auth", user: r.username, error: describeError(e) });
        }
      }
    },
    [enterChat, host, watch],
  );

  useEffect(() => {
    void (async () => {
      const p = await host.profile();
      if (p?.loggedIn) await open();
      else setPhase({ kind: "auth", ...(p ? { user: p.username } : {}) });
    })();
  }, [host, open]);

  switch (phase.kind) {
    case "starting":
      return <Text dimColor>Opening your profile…</Text>;
    case "auth":
      return <AuthScreen server={host.server} initialUser={phase.user} error={phase.error} busy={phase.busy} onSubmit={(r) => void authenticate(r)} onQuit={quit} />;
    case "connecting":
      return phase.attempts === 0 ? (
        <Box paddingX={2} paddingY={1}>
          <Text color="yellow">Connecting to {host.server}…</Text>
        </Box>
      ) : (
        <ProblemScreen
          title="Server unreachable"
          tone="yellow"
          lines={[`Cannot reach ${host.server}.`, ...(phase.detail ? [`(${phase.detail})`] : []), `Retrying by itself (${phase.attempts} attempt${phase.attempts === 1 ? "" : "s"} so far); you will be in as soon as it answers.`, "Your messages and keys are safe in the profile."]}
          actions={[["Ctrl-C", "quit"]]}
          onQuit={quit}
        />
      );
    case "problem":
      return (
        <ProblemScreen
          title={phase.title}
          lines={phase.lines}
          actions={[[phase.retry === "open" ? "Enter" : "Enter", phase.retry === "open" ? "try again" : "back to log in"], ["Ctrl-C", "quit"]]}
          onKey={(_i, key) => {
            if (!key.return) return;
            if (phase.retry === "open") void open();
            else void host.profile().then((p) => setPhase({ kind: "auth", ...(p ? { user: p.username } : {}) }));
          }}
          onQuit={quit}
        />
      );
    case "chat":
      return <ChatScreen model={phase.model} columns={size.columns} rows={size.rows} onQuit={quit} />;
  }
}
