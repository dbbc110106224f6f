// Runs the MLS group, external-join, removal and credential suites again with every group on the
// node:crypto provider ("@parley/crypto/node"), so the fast path is held to the same behaviour.
// A counting wrapper proves the suites really signed and decrypted through it.
import { after } from "node:test";
import assert from "node:assert/strict";
import type { CryptoProvider } from "ts-mls";
import { nodeCryptoProvider } from "../src/node.js";
import { setMlsCryptoProvider } from "../src/mls/index.js";

const used = { signs: 0, aeadOpens: 0, hpkeSeals: 0 };
const counting: CryptoProvider = {
  async getCiphersuiteImpl(cs) {
    const impl = await nodeCryptoProvider.getCiphersuiteImpl(cs);
    const { sign } = impl.signature;
    const { decryptAead, seal } = impl.hpke;
    return {
      ...impl,
      signature: { ...impl.signature, sign: (k, m) => (used.signs++, sign(k, m)) },
      hpke: {
        ...impl.hpke,
        decryptAead: (k, n, a, c) => (used.aeadOpens++, decryptAead(k, n, a, c)),
        seal: (k, p, i, a) => (used.hpkeSeals++, seal(k, p, i, a)),
      },
    };
  },
};
setMlsCryptoProvider(counting);

await import("./mls-group.test.js");
await import("./mls-external-join.test.js");
await import("./mls-removal-then-join.test.js");
await import("./mls-credential-validation.test.js");

after(() => {
  assert.ok(used.signs > 100, `the suites signed through the node provider (${used.signs})`);
  assert.ok(used.aeadOpens > 10, `the suites decrypted through the node provider (${used.aeadOpens})`);
  assert.ok(used.hpkeSeals > 10, `the suites' commits and Welcomes sealed with the node provider's HPKE (${used.hpkeSeals})`);
});
