// Helpers shared by the benchmarks: percentiles, a machine description and the results file.
import { cpus, totalmem, release } from "node:os";
import { readFile, writeFile } from "node:fs/promises";

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1]) };
}

export function machine() {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
}

const RESULTS = new URL("./RESULTS.md", import.meta.url);

/** Replaces (or appends) one benchmark's section in bench/RESULTS.md. */
export async function writeSection(title, body) {
  let text;
  try {
    text = await readFile(RESULTS, "utf8");
  } catch {
    text = "# Benchmark results\n\nProduced by `npm run bench`; each section is replaced when its benchmark runs again.\n";
  }
  const section = `## ${title}\n\n_${new Date().toISOString().slice(0, 10)} · ${machine()}_\n\n${body.trim()}\n`;
  const re = new RegExp(`## ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n[\\s\\S]*?(?=\\n## |$)`);
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`;
  await writeFile(RESULTS, text.endsWith("\n") ? text : `${text}\n`);
}
