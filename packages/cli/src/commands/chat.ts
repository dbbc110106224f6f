import { ParleyClient, type ClientEvents, type ClientOptions, type Emitter } from "@parley/client";
import { SqliteLocalStore } from "@parley/client/node";
import { baseOptions, profileDir, urlsFor, type GlobalOptions } from "../context.js";

/**
 * `parley chat`: the interactive terminal client (@parley/tui, loaded only for this command). The
 * CLI keeps what it owns — profile directory, --server, TLS pinning — and hands the UI a host that
 * opens or creates sessions with them; the password is typed inside the UI.
 */
export async function chat(g: GlobalOptions, opts: { typing: boolean; receipts: boolean }): Promise<void> {
  // ink renders only a final frame when it believes it runs under CI (is-in-ci reads CI when ink is
  // first imported), which leaves a real terminal blank. On a terminal, chat is interactive.
  if (process.stdout.isTTY) {
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
  }
  const { runChat } = await import("@parley/tui");
  const dir = profileDir(g);
  const peek = async () => {
    const store = new SqliteLocalStore(dir);
    try {
      return await store.getProfile();
    } finally {
      await store.close();
    }
  };
  const urls = urlsFor(g, await peek());
  const options = (events: Emitter<ClientEvents>): ClientOptions => ({
    ...baseOptions(g, new SqliteLocalStore(dir), "parley-chat"),
    serverUrl: urls,
    events,
  });
  // Each attempt gets its own store and closes it when it fails, as context.ts does.
  const attempt = async (events: Emitter<ClientEvents>, start: (o: ClientOptions) => Promise<ParleyClient>) => {
    const o = options(events);
    try {
      return await start(o);
    } catch (e) {
      await o.store.close();
      throw e;
    }
  };

  await runChat(
    {
      server: urls.join(", "),
      profile: async () => {
        const p = await peek();
        return p ? { username: p.username, loggedIn: !!p.sessionToken } : undefined;
      },
      open: (events) => attempt(events, (o) => ParleyClient.open(o)),
      authenticate: (mode, username, password, events) =>
        attempt(events, (o) => (mode === "register" ? ParleyClient.register(o, username, password) : ParleyClient.login(o, username, password))),
    },
    opts,
  );
}
