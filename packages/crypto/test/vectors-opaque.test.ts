// What of RFC 9807's test vectors (Appendix C) can run through @serenity-kit/opaque.
//
// The library has no deterministic client entry point: the OPRF blind, the envelope nonce, the
// AKE nonces and key shares are drawn inside the wasm, and its key stretching is always Argon2id
// where the vectors use the Identity KSF. So no client output (registration record, KE1/KE3,
// export key, session key) can be compared with the vectors, and neither can KE2 (random masking
// nonce and server key share).
//
// What is deterministic is the server's registration step, and it is the part that must match the
// RFC for logins to keep working across implementations: from (oprf_seed, credential_identifier)
// the server derives the per-user OPRF key and evaluates the client's blinded element, and it
// returns its public key. A server setup is oprf_seed[64] || server_private_key[32] ||
// fake_private_key[32] (unpadded base64url), so the vector's seed and key can be loaded into it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as opaque from "@serenity-kit/opaque";

const hex = (h: string) => Buffer.from(h, "hex");
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");

interface OpaqueVector {
  config: { Group: string; KSF: string; Fake: string; OPRF: string };
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}
const vectors = JSON.parse(readFileSync(new URL("./vectors/opaque/vectors.json", import.meta.url), "utf8")) as OpaqueVector[];
// The library's one suite: ristretto255 with SHA-512. (curve25519 and P-256 vectors are for other suites.)
const ours = vectors.filter((v) => v.config.Group === "ristretto255" && v.config.Fake === "False");

test("the vector file holds the two real-user ristretto255 vectors our suite can use", () => {
  assert.equal(ours.length, 2);
  for (const v of ours) assert.equal(v.config.OPRF, "ristretto255-SHA512");
});

test("the server setup layout is oprf_seed || server_private_key || fake_private_key", async () => {
  await opaque.ready;
  const setup = Buffer.from(opaque.server.createSetup(), "base64url");
  assert.equal(setup.length, 128);
});

for (const [i, v] of ours.entries()) {
  test(`RFC 9807 vector ${i + 1}: server public key and registration response match`, async () => {
    await opaque.ready;
    const fakeKey = Buffer.from(opaque.server.createSetup(), "base64url").subarray(96);
    const serverSetup = b64u(Buffer.concat([hex(v.inputs.oprf_seed!), hex(v.inputs.server_private_key!), fakeKey]));
    assert.equal(opaque.server.getPublicKey(serverSetup), b64u(hex(v.inputs.server_public_key!)));
    const { registrationResponse } = opaque.server.createRegistrationResponse({
      serverSetup,
      userIdentifier: hex(v.inputs.credential_identifier!).toString("utf8"),
      registrationRequest: b64u(hex(v.outputs.registration_request!)),
    });
    assert.equal(registrationResponse, b64u(hex(v.outputs.registration_response!)));
  });
}

test("the client's messages have the RFC's sizes for this suite", async () => {
  await opaque.ready;
  const { registrationRequest, clientRegistrationState } = opaque.client.startRegistration({ password: "pw" });
  assert.equal(Buffer.from(registrationRequest, "base64url").length, hex(ours[0]!.outputs.registration_request!).length);
  assert.ok(clientRegistrationState.length > 0);
  const { startLoginRequest } = opaque.client.startLogin({ password: "pw" });
  assert.equal(Buffer.from(startLoginRequest, "base64url").length, hex(ours[0]!.outputs.KE1!).length);
});
