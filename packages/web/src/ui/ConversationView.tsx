import { useEffect, useRef, useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";
import type { AppState } from "../app/types.js";
import { Composer } from "./Composer.js";
import { KeyChangeWarning } from "./KeyChangeWarning.js";
import { Members } from "./Members.js";
import { MessageLine } from "./MessageLine.js";
import { SafetyNumber } from "./SafetyNumber.js";

type Side = "none" | "safety" | "members";

export function ConversationView({ controller, state }: { controller: Controller; state: AppState }) {
  const row = state.conversations.find((c) => c.conversationId === state.selected);
  const [side, setSide] = useState<Side>("none");
  const [safetyFor, setSafetyFor] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  useEffect(() => setSide("none"), [state.selected]);
  const newest = state.timeline[state.timeline.length - 1]?.key;
  useEffect(() => {
    // Follow new messages; loading older ones (prepended) leaves the view where it is.
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [newest, state.selected]);
  if (!row) return <p class="hint">Loading conversation…</p>;
  const others = row.members.filter((u) => u !== state.username);
  const blocked = others.filter((u) => state.keyChanged.includes(u));
  const showSafety = (u: string) => {
    setSafetyFor(u);
    setSide("safety");
  };
  return (
    <section class="conversation-view" aria-labelledby="conversation-title">
      <div class="conversation-head">
        <button type="button" class="back" onClick={() => void controller.select(null)} aria-label="Back to conversations">
          ←
        </button>
        <div class="head-text">
          <h1 id="conversation-title">{row.title}</h1>
          <p class="hint">{row.kind === "group" ? `Group · ${row.members.join(", ")}` : `Direct chat with ${row.peer}`}</p>
        </div>
        {row.kind === "direct" && row.peer && (
          <button type="button" aria-expanded={side === "safety"} onClick={() => (side === "safety" ? setSide("none") : showSafety(row.peer!))}>
            Safety number
          </button>
        )}
        {row.kind === "group" && (
          <button type="button" aria-expanded={side === "members"} onClick={() => setSide(side === "members" ? "none" : "members")}>
            Members
          </button>
        )}
      </div>
      {blocked.map((u) => (
        <KeyChangeWarning key={u} username={u} onShow={() => showSafety(u)} onAccept={() => void controller.acceptKeyChange(u)} />
      ))}
      {side === "safety" && safetyFor && <SafetyNumber controller={controller} username={safetyFor} onClose={() => setSide("none")} />}
      {side === "members" && <Members controller={controller} state={state} row={row} onSafety={showSafety} />}
      <div class="timeline" ref={logRef} role="log" aria-label={`Messages in ${row.title}`} aria-live="polite" tabIndex={0}>
        {state.hasOlder && (
          <button type="button" class="older" onClick={() => void controller.loadOlder()}>
            Show older messages
          </button>
        )}
        <ol class="timeline-list">
        {state.timeline.map((item) =>
          item.type === "notice" ? (
            <li key={item.key} class="notice">
              {item.text}
            </li>
          ) : (
            <MessageLine key={item.key} item={item} />
          ),
        )}
        </ol>
      </div>
      <p class="typing" aria-live="polite">
        {state.typing.length ? `${state.typing.join(", ")} ${state.typing.length > 1 ? "are" : "is"} typing…` : ""}
      </p>
      <Composer
        controller={controller}
        blockedReason={blocked.length ? `Sending is blocked until you check ${blocked.join(", ")}'s new key` : !row.joined ? "Joining this conversation…" : null}
        conversationTitle={row.title}
      />
    </section>
  );
}
