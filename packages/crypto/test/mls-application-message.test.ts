// Holds Parley's own application-message path (applicationMessage.ts) to ts-mls's general one:
// the same bytes for the same inputs, each side opening what the other sealed, on both crypto
// providers, and the receive cases the fast path hands back to ts-mls (out of order, replays).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createApplicationMessage,
  defaultCryptoProvider,
  emptyPskIndex,
  acceptAll,
  encodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  processMessage,
  type CiphersuiteImpl,
  type ClientState,
  type CryptoProvider,
  type PaddingConfig,
  type PrivateMessage,
} from "ts-mls";
import { nodeCryptoProvider } from "../src/node.js";
import { openApplicationMessage, sealApplicationMessage, type ReceiverEpoch } from "../src/mls/applicationMessage.js";
import { MlsGroup, setMlsCryptoProvider } from "../src/mls/index.js";
import { decodeStoredGroup } from "../src/mls/stateCodec.js";
import { CIPHERSUITE, clientConfigFor } from "../src/mls/suite.js";
import { allowList, finder, makeDevice, rejectsWith, uploadKeyPackage, utf8 } from "./mls-fixtures.js";

const suite = getCiphersuiteFromName(CIPHERSUITE);
const padding: PaddingConfig = { kind: "padUntilLength", padUntilLength: 256 };
const providers: [string, CryptoProvider][] = [
  ["default", defaultCryptoProvider],
  ["node", nodeCryptoProvider],
];

/** alice and bob in one group (alice at leaf 0, bob at leaf 1), as ts-mls ClientStates. */
async function twoStates(): Promise<{ alice: ClientState; bob: ClientState }> {
  const [alice, bob] = await Promise.all([makeDevice("alice/1"), makeDevice("bob/1")]);
  const validate = allowList(alice, bob);
  const a = await MlsGroup.create(utf8.encode(`app-${Math.random()}`), alice.signer, validate);
  const add = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(add);
  const { group: b } = await MlsGroup.joinFromWelcome(add.welcome!, finder(bob), bob.signer, validate);
  const config = clientConfigFor(validate, { rejections: 0, failure: undefined });
  const state = (g: MlsGroup): ClientState => ({ ...decodeStoredGroup(g.serialize()).state, clientConfig: config });
  return { alice: state(a), bob: state(b) };
}

function receiverEpoch(s: ClientState): ReceiverEpoch {
  return { senderDataSecret: s.keySchedule.senderDataSecret, secretTree: s.secretTree, ratchetTree: s.ratchetTree, groupContext: s.groupContext };
}

const privateBytes = (privateMessage: PrivateMessage) => encodeMlsMessage({ version: "mls10", wireformat: "mls_private_message", privateMessage });

for (const [name, provider] of providers) {
  test(`${name} provider: the same PrivateMessage bytes and secret tree as ts-mls's createApplicationMessage`, async () => {
    const { alice } = await twoStates();
    const cs = await getCiphersuiteImpl(suite, provider);
    // Ed25519 is deterministic; fixing the reuse guard makes the whole message deterministic.
    const fixed: CiphersuiteImpl = { ...cs, rng: { randomBytes: (n) => new Uint8Array(n).fill(0xa5) } };
    for (const size of [0, 1, 120, 300]) {
      const plaintext = new Uint8Array(size).fill(size % 251);
      const ours = await sealApplicationMessage(alice, plaintext, padding, fixed);
      const theirs = await createApplicationMessage({ ...alice, clientConfig: { ...alice.clientConfig, paddingConfig: padding } }, plaintext, fixed);
      assert.deepEqual(privateBytes(ours.privateMessage), privateBytes(theirs.privateMessage), `${size}-byte message`);
      assert.deepEqual(ours.secretTree, theirs.newState.secretTree);
    }
  });

  test(`${name} provider: ts-mls opens what we seal, and we open what ts-mls seals`, async () => {
    let { alice, bob } = await twoStates();
    const cs = await getCiphersuiteImpl(suite, provider);
    for (let i = 0; i < 3; i++) {
      const text = utf8.encode(`ours ${i}`);
      const sealed = await sealApplicationMessage(alice, text, padding, cs);
      alice = { ...alice, secretTree: sealed.secretTree };
      const read = await processMessage({ wireformat: "mls_private_message", privateMessage: sealed.privateMessage }, bob, emptyPskIndex, acceptAll, cs);
      assert.equal(read.kind, "applicationMessage");
      if (read.kind === "applicationMessage") assert.deepEqual(read.message, text);
      bob = read.newState;
    }
    for (let i = 0; i < 3; i++) {
      const text = utf8.encode(`theirs ${i}`);
      const made = await createApplicationMessage(bob, text, cs);
      bob = made.newState;
      const opened = await openApplicationMessage(made.privateMessage, receiverEpoch(alice), 0, alice.clientConfig.keyRetentionConfig, cs);
      assert.deepEqual(opened.plaintext, text);
      assert.equal(opened.senderLeaf, 1);
      alice = { ...alice, secretTree: opened.secretTree };
    }
  });
}

test("a signature by another key is refused, and a message for another member's leaf is not ours to open", async () => {
  const { alice, bob } = await twoStates();
  const cs = await getCiphersuiteImpl(suite, nodeCryptoProvider);
  const impostor = { ...alice, signaturePrivateKey: (await cs.signature.keygen()).signKey };
  const forged = await sealApplicationMessage(impostor, utf8.encode("forged"), padding, cs);
  await assert.rejects(
    openApplicationMessage(forged.privateMessage, receiverEpoch(bob), 1, bob.clientConfig.keyRetentionConfig, cs),
    (e: unknown) => (e as { code?: string }).code === "MLS_REJECTED",
  );
  const genuine = await sealApplicationMessage(alice, utf8.encode("genuine"), padding, cs);
  await assert.rejects(
    openApplicationMessage(genuine.privateMessage, receiverEpoch(alice), 0, alice.clientConfig.keyRetentionConfig, cs),
    (e: unknown) => (e as { code?: string }).code === "MLS_OWN_MESSAGE",
  );
});

test("out-of-order delivery decrypts every message once; a replay is refused", async () => {
  const [alice, bob] = await Promise.all([makeDevice("alice/1"), makeDevice("bob/1")]);
  const validate = allowList(alice, bob);
  const a = await MlsGroup.create(utf8.encode("out-of-order"), alice.signer, validate);
  const add = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(add);
  const { group: b } = await MlsGroup.joinFromWelcome(add.welcome!, finder(bob), bob.signer, validate);
  const sent = [];
  for (let i = 0; i < 6; i++) sent.push(await a.encrypt(utf8.encode(`m${i}`)));
  for (const i of [2, 0, 5, 1, 4, 3]) {
    const got = await b.process(sent[i]!);
    assert.equal(got.kind === "application" && new TextDecoder().decode(got.plaintext), `m${i}`);
  }
  await rejectsWith(b.process(sent[2]!), "MLS_REJECTED");
  await rejectsWith(b.process(sent[5]!), "MLS_REJECTED");
  const next = await a.encrypt(utf8.encode("after"));
  assert.equal((await b.process(next)).kind, "application");
});

test("a group on the node provider and one on the default provider talk both ways", async () => {
  const [alice, bob] = await Promise.all([makeDevice("alice/1"), makeDevice("bob/1")]);
  const validate = allowList(alice, bob);
  try {
    setMlsCryptoProvider(nodeCryptoProvider);
    const a = await MlsGroup.create(utf8.encode("mixed"), alice.signer, validate);
    const add = await a.commitAdd([await uploadKeyPackage(bob)]);
    await a.merge(add);
    setMlsCryptoProvider(undefined);
    const { group: b } = await MlsGroup.joinFromWelcome(add.welcome!, finder(bob), bob.signer, validate);
    for (let i = 0; i < 3; i++) {
      const fromNode = await b.process(await a.encrypt(utf8.encode(`node ${i}`)));
      assert.equal(fromNode.kind === "application" && new TextDecoder().decode(fromNode.plaintext), `node ${i}`);
      const fromDefault = await a.process(await b.encrypt(utf8.encode(`default ${i}`)));
      assert.equal(fromDefault.kind === "application" && new TextDecoder().decode(fromDefault.plaintext), `default ${i}`);
    }
  } finally {
    setMlsCryptoProvider(undefined);
  }
});
