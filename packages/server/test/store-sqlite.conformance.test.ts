import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore, SQLITE_FILE_NAME, type Store } from "../src/index.js";
import { storeConformance } from "./helpers/storeConformance.js";

// A second SqliteStore on the same file stands for a second process: SQLite serializes them with
// BEGIN IMMEDIATE and its busy timeout.
storeConformance({
  name: "SQLite",
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-conformance-"));
    const file = join(dir, SQLITE_FILE_NAME);
    const opened: Store[] = [new SqliteStore(file)];
    return {
      store: opened[0]!,
      twin: async () => {
        const s = new SqliteStore(file);
        opened.push(s);
        return s;
      },
      dispose: async () => {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
