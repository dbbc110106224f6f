import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createElement as h } from "react";
import { render, cleanup } from "ink-testing-library";
import { ChatModel, ChatScreen, cellWidth } from "../src/index.js";
import { DAY1, DAY2, ScriptedService, until, tick } from "./scriptedService.js";

process.env.TZ = "UTC";
afterEach(() => cleanup());

const KEYS = { enter: "\r", tab: "\t", ctrlN: "\x0e", ctrlP: "\x10", ctrlC: "\x03", esc: "\x1b", pageUp: "\x1b[5~", pageDown: "\x1b[6~", altEnter: "\x1b\r" };

async function mount(svc: ScriptedService, size = { columns: 80, rows: 24 }) {
  let quits = 0;
  const model = new ChatModel(svc, { server: "ws://127.0.0.1:8448/ws", renderQr: async (p) => `[QR ${p.length}]\n[QR]`, onQuit: () => quits++ });
  await model.start();
  const ui = render(h(ChatScreen, { model, ...size, onQuit: () => quits++ }));
  await tick();
  const frame = () => ui.lastFrame() ?? "";
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick(15);
    }
  };
  return { model, ui, frame, press, quits: () => quits };
}

function world() {
  const svc = new ScriptedService();
  svc.addConversation({ conversationId: "dm-bob", peer: "bob", members: ["alice", "bob"] });
  svc.addConversation({ conversationId: "g-team", kind: "group", name: "team", members: ["alice", "bob", "carol"] });
  svc.addMessage("dm-bob", "bob", "morning!", DAY1);
  svc.addMessage("dm-bob", "alice", "hi bob", DAY2, { state: "read" });
  svc.addMessage("g-team", "carol", "standup in 5", DAY2 + 30_000, { unseen: true });
  svc.addMessage("g-team", "bob", "ok", DAY2 + 40_000, { unseen: true });
  return svc;
}

test("renders the list with unread counts and last messages, the timeline with day separators and marks, and the status bar", async () => {
  const svc = world();
  const { frame } = await mount(svc);
  await until(() => assert.match(frame(), /team/));
  const f = frame();
  // Most recent first: the group (unread 2) above the 1:1. The group is selected first, so it is read at once.
  assert.match(f, /1 team/);
  assert.match(f, /2 @bob/);
  assert.match(f, /bob: ok/);
  assert.match(f, /● online/);
  assert.match(f, /alice · device dev-alic/);
  assert.match(f, /Saturday, 21 November 2026/);
  assert.match(f, /14:05 carol: standup in 5/);
  // Opening the group marked its messages seen and sent a read receipt inside MLS.
  await until(() => assert.deepEqual(svc.called("markRead")[0], ["g-team", ["m103", "m104"]]));
});

test("unread counts show for conversations not on screen; switching with Ctrl-N / Ctrl-P / Tab / Alt-digit", async () => {
  const svc = world();
  const { frame, press } = await mount(svc);
  svc.deliver("dm-bob", "bob", "are you there?", DAY2 + 90_000);
  await until(() => assert.match(frame(), /@bob\s+1/));
  await press(KEYS.ctrlN);
  await until(() => assert.match(frame(), /@bob {2}🔒 end-to-end encrypted/));
  const f = frame();
  assert.match(f, /Friday, 20 November 2026/);
  assert.match(f, /09:30 bob: morning!/);
  assert.match(f, /alice: hi bob ✓✓read/);
  assert.doesNotMatch(f, /@bob\s+1/);
  await press(KEYS.ctrlP);
  await until(() => assert.match(frame(), /team {2}🔒 3 members/));
  await press(KEYS.tab);
  await until(() => assert.match(frame(), /@bob {2}🔒/));
  await press("\x1b2");
  await until(() => assert.match(frame(), /team {2}🔒/));
});

test("Enter sends what was typed; the message shows as sent; a failed send is marked and explained", async () => {
  const svc = world();
  const { frame, press } = await mount(svc);
  await press("hello team", KEYS.enter);
  await until(() => assert.deepEqual(svc.called("sendText").at(-1), ["g-team", "hello team"]));
  await until(() => assert.match(frame(), /alice: hello team ✓/));
  svc.failSend = new Error("the server is unreachable");
  await press("second", KEYS.enter);
  await until(() => assert.match(frame(), /second ✗ not sent/));
  assert.match(frame(), /not sent: the server is unreachable/);
});

test("typing sends a typing indicator once (throttled) and stops when the message is sent", async () => {
  const svc = world();
  const { press } = await mount(svc);
  await press("h", "e", "y");
  assert.deepEqual(svc.called("setTyping"), [["g-team", true]]);
  await press(KEYS.enter);
  await until(() => assert.deepEqual(svc.called("setTyping").at(-1), ["g-team", false]));
});

test("someone else typing shows under the messages and in the list; it expires", async () => {
  const svc = world();
  const { frame } = await mount(svc);
  svc.events.emit("typing", { conversationId: "g-team", username: "carol", active: true });
  await until(() => assert.match(frame(), /carol is typing…/));
  svc.events.emit("typing", { conversationId: "g-team", username: "carol", active: false });
  await until(() => assert.doesNotMatch(frame(), /carol is typing/));
});

test("delivery and read receipts move our message's mark forward, never back", async () => {
  const svc = world();
  const { frame, press, model } = await mount(svc);
  await press("status?", KEYS.enter);
  await until(() => assert.match(frame(), /status\? ✓$/m));
  const id = (model.getSnapshot().timelines["g-team"]!.at(-1) as { id: string }).id;
  svc.events.emit("message-state", { conversationId: "g-team", messageId: id, state: "read", by: "bob" });
  await until(() => assert.match(frame(), /status\? ✓✓read/));
  svc.events.emit("message-state", { conversationId: "g-team", messageId: id, state: "delivered", by: "carol" });
  await tick();
  assert.match(frame(), /status\? ✓✓read/);
});

test("/receipts off stops read receipts; /typing off stops typing indicators", async () => {
  const svc = world();
  const { press, frame } = await mount(svc);
  await press("/receipts off", KEYS.enter, "/typing off", KEYS.enter);
  await until(() => assert.match(frame(), /typing:off receipts:off/));
  const before = svc.called("markRead").length;
  await press(KEYS.ctrlN);
  svc.deliver("dm-bob", "bob", "read this", DAY2 + 100_000);
  await press("abc");
  await tick(50);
  assert.equal(svc.called("markRead").length, before);
  assert.deepEqual(svc.called("setTyping"), []);
});

test("slash commands: Tab completion, /dm opens a conversation, /group create makes one, /help and Esc", async () => {
  const svc = world();
  const { frame, press } = await mount(svc);
  await press("/d", KEYS.tab);
  await until(() => assert.match(frame(), /devices {2}dm/));
  await press("m c", KEYS.tab);
  await until(() => assert.match(frame(), /› \/dm carol/));
  await press(KEYS.enter);
  await until(() => assert.match(frame(), /@carol {2}🔒 end-to-end encrypted/));
  assert.deepEqual(svc.called("ensureDirect"), [["carol"]]);
  await press("/group create ops bob carol", KEYS.enter);
  await until(() => assert.match(frame(), /group ops created with bob, carol/));
  assert.deepEqual(svc.called("createGroup"), [["ops", ["bob", "carol"]]]);
  await press("/help", KEYS.enter);
  await until(() => assert.match(frame(), /PageUp \/ PageDown/));
  await press(KEYS.esc);
  await until(() => assert.doesNotMatch(frame(), /PageUp \/ PageDown/));
  await press("/dm B!", KEYS.enter);
  await until(() => assert.match(frame(), /"B!" is not a username/));
});

test("/verify shows the safety number and QR code; v marks the contact verified", async () => {
  const svc = world();
  const { frame, press } = await mount(svc);
  await press(KEYS.ctrlN, "/verify", KEYS.enter);
  await until(() => assert.match(frame(), /Safety number with bob/));
  assert.match(frame(), /10000 11111 12222 13333/);
  assert.match(frame(), /\[QR 72\]/);
  assert.match(frame(), /not verified yet/);
  await press("v");
  await until(() => assert.match(frame(), /✓ bob is verified/));
  assert.deepEqual(svc.called("markVerified"), [["bob", true]]);
  await press(KEYS.esc);
  await until(() => assert.match(frame(), /@bob {2}🔒 end-to-end encrypted · ✓ verified/));
});

test("contacts verified in an earlier session show as verified", async () => {
  const svc = world();
  svc.verified.add("bob");
  const { frame, press } = await mount(svc);
  await press(KEYS.ctrlN);
  await until(() => assert.match(frame(), /@bob {2}🔒 end-to-end encrypted · ✓ verified/));
});

test("a key change takes over the screen, blocks sending to that contact, and v leads to verification", async () => {
  const svc = world();
  const { frame, press } = await mount(svc);
  svc.events.emit("key-changed", { username: "bob" });
  await until(() => assert.match(frame(), /bob's account key has changed/));
  await press(KEYS.esc);
  await until(() => assert.match(frame(), /⚠ key changed: bob/));
  assert.match(frame(), /account key CHANGED/);
  await press("still there?", KEYS.enter);
  await until(() => assert.match(frame(), /not sent: bob's key changed/));
  assert.deepEqual(svc.called("sendText"), []);
  svc.events.emit("key-changed", { username: "bob" });
  await until(() => assert.match(frame(), /bob's account key has changed/));
  await press("v");
  await until(() => assert.match(frame(), /Safety number with bob/));
  await press("v");
  await until(() => assert.deepEqual(svc.called("acceptKeyChange"), [["bob"]]));
  await press(KEYS.esc, "now?", KEYS.enter);
  await until(() => assert.deepEqual(svc.called("sendText"), [["g-team", "now?"]]));
});

test("connection loss shows in the status bar and above the messages; back online clears it", async () => {
  const svc = world();
  const { frame } = await mount(svc);
  svc.events.emit("connection", { state: "offline", detail: "connection lost" });
  await until(() => assert.match(frame(), /○ offline, reconnecting/));
  assert.match(frame(), /server unreachable — reconnecting/);
  svc.events.emit("connection", { state: "online" });
  await until(() => assert.match(frame(), /● online/));
  assert.doesNotMatch(frame(), /server unreachable/);
});

test("PageUp/PageDown scroll the history; Ctrl-C quits", async () => {
  const svc = world();
  for (let i = 0; i < 60; i++) svc.addMessage("g-team", "bob", `line ${i}`, DAY2 + 50_000 + i);
  const { frame, press, quits } = await mount(svc);
  await until(() => assert.match(frame(), /14:05 bob: line 59/));
  await press(KEYS.pageUp);
  await until(() => assert.doesNotMatch(frame(), /14:05 bob: line 59/));
  assert.match(frame(), /14:05 bob: line 30/);
  assert.match(frame(), /more rows below/);
  await press(KEYS.pageDown);
  await until(() => assert.match(frame(), /14:05 bob: line 59/));
  await press(KEYS.ctrlC);
  assert.equal(quits(), 1);
});

test("PageUp at the top of the loaded history fetches the page before it", async () => {
  const svc = world();
  for (let i = 0; i < 260; i++) svc.addMessage("g-team", "bob", `old ${i}`, DAY2 + 50_000 + i);
  const { frame, press, model } = await mount(svc);
  await until(() => assert.match(frame(), /14:05 bob: old 259/));
  // The first load holds the newest 200 stored messages.
  assert.equal(model.getSnapshot().timelines["g-team"]!.length, 200);
  for (let i = 0; i < 14; i++) await press(KEYS.pageUp);
  await until(() => assert.equal(model.getSnapshot().timelines["g-team"]!.length, 262));
  for (let i = 0; i < 8; i++) await press(KEYS.pageUp);
  await until(() => assert.match(frame(), /carol: standup in 5/));
});

test("emoji, CJK and right-to-left text never push a line past the terminal width (80x24 and 50x16)", async () => {
  for (const size of [{ columns: 80, rows: 24 }, { columns: 50, rows: 16 }]) {
    const svc = world();
    svc.addMessage("g-team", "bob", "你好世界！这是一个很长的中文句子，用来测试换行是否正确处理宽字符。👨‍👩‍👧‍👦🎉🇫🇷", DAY2 + 60_000);
    svc.addMessage("g-team", "carol", "שלום עולם, זה משפט ארוך בעברית כדי לבדוק גלישת שורות مرحبا بالعالم", DAY2 + 61_000);
    const { frame, press } = await mount(svc, size);
    await press("你好👋 שלום");
    await until(() => assert.match(frame(), /你好👋 שלום/));
    const lines = frame().split("\n");
    assert.ok(lines.length <= size.rows, `${lines.length} rows`);
    for (const l of lines) assert.ok(cellWidth(l) <= size.columns, `${cellWidth(l)} cells: ${l}`);
    if (size.columns < 64) assert.doesNotMatch(frame(), /Conversations/);
    else assert.match(frame(), /Conversations/);
    cleanup();
  }
});

test("resizing re-lays out the screen", async () => {
  const svc = world();
  const model = new ChatModel(svc, { server: "s", renderQr: async () => "" });
  await model.start();
  const ui = render(h(ChatScreen, { model, columns: 80, rows: 24, onQuit: () => undefined }));
  await until(() => assert.match(ui.lastFrame() ?? "", /Conversations/));
  ui.rerender(h(ChatScreen, { model, columns: 40, rows: 12, onQuit: () => undefined }));
  await until(() => assert.doesNotMatch(ui.lastFrame() ?? "", /Conversations/));
  for (const l of (ui.lastFrame() ?? "").split("\n")) assert.ok(cellWidth(l) <= 40);
});

test("a multi-line message is composed with Alt-Enter and sent whole", async () => {
  const svc = world();
  const { press, frame } = await mount(svc);
  await press("first line", KEYS.altEnter, "second line");
  await until(() => assert.match(frame(), /second line/));
  await press(KEYS.enter);
  await until(() => assert.deepEqual(svc.called("sendText").at(-1), ["g-team", "first line\nsecond line"]));
});
