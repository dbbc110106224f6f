import { useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import type { AppState } from "../app/types.js";

/** The conversation list with unread badges, and forms to start a 1:1 or a group. */
export function Sidebar({ controller, state, onOpen }: { controller: Controller; state: AppState; onOpen: () => void }) {
  const [peer, setPeer] = useState("");
  const [groupName, setGroupName] = useState("");
  const [groupMembers, setGroupMembers] = useState("");
  const open = (id: string) => {
    onOpen();
    void controller.select(id);
  };
  return (
    <nav class="sidebar" aria-label="Conversations">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!peer.trim()) return;
          onOpen();
          void controller.startDirect(peer).then(() => setPeer(""));
        }}
      >
        <label for="new-direct" class="visually-hidden">
          Start a chat with (username)
        </label>
        <input id="new-direct" placeholder="Chat with username…" value={peer} onInput={(e) => setPeer(e.currentTarget.value)} />
        <button type="submit">Start</button>
      </form>
      <details class="new-group">
        <summary>New group</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const members = groupMembers.split(/[\s,]+/).map((u) => u.trim().toLowerCase()).filter(Boolean);
            if (!groupName.trim()) return;
            onOpen();
            void controller.createGroup(groupName, members).then(() => {
              setGroupName("");
              setGroupMembers("");
            });
          }}
        >
          <label for="group-name">Group name</label>
          <input id="group-name" value={groupName} onInput={(e) => setGroupName(e.currentTarget.value)} />
          <label for="group-members">Members (usernames, separated by commas)</label>
          <input id="group-members" value={groupMembers} onInput={(e) => setGroupMembers(e.currentTarget.value)} />
          <button type="submit">Create group</button>
        </form>
      </details>
      <h2 class="list-title">Conversations</h2>
      {state.conversations.length === 0 ? (
        <p class="hint">No conversations yet.</p>
      ) : (
        <ul class="conversations">
          {state.conversations.map((c) => (
            <li key={c.conversationId}>
              <button
                type="button"
                class="conversation"
                aria-current={c.conversationId === state.selected ? "true" : undefined}
                onClick={() => open(c.conversationId)}
              >
                <span class="avatar" aria-hidden="true">{c.kind === "group" ? "#" : c.title.slice(0, 1).toUpperCase()}</span>
                {/* The accessible name is the visible text plus hidden words: "Chat with alice, 2 unread". */}
                <span class="title">
                  <span class="visually-hidden">{c.kind === "group" ? "Group " : "Chat with "}</span>
                  {c.title}
                </span>
                {c.unread > 0 && (
                  <span class="badge">
                    <span class="visually-hidden">, </span>
                    {c.unread}
                    <span class="visually-hidden"> unread</span>
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
