import { withClient, type GlobalOptions } from "../context.js";
import type { Out } from "../output.js";
import { renderQr } from "../qr.js";

export async function safetyNumber(g: GlobalOptions, user: string, opts: { qr: boolean; json: boolean }, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    const sn = await c.safetyNumber(user);
    if (opts.json) {
      out.json({ username: user, digits: sn.digits, groups: sn.groups, qrPayload: sn.qrPayload, verified: sn.verified, keyChanged: sn.changed });
      return;
    }
    out.line(`Safety number with ${user}${sn.verified ? " (verified)" : ""}:`);
    out.line(`  ${sn.groups.slice(0, 6).join(" ")}`);
    out.line(`  ${sn.groups.slice(6).join(" ")}`);
    if (sn.changed) out.line(`WARNING: ${user}'s key changed since it was pinned; this number uses the OLD key. Accept the new one with 'parley trust ${user}'.`);
    if (opts.qr) out.line(await renderQr(sn.qrPayload));
    out.line(`Compare it with ${user} in person; if it matches, run 'parley verify ${user}'.`);
  });
}

export async function verify(g: GlobalOptions, user: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.safetyNumber(user);
    await c.markVerified(user);
  });
  out.line(`${user} marked verified.`);
}

export async function trust(g: GlobalOptions, user: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.acceptKeyChange(user);
  });
  out.line(`Accepted ${user}'s current account key (not verified: compare safety numbers).`);
}
