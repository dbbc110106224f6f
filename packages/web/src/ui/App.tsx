import { useEffect, useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import { useObservable } from "../app/observable.js";
import { ConversationView } from "./ConversationView.js";
import { Devices } from "./Devices.js";
import { Header } from "./Header.js";
import { Insecure } from "./Insecure.js";
import { Login } from "./Login.js";
import { Sidebar } from "./Sidebar.js";

export type Panel = "conversation" | "devices";

/** The whole app: the login screen, or the list of conversations beside the open one. */
export function App({ controller }: { controller: Controller }) {
  const s = useObservable(controller.state);
  const [panel, setPanel] = useState<Panel>("conversation");
  const unread = s.conversations.reduce((n, c) => n + c.unread, 0);
  useEffect(() => {
    // The tab title counts unread messages, so a background tab shows there is something new.
    document.title = unread ? `(${unread}) Parley` : "Parley";
  }, [unread]);
  if (s.phase === "starting") {
    return (
      <main class="centered" aria-busy="true">
        <p>Opening Parley and connecting to the server…</p>
      </main>
    );
  }
  if (s.phase === "insecure") return <Insecure />;
  if (s.phase === "login") return <Login controller={controller} state={s} />;
  const showingConversation = panel === "devices" || s.selected !== null;
  return (
    <div class={`shell ${showingConversation ? "has-detail" : ""}`}>
      <Header controller={controller} state={s} onDevices={() => setPanel("devices")} />
      <Sidebar controller={controller} state={s} onOpen={() => setPanel("conversation")} />
      <main class="detail" id="main">
        {s.error && (
          <p role="alert" class="error">
            {s.error}
          </p>
        )}
        {panel === "devices" ? (
          <Devices controller={controller} deviceId={s.deviceId} onClose={() => setPanel("conversation")} />
        ) : s.selected ? (
          <ConversationView controller={controller} state={s} />
        ) : (
          <div class="empty">
            <h1>Welcome, {s.username}</h1>
            <p>Pick a conversation, or start a new one. Everything is encrypted here, in your browser.</p>
          </div>
        )}
      </main>
      <p class="visually-hidden" role="status" aria-live="polite">
        {s.status}
      </p>
    </div>
  );
}
