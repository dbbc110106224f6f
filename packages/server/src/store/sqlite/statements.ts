import type { Database, Statement } from "better-sqlite3";

const cache = new WeakMap<Database, Map<string, Statement>>();

/**
 * A prepared statement for `sql`, compiled once per database. Every query in the SQLite store
 * goes through here, with values bound as parameters: no value is ever spliced into SQL text.
 */
export function sql(db: Database, text: string): Statement {
  let map = cache.get(db);
  if (!map) {
    map = new Map();
    cache.set(db, map);
  }
  let stmt = map.get(text);
  if (!stmt) {
    stmt = db.prepare(text);
    map.set(text, stmt);
  }
  return stmt;
}
