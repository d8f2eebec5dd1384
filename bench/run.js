// `npm run bench`: runs the benchmarks one after another; each prints its numbers and writes
// its section of bench/RESULTS.md.
import { spawnSync } from "node:child_process";

const benches = ["click-latency.js"];
for (const b of benches) {
  console.log(`\n== ${b}`);
  const r = spawnSync(process.execPath, [new URL(b, import.meta.url).pathname], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
