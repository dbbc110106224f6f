import { MessageChannel, type MessagePort } from "node:worker_threads";
import { BusRelay, IpcBus, type IpcLink } from "../src/index.js";
import { busConformance } from "./helpers/busConformance.js";

/** One end of a MessagePort pair as an IpcLink (in production: a worker's process channel). */
function linkOf(port: MessagePort): IpcLink {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on("message", listener);
      return () => port.off("message", listener);
    },
  };
}

// Two workers of `parley serve --workers N`: each bus talks to the primary's relay over its own link.
busConformance({
  carriesEntries: true,
  name: "IPC between workers",
  pair: async () => {
    const relay = new BusRelay();
    const channels = [new MessageChannel(), new MessageChannel()];
    const removers = channels.map((c, i) => relay.add(i + 1, linkOf(c.port2)));
    const [a, b] = channels.map((c) => new IpcBus(linkOf(c.port1)));
    return {
      a: a!,
      b: b!,
      dispose: async () => {
        await a!.close();
        await b!.close();
        for (const remove of removers) remove();
        for (const c of channels) {
          c.port1.close();
          c.port2.close();
        }
      },
    };
  },
});
