import { randomBytes } from "node:crypto";
import { client, ready, server } from "@serenity-kit/opaque";
import type { Store } from "../store/Store.js";

const SETUP_KEY = "opaque.serverSetup";

/**
 * The server side of OPAQUE (RFC 9807), with the library's default identifiers and the username
 * as the user identifier. Every method returns null (or false) for input the library rejects, so
 * that callers turn malformed client messages into protocol errors rather than exceptions.
 */
export class OpaqueServer {
  private constructor(
    private readonly setup: string,
    /** A well-formed login request for a random password: lets registration records be checked. */
    private readonly probe: string,
  ) {}

  /** Loads the server setup from the store's meta table, creating it on first start. */
  static async load(store: Store): Promise<OpaqueServer> {
    await ready;
    const setup = await store.getOrCreateMeta(SETUP_KEY, () => server.createSetup());
    const probe = client.startLogin({ password: randomBytes(16).toString("hex") }).startLoginRequest;
    return new OpaqueServer(setup, probe);
  }

  registrationResponse(username: string, registrationRequest: string): string | null {
    try {
      return server.createRegistrationResponse({ serverSetup: this.setup, userIdentifier: username, registrationRequest })
        .registrationResponse;
    } catch {
      return null;
    }
  }

  /**
   * For an unknown user (record null) the library answers from a fake record derived from the
   * server setup, so the response has the same shape as a real one.
   */
  startLogin(
    username: string,
    registrationRecord: string | null,
    startLoginRequest: string,
  ): { serverLoginState: string; loginResponse: string } | null {
    try {
      return server.startLogin({ serverSetup: this.setup, userIdentifier: username, registrationRecord, startLoginRequest });
    } catch {
      return null;
    }
  }

  /** Whether the client proved knowledge of the password. */
  finishLogin(serverLoginState: string, finishLoginRequest: string): boolean {
    try {
      const result = server.finishLogin({ serverLoginState, finishLoginRequest }) as { sessionKey?: unknown } | undefined;
      return typeof result?.sessionKey === "string";
    } catch {
      return false;
    }
  }

  /** Whether `record` parses as a registration record (checked before storing it). */
  isValidRecord(username: string, record: string): boolean {
    return this.startLogin(username, record, this.probe) !== null;
  }
}
