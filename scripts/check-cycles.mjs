// Fails when any package's import graph has a cycle. dpdm walks the TypeScript sources from each
// package entry point (and the CLI's main), following relative imports.
import { execFileSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";

const entries = readdirSync("packages")
  .flatMap((p) => [`packages/${p}/src/index.ts`, `packages/${p}/src/main.ts`])
  .filter((f) => existsSync(f));
try {
  execFileSync(
    "node_modules/.bin/dpdm",
    ["--no-warning", "--no-tree", "--transform", "--exit-code", "circular:1", ...entries],
    { stdio: "inherit" },
  );
  console.log(`no import cycles in ${entries.length} entry points`);
} catch {
  console.error("import cycles found (listed above): break them before merging");
  process.exit(1);
}
