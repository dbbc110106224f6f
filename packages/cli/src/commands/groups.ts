import { withClient, type GlobalOptions } from "../context.js";
import type { Out } from "../output.js";

export async function groupCreate(g: GlobalOptions, name: string, users: string[], out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    const id = await c.createGroup(name, users);
    out.line(id);
    out.notice(`created group ${name} with ${users.join(", ")}`);
  });
}

export async function groupAdd(g: GlobalOptions, target: string, user: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    const id = await c.resolveTarget(target);
    await c.addMember(id, user);
    out.notice(`added ${user} to ${target}`);
  });
}

export async function groupRemove(g: GlobalOptions, target: string, user: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    const id = await c.resolveTarget(target);
    await c.removeMember(id, user);
    out.notice(`removed ${user} from ${target}`);
  });
}

export async function groupLeave(g: GlobalOptions, target: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    const id = await c.resolveTarget(target);
    await c.leave(id);
    out.notice(`left ${target}`);
  });
}
