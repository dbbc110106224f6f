import { useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import { askNotificationPermission, notificationPermission } from "../app/notify.js";
import type { AppState } from "../app/types.js";

const LABEL: Record<AppState["connection"], string> = {
  online: "Online",
  connecting: "Connecting…",
  offline: "Offline — reconnecting",
  closed: "Disconnected",
};

export function Header({ controller, state, onDevices }: { controller: Controller; state: AppState; onDevices: () => void }) {
  const [permission, setPermission] = useState(notificationPermission());
  return (
    <header class="topbar">
      <span class="brand" aria-hidden="true">Parley</span>
      <span class={`conn conn-${state.connection}`} role="status" aria-label={`Connection: ${LABEL[state.connection]}`}>
        <span class="dot" aria-hidden="true" /> {LABEL[state.connection]}
      </span>
      <span class="spacer" />
      <span class="me">@{state.username}</span>
      {permission === "default" && (
        <button type="button" onClick={() => void askNotificationPermission().then(setPermission)}>
          Enable notifications
        </button>
      )}
      <button type="button" onClick={onDevices}>
        Devices
      </button>
      <button type="button" onClick={() => void controller.logout()}>
        Log out
      </button>
    </header>
  );
}
