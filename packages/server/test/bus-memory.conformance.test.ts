import { MemoryBus } from "../src/index.js";
import { busConformance } from "./helpers/busConformance.js";

// One process has one in-process bus: both "instances" are the same bus.
busConformance({
  carriesEntries: true,
  name: "in-process",
  pair: async () => {
    const bus = new MemoryBus();
    return { a: bus, b: bus, dispose: () => bus.close() };
  },
});
