/**
 * Client crypto benchmark (scenario 4): MLS application messages encrypted and decrypted per
 * second, and commit create/process time with Welcome, GroupInfo and state sizes for groups of
 * 2 to 1000, under ts-mls's default provider (WebCrypto) and Parley's node:crypto provider.
 *
 *   node --conditions=parley-src --import tsx bench/crypto/mls.ts [--provider node|default|both]
 *        [--sizes 2,10,100,1000] [--messages 5000] [--commits 3]
 *
 * For the message part alone, keep the commit part short: --sizes 2 --commits 1.
 *
 * The credential validator accepts everyone: the real one (a device-certificate check) costs one
 * Ed25519 verify per new leaf and is measured with the rest of the client elsewhere.
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { parseArgs } from "node:util";
import {
  MlsGroup,
  generateKeyPackage,
  generateSignatureKeyPair,
  setMlsCryptoProvider,
  type GeneratedKeyPackage,
  type MlsSigner,
} from "@parley/crypto";
import { nodeCryptoProvider } from "@parley/crypto/node";
import { load1 } from "../lib/env.js";
import { writeResult } from "../lib/results.js";
import { median } from "../lib/stats.js";

const { values } = parseArgs({
  options: {
    provider: { type: "string", default: "both" },
    sizes: { type: "string", default: "2,10,100,1000" },
    messages: { type: "string", default: "5000" },
    commits: { type: "string", default: "3" },
    out: { type: "string", default: "crypto-mls" },
  },
});
const providers = values.provider === "both" ? ["default", "node"] : [values.provider!];
const sizes = values.sizes!.split(",").map(Number);
const MESSAGES = Number(values.messages);
const COMMITS = Number(values.commits);
/** A typical short chat message once wrapped in Parley's envelope. */
const PLAINTEXT_BYTES = 120;

const acceptAll = async () => true;
const utf8 = new TextEncoder();

async function signer(name: string): Promise<MlsSigner> {
  const { publicKey, privateKey } = await generateSignatureKeyPair();
  return { credentialIdentity: utf8.encode(name), signaturePublicKey: publicKey, signaturePrivateKey: privateKey };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** A group of `size` devices where only the creator and the first added device hold state. */
async function makeGroup(size: number) {
  const alice = await signer("alice/1");
  const bob = await signer("bob/1");
  const group = await MlsGroup.create(utf8.encode(`bench-${size}-${Math.random()}`), alice, acceptAll);
  const bobKp = await generateKeyPackage(bob);
  const kps: Uint8Array[] = [bobKp.keyPackage];
  for (let i = 2; i < size; i++) kps.push((await generateKeyPackage(await signer(`m${i}/1`))).keyPackage);
  const t0 = process.hrtime.bigint();
  const add = await group.commitAdd(kps);
  const addMs = ms(t0);
  await group.merge(add);
  const t1 = process.hrtime.bigint();
  const stored = new Map<string, GeneratedKeyPackage>([[bobKp.ref, bobKp]]);
  const { group: joined } = await MlsGroup.joinFromWelcome(add.welcome!, async (ref) => stored.get(ref), bob, acceptAll);
  const joinMs = ms(t1);
  return { group, joined, add, addMs, joinMs };
}

/** Messages run before timing starts, so the JIT has compiled the path being measured. */
const WARMUP_MESSAGES = 500;

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/**
 * The ceiling for one core: an application message costs its sender one Ed25519 signature and
 * each recipient one verification (RFC 9420 signs every message), so sign+verify pairs per
 * second on node:crypto, measured in the same run over a message of the size MLS signs.
 */
function signatureCeiling(count: number): number {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signed = new Uint8Array(PLAINTEXT_BYTES + 200).fill(1);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (!verify(null, signed, publicKey, sign(null, signed, privateKey))) throw new Error("bench: Ed25519 failed");
  }
  return Math.round(count / (ms(t0) / 1000));
}

async function messages() {
  const { group: a, joined: b } = await makeGroup(2);
  const plaintext = new Uint8Array(PLAINTEXT_BYTES).fill(7);
  for (let i = 0; i < WARMUP_MESSAGES; i++) await b.process(await a.encrypt(plaintext));
  const cts: Uint8Array[] = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) cts.push(await a.encrypt(plaintext));
  const encMs = ms(t0);
  const encCpu = cpuMicros(c0);
  const c1 = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  for (const ct of cts) {
    const p = await b.process(ct);
    if (p.kind !== "application" || p.plaintext.length !== PLAINTEXT_BYTES) throw new Error("bench: decrypt returned the wrong thing");
  }
  const decMs = ms(t1);
  const decCpu = cpuMicros(c1);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    messages: MESSAGES,
    plaintextBytes: PLAINTEXT_BYTES,
    ciphertextBytes: cts[0]!.length,
    encryptPerSec: Math.round(MESSAGES / (encMs / 1000)),
    decryptPerSec: Math.round(MESSAGES / (decMs / 1000)),
    /** One message encrypted by its sender and decrypted by one recipient, on one core. */
    encryptDecryptPerSec: Math.round(MESSAGES / ((encMs + decMs) / 1000)),
    /** Process CPU time (all threads, so GC included) per message: less disturbed by other load than wall time. */
    cpuMicrosPerEncrypt: r(encCpu / MESSAGES),
    cpuMicrosPerDecrypt: r(decCpu / MESSAGES),
    /** Ed25519 sign+verify pairs per second on node:crypto in the same run: what one core could do if MLS cost nothing else. */
    signatureCeilingPerSec: signatureCeiling(Math.min(MESSAGES, 2000)),
    load1: load1(),
  };
}

/** CPU time of this process (all its threads, so the garbage collector's helpers too) since `u0`, in ms. */
const cpuMs = (u0: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1000;
};

/**
 * Update commits (an empty commit with a path) by the creator, processed by the first added
 * member. Create and process times cover MlsGroup.commitUpdate() (which also encodes the new
 * epoch's GroupInfo for the server) and MlsGroup.process(); saving the state afterwards
 * (serialize(), which a client does before it sends) is timed on its own.
 *
 * The creator makes all its commits first and the member processes them afterwards: two devices
 * in one process, each timed without the other's garbage to collect (a 1000-member state makes
 * tens of megabytes of it, and scavenges of 15-40 ms landed in whichever side came next).
 * WARMUP_COMMITS come first, untimed on both sides, as the message part warms up too: the first
 * commits after the group's creation also pay for compiling the commit path.
 */
const WARMUP_COMMITS = 3;

async function commits(size: number) {
  const { group: a, joined: b, add, addMs, joinMs } = await makeGroup(size);
  const create: number[] = [];
  const createCpu: number[] = [];
  const proc: number[] = [];
  const procCpu: number[] = [];
  const save: number[] = [];
  const made: Uint8Array[] = [];
  for (let i = 0; i < WARMUP_COMMITS; i++) {
    const pending = await a.commitUpdate();
    await a.merge(pending);
    await b.process(pending.commit);
  }
  for (let i = 0; i < COMMITS; i++) {
    const t0 = process.hrtime.bigint();
    const u0 = process.cpuUsage();
    const pending = await a.commitUpdate();
    create.push(ms(t0));
    createCpu.push(cpuMs(u0));
    made.push(pending.commit);
    await a.merge(pending);
  }
  for (const commit of made) {
    const t1 = process.hrtime.bigint();
    const u1 = process.cpuUsage();
    const p = await b.process(commit);
    proc.push(ms(t1));
    procCpu.push(cpuMs(u1));
    if (p.kind !== "commit") throw new Error("bench: commit not processed");
  }
  if (b.epoch !== a.epoch) throw new Error("bench: the member did not reach the creator's epoch");
  for (let i = 0; i < COMMITS; i++) {
    const t2 = process.hrtime.bigint();
    b.serialize();
    save.push(ms(t2));
  }
  const commitBytes = made.at(-1)!.length;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    members: size,
    addAllCommitMs: r(addMs),
    joinFromWelcomeMs: r(joinMs),
    updateCommitCreateMs: r(median(create)),
    updateCommitProcessMs: r(median(proc)),
    updateCommitCreateCpuMs: r(median(createCpu)),
    updateCommitProcessCpuMs: r(median(procCpu)),
    stateSerializeMs: r(median(save)),
    samples: COMMITS,
    welcomeBytes: add.welcome?.length ?? 0,
    groupInfoBytes: add.groupInfo.length,
    updateCommitBytes: commitBytes,
    stateBytes: a.serialize().length,
    load1: load1(),
  };
}

const out: Record<string, unknown> = {};
for (const p of providers) {
  setMlsCryptoProvider(p === "node" ? nodeCryptoProvider : undefined);
  const m = await messages();
  console.log(`[${p}] messages`, JSON.stringify(m));
  const c = [];
  for (const size of sizes) {
    const r = await commits(size);
    console.log(`[${p}] commit`, JSON.stringify(r));
    c.push(r);
  }
  out[p] = { messages: m, commits: c };
}
console.log("wrote", writeResult(values.out!, out));
