/**
 * ts-mls 1.6.4's join failure after removals, reproduced with raw ts-mls calls, and the same
 * scenario through our wrapper, which joins with an RFC-correct tree check (docs/mls-notes.md).
 *
 * The scenario: alice makes an 8-member group, removes two members (leaves 2 and 5), then adds
 * two newcomers, who land in those blank leaves. The tree is then valid per RFC 9420 (node 3
 * lists leaf 2 as unmerged, the root lists 2 and 5), but ts-mls's validateRatchetTree demands
 * that every non-blank node on leaf 2's path carry the *same* list, so node 3's [2] against the
 * root's [2, 5] fails the join.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackage as tsMlsGenerateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processMessage,
  acceptAll,
  type ClientState,
  type MLSMessage,
  type Proposal,
  type RatchetTree,
} from "ts-mls";
import { MlsGroup } from "../src/mls/index.js";
import { checkUnmergedLeaves } from "../src/mls/treeValidation.js";
import {
  allowList,
  commitAndDeliver,
  finder,
  makeDevice,
  memberNames,
  sameEpoch,
  sendAndCheck,
  uploadKeyPackage,
  utf8,
  type Device,
} from "./mls-fixtures.js";

const UPSTREAM_ERROR = "non-blank intermediate node must list leaf node in its unmerged_leaves";
const REMOVED_LEAVES = [2, 5];

function handshake(m: MLSMessage) {
  if (m.wireformat !== "mls_private_message" && m.wireformat !== "mls_public_message") throw new Error("not a handshake message");
  return m;
}

function describeTree(tree: RatchetTree): string {
  return tree
    .map((n, i) => (n === undefined ? `${i}:_` : n.nodeType === "parent" ? `${i}:P[${n.parent.unmergedLeaves.join(",")}]` : `${i}:L`))
    .join(" ");
}

test("upstream ts-mls 1.6.4 still fails this join (when this test fails, an upgrade fixed it: drop src/mls/join.ts)", async () => {
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"));
  const keyPackage = (name: string) =>
    tsMlsGenerateKeyPackage({ credentialType: "basic", identity: utf8.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
  const members = await Promise.all(Array.from({ length: 8 }, (_, i) => keyPackage(`member${i}`)));
  const [first, ...rest] = members;
  let alice: ClientState = await createGroup(utf8.encode("raw"), first!.publicPackage, first!.privatePackage, [], cs);
  const adds: Proposal[] = rest.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } }));
  const added = await createCommit({ state: alice, cipherSuite: cs }, { extraProposals: adds, ratchetTreeExtension: true });
  alice = added.newState;
  // A bystander processes everything, to show existing members are fine; only joiners fail.
  let bystander = await joinGroup(added.welcome!, rest[0]!.publicPackage, rest[0]!.privatePackage, emptyPskIndex, cs);

  const removes: Proposal[] = REMOVED_LEAVES.map((removed) => ({ proposalType: "remove", remove: { removed } }));
  const removal = await createCommit({ state: alice, cipherSuite: cs }, { extraProposals: removes });
  alice = removal.newState;
  bystander = (await processMessage(handshake(removal.commit), bystander, emptyPskIndex, acceptAll, cs)).newState;

  const newcomers = [await keyPackage("newcomer1"), await keyPackage("newcomer2")];
  const joining = await createCommit(
    { state: alice, cipherSuite: cs },
    { extraProposals: newcomers.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } })), ratchetTreeExtension: true },
  );
  bystander = (await processMessage(handshake(joining.commit), bystander, emptyPskIndex, acceptAll, cs)).newState;
  assert.equal(bystander.groupContext.epoch, joining.newState.groupContext.epoch);

  const tree = joining.newState.ratchetTree;
  const root = tree[7];
  assert.equal(root?.nodeType === "parent" && root.parent.unmergedLeaves.join(","), "2,5", describeTree(tree));
  assert.equal(checkUnmergedLeaves(tree), undefined, "the tree is valid per RFC 9420");

  for (const newcomer of newcomers) {
    await assert.rejects(
      joinGroup(joining.welcome!, newcomer.publicPackage, newcomer.privatePackage, emptyPskIndex, cs),
      (e: unknown) => e instanceof Error && e.message === UPSTREAM_ERROR,
    );
  }
});

async function devices(names: string[]): Promise<Device[]> {
  return Promise.all(names.map((n) => makeDevice(n)));
}

test("through the wrapper: 8 members, two removed, two added, and the newcomers join and talk", async () => {
  const everyone = await devices(["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "n1", "n2", "x1"]);
  const validate = allowList(...everyone);
  const [alice, ...others] = everyone.slice(0, 8) as [Device, ...Device[]];
  const a = await MlsGroup.create(utf8.encode("wrapped"), alice.signer, validate);
  const first = await a.commitAdd(await Promise.all(others.map((d) => uploadKeyPackage(d))));
  await a.merge(first);
  const groups = new Map<string, MlsGroup>([["d0", a]]);
  for (const d of others) groups.set(d.name, (await MlsGroup.joinFromWelcome(first.welcome!, finder(d), d.signer, validate)).group);

  const removed = REMOVED_LEAVES.map((leaf) => `d${leaf}`);
  const stay = () => [...groups.entries()].filter(([name]) => name !== "d0" && !removed.includes(name)).map(([, g]) => g);
  const removal = await commitAndDeliver(a, (g) => g.commitRemove(REMOVED_LEAVES), stay());
  assert.deepEqual(removal.removed.map((m) => m.leafIndex), REMOVED_LEAVES);
  for (const name of removed) groups.delete(name);

  const [n1, n2] = everyone.slice(8, 10) as [Device, Device];
  const adding = await commitAndDeliver(a, async (g) => g.commitAdd([await uploadKeyPackage(n1), await uploadKeyPackage(n2)]), stay());
  assert.deepEqual(adding.added.map((m) => m.leafIndex), REMOVED_LEAVES, "the newcomers fill the blank leaves");
  for (const d of [n1, n2]) {
    const { group } = await MlsGroup.joinFromWelcome(adding.welcome!, finder(d), d.signer, validate);
    groups.set(d.name, group);
  }
  const all = [...groups.values()];
  sameEpoch(all);
  assert.deepEqual(memberNames(groups.get("n1")!), memberNames(a));
  await sendAndCheck(groups.get("n1")!, "n1", all.filter((g) => g !== groups.get("n1")), "hello from a newcomer");
  await sendAndCheck(a, "d0", all.filter((g) => g !== a), "welcome both");

  // The same tree shape also has to work for a device joining by external commit.
  const x1 = everyone[10]!;
  const external = await MlsGroup.joinExternal(adding.groupInfo, x1.signer, validate);
  for (const g of all) assert.equal((await g.process(external.commit)).kind, "commit");
  all.push(external.group);
  sameEpoch(all);
  await sendAndCheck(external.group, "x1", all.slice(0, -1), "joined from the GroupInfo");
});

test("a longer churn of removals and additions never breaks a join", async () => {
  // Deterministic pseudo-random sequence: each step removes one or two members or adds one or two.
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pool = await devices(Array.from({ length: 24 }, (_, i) => `p${i}`));
  const validate = allowList(...pool);
  const owner = pool[0]!;
  const a = await MlsGroup.create(utf8.encode("churn"), owner.signer, validate);
  const members = new Map<string, MlsGroup>([[owner.name, a]]);
  let next = 1;
  for (let step = 0; step < 14; step++) {
    const others = () => [...members.entries()].filter(([n]) => n !== owner.name);
    const removeCount = others().length > 4 && random(2) === 0 ? 1 + random(2) : 0;
    if (removeCount > 0) {
      const victims = others()
        .sort(() => random(3) - 1)
        .slice(0, removeCount);
      for (const [name] of victims) members.delete(name);
      await commitAndDeliver(a, (g) => g.commitRemove(victims.map(([, v]) => v.ownLeafIndex)), others().map(([, g]) => g));
    } else {
      const newcomers = pool.slice(next, next + 1 + random(2));
      next += newcomers.length;
      if (newcomers.length === 0) break;
      const pending = await commitAndDeliver(
        a,
        async (g) => g.commitAdd(await Promise.all(newcomers.map((d) => uploadKeyPackage(d)))),
        others().map(([, g]) => g),
      );
      for (const d of newcomers) members.set(d.name, (await MlsGroup.joinFromWelcome(pending.welcome!, finder(d), d.signer, validate)).group);
    }
    // Someone other than the owner refreshes their path now and then, so the tree gets varied shapes.
    const [, updater] = others()[random(Math.max(1, others().length))] ?? [];
    if (updater !== undefined && random(2) === 0) {
      await commitAndDeliver(updater, (g) => g.commitUpdate(), [...members.values()].filter((g) => g !== updater));
    }
    sameEpoch([...members.values()]);
  }
  const all = [...members.values()];
  const last = all[all.length - 1]!;
  const name = [...members.keys()][all.length - 1]!;
  await sendAndCheck(last, name, all.slice(0, -1), "still together");
});

test("the RFC unmerged_leaves rule: what checkUnmergedLeaves refuses", () => {
  const leaf = { nodeType: "leaf" } as never;
  const parent = (unmergedLeaves: number[]) => ({ nodeType: "parent", parent: { unmergedLeaves } }) as never;
  // 4 leaves: nodes 0,2,4,6 are leaves; 1 and 5 are parents of pairs; 3 is the root.
  const tree = (nodes: unknown[]) => nodes as RatchetTree;
  assert.equal(checkUnmergedLeaves(tree([leaf, parent([1]), leaf, parent([1, 3]), leaf, parent([3]), leaf])), undefined);
  assert.match(
    checkUnmergedLeaves(tree([leaf, parent([]), leaf, parent([3]), leaf, parent([]), leaf]))?.message ?? "",
    /must list leaf node/,
    "node 5 lies between leaf 3 and the root and does not list it",
  );
  assert.match(
    checkUnmergedLeaves(tree([leaf, parent([2]), leaf, undefined, leaf, undefined, leaf]))?.message ?? "",
    /non-blank descendant/,
    "leaf 2 is not under node 1",
  );
  assert.match(
    checkUnmergedLeaves(tree([leaf, parent([]), leaf, parent([2]), undefined, undefined, leaf]))?.message ?? "",
    /non-blank descendant/,
    "leaf 2 is blank",
  );
});
