import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { cleanup, eventually, registerClient, texts, startServerProcess, type ServerProcess, type TestClient } from "./harness.js";
import { axeViolations, openBrowser, register, screenshot, sendMessage, type WebBrowser } from "./web-browser.js";

let server: ServerProcess;
const clients: TestClient[] = [];
let browser: WebBrowser | undefined;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await browser?.close();
  for (const c of clients) {
    await c.client.close();
    cleanup(c.profileDir);
  }
  await server.stop();
});

test("groups in the browser: create with members, chat, remove a member, add another, add the removed one back, see who left, leave", async () => {
  browser = await openBrowser();
  const page = browser.page;
  await register(page, server.url, "alice", "alice's browser password");
  const bob = await registerClient(server.url, "bob");
  const carol = await registerClient(server.url, "carol");
  const dave = await registerClient(server.url, "dave");
  clients.push(bob, carol, dave);

  await page.getByText("New group").click();
  await page.getByLabel("Group name").fill("friends");
  await page.getByLabel("Members (usernames, separated by commas)").fill("bob, carol");
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("heading", { name: "friends", level: 1 }).waitFor();
  await sendMessage(page, "hi both");
  await eventually(() => texts(bob).includes("hi both") && texts(carol).includes("hi both"), "bob and carol to receive");
  const conversationId = bob.seen.message.find((m) => m.direction === "in")!.conversationId;
  await carol.client.sendText(conversationId, "hi from carol");
  await page.locator(".message.in", { hasText: "hi from carol" }).locator(".sender", { hasText: "carol" }).waitFor();

  // Members: remove carol, then add dave.
  await page.getByRole("button", { name: "Members" }).click();
  assert.deepEqual(await axeViolations(page), [], "group members view");
  await screenshot(page, "group-members");
  await page.getByRole("button", { name: "Remove carol from friends" }).click();
  await eventually(async () => !(await carol.client.conversations()).some((c) => c.conversationId === conversationId), "carol to be out");
  await page.getByRole("button", { name: "Remove carol from friends" }).waitFor({ state: "detached" });
  await sendMessage(page, "carol cannot read this");
  await eventually(() => texts(bob).includes("carol cannot read this"), "bob to receive");
  await page.getByLabel("Add a member (username)").fill("dave");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("button", { name: "Remove dave from friends" }).waitFor();
  await sendMessage(page, "welcome dave");
  await eventually(() => texts(dave).includes("welcome dave"), "dave to receive once added");
  assert.ok(!texts(carol).includes("carol cannot read this"), "carol never got the message sent after her removal");
  assert.ok(!texts(dave).includes("carol cannot read this"), "dave gets nothing from before he joined");
  // Carol, removed earlier, can be added back: her client takes the new Welcome over the dead group.
  await page.getByLabel("Add a member (username)").fill("carol");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("button", { name: "Remove carol from friends" }).waitFor();
  await sendMessage(page, "welcome back carol");
  await eventually(() => texts(carol).includes("welcome back carol"), "carol to receive after being added back");
  assert.ok(!texts(carol).includes("carol cannot read this"), "still nothing from while she was out");
  await carol.client.sendText(conversationId, "glad to be back");
  await page.locator(".message.in", { hasText: "glad to be back" }).waitFor();

  // Bob leaves on his own; the browser shows the notice.
  await bob.client.leave(conversationId);
  await page.locator(".notice", { hasText: /bob (left|left or was removed)/ }).first().waitFor();

  // Alice leaves: the group disappears from her list.
  await page.getByRole("button", { name: "Leave friends" }).click();
  await page.getByRole("button", { name: /^Group\s+friends/ }).waitFor({ state: "detached" });
  assert.deepEqual(browser.problems, []);
});
