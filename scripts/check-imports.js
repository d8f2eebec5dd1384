// Fails (with file:line) when a module in src/ imports a higher layer: routes → workflows → slack →
// core → env/config → id kernel, never back up (docs/architecture.md). Run by `npm run typecheck`.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { upwardImports } from "./lib/import-layers.js";

async function sources(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (/\.tsx?$/.test(entry.name)) out.push(path.split("\\").join("/"));
  }
  return out;
}

const files = new Map();
for (const path of await sources("src")) files.set(path, await readFile(path, "utf8"));
const problems = upwardImports(files);
if (problems.length) {
  console.error(`Imports must run one way (routes → workflows → slack → core → env/config → ids):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`imports: ${files.size} modules, all one way`);
