// Members on the node:crypto provider (HPKE included) and members on ts-mls's default provider
// share one group: each side's commits, Welcomes, external commits and messages are processed by
// the other, and everyone ends at the same epoch authenticator. Groups keep the provider that was
// set when they were created or joined, which is what lets one process hold both kinds.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { nodeCryptoProvider } from "../src/node.js";
import { MlsGroup, setMlsCryptoProvider } from "../src/mls/index.js";
import { allowList, commitAndDeliver, finder, makeDevice, memberNames, sameEpoch, sendAndCheck, uploadKeyPackage, utf8 } from "./mls-fixtures.js";

after(() => setMlsCryptoProvider(undefined));

const onNode = () => setMlsCryptoProvider(nodeCryptoProvider);
const onDefault = () => setMlsCryptoProvider(undefined);

test("node-provider and default-provider members process each other's commits, Welcomes and messages", async () => {
  const [alice, bob, carol, dave, eve] = await Promise.all(["alice/1", "bob/1", "carol/1", "dave/1", "eve/1"].map(makeDevice));
  const validate = allowList(alice!, bob!, carol!, dave!, eve!);

  onNode();
  const a = await MlsGroup.create(utf8.encode("interop"), alice!.signer, validate);
  const add = await a.commitAdd([await uploadKeyPackage(bob!), await uploadKeyPackage(carol!)]);
  await a.merge(add);
  onDefault();
  const { group: b } = await MlsGroup.joinFromWelcome(add.welcome!, finder(bob!), bob!.signer, validate);
  onNode();
  const { group: c } = await MlsGroup.joinFromWelcome(add.welcome!, finder(carol!), carol!.signer, validate);
  sameEpoch([a, b, c]);

  // Update commits (UpdatePath HPKE to the copath) in both directions.
  await commitAndDeliver(a, (g) => g.commitUpdate(), [b, c]);
  await commitAndDeliver(b, (g) => g.commitUpdate(), [a, c]);
  await commitAndDeliver(c, (g) => g.commitUpdate(), [a, b]);
  sameEpoch([a, b, c]);

  // A default-provider member adds someone who joins on the node provider, and the reverse.
  onDefault();
  const addDave = await b.commitAdd([await uploadKeyPackage(dave!)]);
  await b.merge(addDave);
  for (const g of [a, c]) assert.equal((await g.process(addDave.commit)).kind, "commit");
  onNode();
  const { group: d } = await MlsGroup.joinFromWelcome(addDave.welcome!, finder(dave!), dave!.signer, validate);
  sameEpoch([a, b, c, d]);

  // An external commit made on the node provider (HPKE exporter) from a default member's GroupInfo.
  onNode();
  const joined = await MlsGroup.joinExternal(await b.groupInfo(), eve!.signer, validate);
  for (const g of [a, b, c, d]) assert.equal((await g.process(joined.commit)).kind, "commit");
  const e = joined.group;
  sameEpoch([a, b, c, d, e]);

  await commitAndDeliver(e, (g) => g.commitRemove([c.ownLeafIndex]), [a, b, d, c]);
  assert.equal(c.isActive, false);
  sameEpoch([a, b, d, e]);
  assert.deepEqual(memberNames(b).sort(), ["alice/1", "bob/1", "dave/1", "eve/1"]);

  await sendAndCheck(a, "alice/1", [b, d, e], "from the node side");
  await sendAndCheck(b, "bob/1", [a, d, e], "from the default side");
});
