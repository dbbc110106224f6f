/**
 * `npm run bench`: the whole suite, bounded in time (each scenario has its own budget; the whole
 * takes minutes): client crypto, Parley fan-out (with a CPU profile), idle connections, logins,
 * then the README tables. `npm run bench:compare` runs the fan-out against ejabberd instead.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR } from "./lib/proc.js";

const { values } = parseArgs({ options: { compare: { type: "boolean", default: false } } });
const node = (script: string, ...args: string[]) => {
  console.log(`\n== ${script} ${args.join(" ")}`);
  execFileSync(process.execPath, ["--conditions=parley-src", "--import", "tsx", path.join(BENCH_DIR, script), ...args], { stdio: "inherit", timeout: 20 * 60_000 });
};

if (values.compare) {
  node("fanout.ts", "--compare", "--repeats", "2");
} else {
  node("crypto/mls.ts", "--sizes", "2,10,100,1000", "--messages", "3000", "--commits", "3");
  node("fanout.ts", "--repeats", "2", "--flame");
  node("connections.ts");
  node("logins.ts");
}
node("report.ts");
