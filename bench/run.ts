/**
 * `npm run bench`: the whole suite, bounded in time (each scenario has its own budget and
 * deadline): client crypto, Parley fan-out (with a CPU profile), idle connections (one SQLite
 * process, 100k on one `parley serve --workers 6`, then 100k over six PostgreSQL + Redis instances), logins, fan-out on PostgreSQL +
 * Redis, then the README tables. The scale-out parts need the local PostgreSQL and Redis; without
 * them they are skipped, saying why. `npm run bench:compare` runs the fan-out against ejabberd.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR } from "./lib/proc.js";
import { servicesProblem } from "./lib/services.js";

const { values } = parseArgs({ options: { compare: { type: "boolean", default: false } } });
const node = (script: string, ...args: string[]) => {
  console.log(`\n== ${script} ${args.join(" ")}`);
  execFileSync(process.execPath, ["--conditions=parley-src", "--import", "tsx", path.join(BENCH_DIR, script), ...args], { stdio: "inherit", timeout: 20 * 60_000 });
};

if (values.compare) {
  node("fanout.ts", "--compare", "--repeats", "3");
} else {
  const problem = await servicesProblem();
  if (problem !== null) console.warn(`\n!! scale-out scenarios skipped: ${problem}`);
  node("crypto/mls.ts", "--sizes", "2,10,100,1000", "--messages", "3000", "--commits", "5");
  node("fanout.ts", "--repeats", "2", "--flame");
  node("connections.ts", ...(problem === null ? [] : ["--parts", "single,workers"]));
  node("logins.ts");
  if (problem === null) node("fanout-scaleout.ts");
}
node("report.ts");
