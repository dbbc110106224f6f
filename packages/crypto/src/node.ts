/**
 * @parley/crypto/node: what only Node may load. Import it once at start-up in a Node client
 * (the CLI, bots, benchmarks) to run MLS on node:crypto; the browser build never reaches it.
 *
 * @example
 * import { useNodeCrypto } from "@parley/crypto/node";
 * useNodeCrypto();
 */
import { setMlsCryptoProvider } from "./mls/suite.js";
import { nodeCryptoProvider } from "./mls/nodeProvider.js";

export { nodeCryptoProvider };

/** Makes every MLS group opened from now on use node:crypto. */
export function useNodeCrypto(): void {
  setMlsCryptoProvider(nodeCryptoProvider);
}
