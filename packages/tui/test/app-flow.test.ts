import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createElement as h } from "react";
import { render, cleanup } from "ink-testing-library";
import { ClientErrorCode, ParleyError, type ParleyClient } from "@parley/client";
import { App, type ChatHost } from "../src/index.js";
import { ScriptedService, until, tick } from "./scriptedService.js";

afterEach(() => cleanup());

type Auth = Parameters<ChatHost["authenticate"]>;

function host(over: Partial<ChatHost> & { auth?: (...a: Auth) => Promise<ParleyClient> }) {
  const log: Array<{ mode: string; username: string; password: string }> = [];
  const h: ChatHost = {
    server: "ws://127.0.0.1:8448/ws",
    profile: async () => undefined,
    open: async () => {
      throw new Error("no session");
    },
    authenticate: (mode, username, password, events) => {
      log.push({ mode, username, password });
      return over.auth ? over.auth(mode, username, password, events) : Promise.reject(new Error("unexpected"));
    },
    ...over,
  };
  return { h, log };
}

async function mount(chatHost: ChatHost) {
  let exited = 0;
  const ui = render(h(App, { host: chatHost, renderQr: async () => "", onExit: () => exited++ }));
  await tick();
  const type = async (...keys: string[]) => {
    // A screen that just appeared attaches its key listener in an effect, a moment after drawing.
    await tick(40);
    for (const k of keys) {
      ui.stdin.write(k);
      await tick(15);
    }
  };
  return { frame: () => ui.lastFrame() ?? "", type, exited: () => exited };
}

test("first run: register inside the UI, then the chat screen opens; the password is never drawn", async () => {
  const svc = new ScriptedService();
  const { h: chatHost, log } = host({ auth: async () => svc as unknown as ParleyClient });
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /Repeat password/));
  await type("alice", "\r", "correct horse", "\r", "correct horse");
  assert.doesNotMatch(frame(), /correct horse/);
  assert.match(frame(), /•{13}/);
  await type("\r");
  await until(() => assert.match(frame(), /● online/));
  assert.deepEqual(log, [{ mode: "register", username: "alice", password: "correct horse" }]);
});

test("a chunk of keys (fast typing, tmux send-keys) fills the form field by field", async () => {
  const svc = new ScriptedService();
  const { h: chatHost, log } = host({ auth: async () => svc as unknown as ParleyClient });
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /Username/));
  await type("\x12", "alice\rcorrect horse\r");
  await until(() => assert.equal(log.length, 1));
  assert.equal(log[0]!.mode, "login");
});

test("registration checks the two passwords match before asking the server", async () => {
  const { h: chatHost, log } = host({});
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /Username/));
  await type("alice", "\r", "correct horse", "\r", "correct hors", "\r");
  await until(() => assert.match(frame(), /the two passwords differ/));
  assert.equal(log.length, 0);
});

test("a wrong password gets its own screen, and Enter goes back to the form", async () => {
  const { h: chatHost } = host({
    profile: async () => ({ username: "alice", loggedIn: false }),
    auth: async () => {
      throw new ParleyError(ClientErrorCode.AuthFailed, "wrong username or password");
    },
  });
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /Log in/));
  await type("not my password", "\r");
  await until(() => assert.match(frame(), /Wrong username or password/));
  assert.match(frame(), /answers the same way when no such user exists/);
  await type("\r");
  await until(() => assert.match(frame(), /Password/));
  assert.match(frame(), /alice/);
});

test("an unreachable server while logging in says so, with the address", async () => {
  const { h: chatHost } = host({
    auth: async () => {
      throw new ParleyError(ClientErrorCode.Disconnected, "server unreachable");
    },
  });
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /Username/));
  await type("\x12", "alice", "\r", "a password!", "\r");
  await until(() => assert.match(frame(), /Server unreachable/));
  assert.match(frame(), /ws:\/\/127\.0\.0\.1:8448\/ws/);
});

test("a stored session whose server is down shows the unreachable screen while it keeps retrying; Ctrl-C quits", async () => {
  const { h: chatHost } = host({
    profile: async () => ({ username: "alice", loggedIn: true }),
    open: (events) => {
      setTimeout(() => events.emit("connection", { state: "offline", detail: "connect ECONNREFUSED 127.0.0.1:8448" }), 20);
      setTimeout(() => events.emit("connection", { state: "offline", detail: "connect ECONNREFUSED 127.0.0.1:8448" }), 40);
      return new Promise(() => undefined);
    },
  });
  const { frame, type, exited } = await mount(chatHost);
  await until(() => assert.match(frame(), /Server unreachable/));
  await until(() => assert.match(frame(), /ECONNREFUSED/));
  await until(() => assert.match(frame(), /2 attempts so far/));
  await type("\x03");
  assert.equal(exited(), 1);
});

test("a session ended by the server (device revoked) stops the client and offers to log in again", async () => {
  const svc = new ScriptedService();
  const { h: chatHost } = host({ profile: async () => ({ username: "alice", loggedIn: true }), open: async () => svc as unknown as ParleyClient });
  const { frame, type } = await mount(chatHost);
  await until(() => assert.match(frame(), /● online/));
  svc.events.emit("session-ended", { code: "PARLEY_ERR_DEVICE_REVOKED" });
  await until(() => assert.match(frame(), /Your session has ended/));
  assert.match(frame(), /This device was revoked/);
  await until(() => assert.deepEqual(svc.called("close"), [[]]));
  await type("\r");
  await until(() => assert.match(frame(), /› Password/));
});
