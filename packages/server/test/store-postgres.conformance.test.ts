import { PostgresStore, type Store } from "../src/index.js";
import { createTestDatabase, skipWithout } from "../../../test/services.js";
import { storeConformance } from "./helpers/storeConformance.js";

// Each test gets its own database; a twin is a second connection pool on it: another instance.
storeConformance({
  name: "PostgreSQL",
  skip: await skipWithout("postgres"),
  open: async () => {
    const db = await createTestDatabase();
    const opened: Store[] = [await PostgresStore.connect(db.url, { maxConnections: 8 })];
    return {
      store: opened[0]!,
      twin: async () => {
        const s = await PostgresStore.connect(db.url, { maxConnections: 8 });
        opened.push(s);
        return s;
      },
      dispose: async () => {
        for (const s of opened) await s.close();
        await db.drop();
      },
    };
  },
});
