import type { ClientEvents, Emitter, ParleyClient } from "@parley/client";

/**
 * What `parley chat` needs from its host (the CLI): where the profile and server are, and how to
 * open or create a session there. The CLI owns profiles, flags and TLS pinning; the UI only asks.
 */
export interface ChatHost {
  /** The server as the user should see it (from --server, the profile, or the default). */
  server: string;
  /** The profile's user, if this profile has logged in before; `loggedIn` if a session is stored. */
  profile(): Promise<{ username: string; loggedIn: boolean } | undefined>;
  /** Opens the stored session; reports connection state on `events` while it connects. */
  open(events: Emitter<ClientEvents>): Promise<ParleyClient>;
  authenticate(mode: "login" | "register", username: string, password: string, events: Emitter<ClientEvents>): Promise<ParleyClient>;
}
