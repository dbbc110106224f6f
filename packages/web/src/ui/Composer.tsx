import { useRef, useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";

/** Enter sends; Shift+Enter starts a new line. Typing is announced to the others (inside MLS). */
export function Composer({ controller, blockedReason, conversationTitle }: { controller: Controller; blockedReason: string | null; conversationTitle: string }) {
  const disabled = blockedReason !== null;
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const idle = useRef<ReturnType<typeof setTimeout>>();
  const send = async () => {
    if (!text.trim() || sending) return;
    setSending(true);
    if (await controller.send(text)) setText("");
    setSending(false);
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label for="composer" class="visually-hidden">
        Message to {conversationTitle}
      </label>
      <textarea
        id="composer"
        rows={2}
        placeholder={blockedReason ?? "Write a message — Enter sends, Shift+Enter for a new line"}
        disabled={disabled}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          controller.typing(true);
          clearTimeout(idle.current);
          idle.current = setTimeout(() => controller.typing(false), 4000);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            clearTimeout(idle.current);
            void send();
          }
        }}
      />
      <button type="submit" class="primary" disabled={disabled || sending || !text.trim()}>
        Send
      </button>
    </form>
  );
}
