// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Box, Text, useInput, type Key } from "ink";
import { PASTE_END, PASTE_START, splitKeys } from "./keys.js";
import { complete, hint } from "../model/commands.js";
import { composerKey, emptyComposer, setText, type ComposerState } from "../model/composer.js";
import type { ChatModel } from "../model/ChatModel.js";
import { fit, truncate } from "../text/width.js";
import { ComposerView, composerRows } from "./ComposerView.js";
import { ConversationList } from "./ConversationList.js";
import { MessagePane, maxScroll } from "./MessagePane.js";
import { OverlayView } from "./Overlays.js";
import { StatusBar } from "./StatusBar.js";
import { toneColor } from "./theme.js";

/** Below this width the conversation list is hidden and only the open conversation is shown. */
const SIDEBAR_MIN_COLUMNS = 64;

/**
 * The chat screen: conversation list, messages, composer and status bar, sized to the terminal.
 * All keys arrive here and go to the overlay, the global bindings or the composer, in that order.
 */
export function ChatScreen(props: { model: ChatModel; columns: number; rows: number; onQuit: () => void }) {
  const { model } = props;
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const [composer, setComposer] = useState<ComposerState>(() => emptyComposer());
  const [scroll, setScroll] = useState(0);
  const [candidates, setCandidates] = useState<string[]>([]);
  const active = s.conversations.find((c) => c.id === s.activeId);
  const items = (s.activeId && s.timelines[s.activeId]) || [];

  const width = props.columns;
  const height = Math.max(6, props.rows - 1);
  const sidebar = width >= SIDEBAR_MIN_COLUMNS ? Math.min(28, Math.floor(width * 0.3)) : 0;
  const mainWidth = width - (sidebar ? sidebar + 1 : 0);
  const compRows = composerRows(composer.text, mainWidth);
  // Header, rule above the composer, the hint/typing line, the composer itself, the status bar.
  const paneHeight = Math.max(1, height - 1 - 1 - 1 - 1 - compRows);
  const page = Math.max(1, paneHeight - 2);

  // A new conversation starts at its newest message.
  useEffect(() => setScroll(0), [s.activeId]);

  const pasting = useRef(false);
  const scrollRef = useRef(scroll);
  scrollRef.current = scroll;
  const composerRef = useRef(composer);
  composerRef.current = composer;

  useInput((input, key) => {
    if (input === PASTE_START || input === PASTE_END) {
      pasting.current = input === PASTE_START;
      return;
    }
    if (pasting.current) {
      const r = composerKey(composerRef.current, input, {});
      composerRef.current = r.state;
      setComposer(r.state);
      return;
    }
    for (const [i, k] of splitKeys(input, key)) handleKey(i, k);
  });

  function handleKey(input: string, key: Key): void {
    const composer = composerRef.current;
    if (key.ctrl && input === "c") return props.onQuit();
    const overlay = model.getSnapshot().overlay;
    if (overlay) {
      if (key.escape || input === "q") return model.closeOverlay();
      if (overlay.kind === "verify" && input === "v") return void model.verifyShown();
      if (overlay.kind === "key-changed" && input === "v") return void model.showSafety(overlay.username).catch(() => undefined);
      return;
    }
    if (key.pageUp) {
      const max = maxScroll(items, mainWidth, paneHeight);
      // At the top of what is loaded, fetch the previous page of stored history.
      if (scrollRef.current + page >= max && s.activeId) void model.loadOlder(s.activeId);
      return setScroll((x) => Math.min(max, x + page));
    }
    if (key.pageDown) return setScroll((x) => Math.max(0, x - page));
    if (key.tab) {
      const done = complete(composer.text, model.knownUsers());
      if (done) {
        composerRef.current = setText(composer, done.text);
        setComposer(composerRef.current);
        setCandidates(done.candidates.length > 1 ? done.candidates : []);
        return;
      }
      return void model.cycle(key.shift ? -1 : 1);
    }
    if (key.ctrl && (input === "n" || input === "p")) return void model.cycle(input === "n" ? 1 : -1);
    if (key.meta && /^[1-9]$/.test(input)) return void model.selectNumber(Number(input));
    if (key.escape) return setCandidates([]);
    const r = composerKey(composer, input, key);
    if (r.state !== composer) {
      // Kept in the ref too, so the next key of the same chunk sees this one's result.
      composerRef.current = r.state;
      setComposer(r.state);
      setCandidates([]);
      if (r.state.text !== composer.text) model.composing(r.state.text);
    }
    if (r.submit !== undefined) {
      setScroll(0);
      void model.submit(r.submit);
    }
  }

  const typingHere = s.activeId ? s.typing[s.activeId] ?? [] : [];
  const commandHint = candidates.length ? candidates.join("  ") : hint(composer.text);
  // One line under the messages: a command hint beats an error, which beats "is typing", which beats news.
  const typingLine = typingHere.length ? { text: `${typingHere.join(", ")} ${typingHere.length > 1 ? "are" : "is"} typing…`, color: "green" } : null;
  const noticeLine = s.notice ? { text: s.notice.text, color: toneColor[s.notice.tone] } : null;
  const line: { text: string; color: string } = commandHint
    ? { text: commandHint, color: "cyan" }
    : (s.notice?.tone === "danger" ? noticeLine : null) ?? typingLine ?? noticeLine ?? { text: "", color: "gray" };

  const header = active ? headerFor(active, s.verified, s.keyChanged) : { text: " Parley — /dm USER to start, /help for keys", color: "white" };
  const offline = s.connection.state !== "online";

  return (
    <Box flexDirection="column" width={width} height={height}>
      {s.overlay ? (
        <Box flexDirection="column" height={height - 1} paddingX={1}>
          <OverlayView overlay={s.overlay} width={width - 2} height={height - 1} />
        </Box>
      ) : (
        <Box flexDirection="row" height={height - 1}>
          {sidebar ? (
            <Box borderStyle="single" borderTop={false} borderBottom={false} borderLeft={false} borderDimColor>
              <ConversationList conversations={s.conversations} activeId={s.activeId} width={sidebar} height={height - 1} typing={s.typing} />
            </Box>
          ) : null}
          <Box flexDirection="column" width={mainWidth}>
            <Text bold color={header.color} wrap="truncate-end">
              {fit(header.text, mainWidth)}
            </Text>
            {offline ? (
              <Text backgroundColor="red" color="white" bold>
                {fit(` ${offlineText(s.connection)}`, mainWidth)}
              </Text>
            ) : null}
            <MessagePane items={items} width={mainWidth} height={paneHeight - (offline ? 1 : 0)} scroll={scroll} />
            <Text color={line.color} wrap="truncate-end">
              {fit(line.text ? ` ${line.text}` : "", mainWidth)}
            </Text>
            <Text dimColor>{"─".repeat(mainWidth)}</Text>
            <ComposerView state={composer} width={mainWidth} placeholder={active?.closed ? "you left this conversation" : "message, or /help"} />
          </Box>
        </Box>
      )}
      <StatusBar state={s} width={width} />
    </Box>
  );
}

function headerFor(c: { title: string; kind: string; peer: string | null; members: string[] }, verified: string[], changed: string[]) {
  const broken = c.members.filter((m) => changed.includes(m));
  if (broken.length) return { text: ` ${c.title}  ⚠ key changed: ${broken.join(", ")} — /verify ${broken[0]}`, color: "red" };
  if (c.kind === "direct") {
    const ok = c.peer && verified.includes(c.peer);
    return { text: ` ${c.title}  🔒 end-to-end encrypted${ok ? " · ✓ verified" : " · not verified yet"}`, color: ok ? "green" : "white" };
  }
  return { text: ` ${c.title}  🔒 ${c.members.length} members: ${truncate(c.members.join(", "), 40)}`, color: "white" };
}

function offlineText(c: { state: string; detail?: string }): string {
  if (c.state === "connecting") return "connecting to the server…";
  return "server unreachable — reconnecting…";
}
