import { useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import type { AppState, ConversationRow } from "../app/types.js";

/** Group members: add, remove, safety numbers, and leaving the group. */
export function Members({ controller, state, row, onSafety }: { controller: Controller; state: AppState; row: ConversationRow; onSafety: (u: string) => void }) {
  const [add, setAdd] = useState("");
  return (
    <section class="card members" aria-labelledby="members-title">
      <h2 id="members-title">Members of {row.title}</h2>
      <ul>
        {row.members.map((u) => (
          <li key={u} class="row">
            <span class="grow">{u === state.username ? `${u} (you)` : u}</span>
            {u !== state.username && (
              <>
                <button type="button" onClick={() => onSafety(u)} aria-label={`Safety number with ${u}`}>
                  Safety number
                </button>
                <button type="button" onClick={() => void controller.removeMember(row.conversationId, u)} aria-label={`Remove ${u} from ${row.title}`}>
                  Remove
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (add.trim()) void controller.addMember(row.conversationId, add).then(() => setAdd(""));
        }}
      >
        <label for="add-member" class="visually-hidden">
          Add a member (username)
        </label>
        <input id="add-member" placeholder="Add username…" value={add} onInput={(e) => setAdd(e.currentTarget.value)} />
        <button type="submit">Add</button>
      </form>
      <button type="button" class="danger" onClick={() => void controller.leave(row.conversationId)}>
        Leave {row.title}
      </button>
    </section>
  );
}
