// `npm run bench [name ...]`: runs the benchmarks one after another (all of them by default);
// each prints its numbers and writes its section of bench/RESULTS.md. CI does not run these.
import { spawnSync } from "node:child_process";

const all = {
  "click-latency": ["click-latency.js"],
  "click-route": ["click-route.js"],
  scale: ["scale.js"],
  drills: ["drills.js"],
  toolchain: ["toolchain.js"],
};
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(all);
let failed = false;
for (const name of chosen) {
  const [file, ...args] = all[name] ?? [];
  if (!file) {
    console.error(`unknown benchmark ${name}; choose from ${Object.keys(all).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, [new URL(file, import.meta.url).pathname, ...args], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
