// The import direction of src/: routes → workflows → slack → core, with env/config below core and
// the id kernel at the very bottom. A module may import its own layer and any layer below it,
// never one above. Pure functions over file texts (no fs), so the test can feed it a fixture tree;
// scripts/check-imports.js runs it on the real tree.

/** Layers from the bottom up; the first rule a path matches decides its layer. */
export const LAYERS = [
  { name: "kernel", match: (p) => p === "src/core/ids.ts" || p === "src/core/duration.ts" },
  { name: "env/config", match: (p) => p === "src/env.ts" || p === "src/config.ts" },
  { name: "core", match: (p) => p.startsWith("src/core/") },
  { name: "slack", match: (p) => p.startsWith("src/slack/") },
  { name: "workflows", match: (p) => p.startsWith("src/workflows/") },
  { name: "routes", match: (p) => p.startsWith("src/routes/") },
  { name: "entry", match: (p) => p === "src/index.ts" },
];

/** @param {string} path @returns {number} the layer's index, or -1 for a file outside every layer */
export const layerOf = (path) => LAYERS.findIndex((l) => l.match(path));

// `import … from "x"`, `export … from "x"` (the part before `from` holds only names, braces, commas,
// `*`, `type` and `as`, so `export const a = "x"` is not one), `import "x"` and `import("x")`.
const FROM = /^[ \t]*(?:import|export)\s+(?:type\s+)?[\w$*{}\s,]*?\s*from\s*["']([^"']+)["']/gm;
const BARE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** @param {string} text @returns {{ specifier: string; line: number }[]} every import of a module, with its line */
export function importsOf(text) {
  const found = [];
  for (const re of [FROM, BARE, DYNAMIC]) {
    for (const m of text.matchAll(re)) {
      const at = m.index + m[0].search(/\S/);
      found.push({ specifier: m[1], line: text.slice(0, at).split("\n").length });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Resolves a relative specifier against the importing file, as the bundler does (.ts, .tsx, index). */
function resolve(from, specifier, files) {
  if (!specifier.startsWith(".")) return null; // a package (hono, zod, cloudflare:workers)
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  const base = parts.join("/");
  return [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`].find((p) => files.has(p)) ?? base;
}

/**
 * @param {Map<string, string>} files repository-relative paths (src/…) to their text
 * @returns {string[]} one line per import that runs upwards: `file:line: layer imports higher-layer (target)`
 */
export function upwardImports(files) {
  const problems = [];
  for (const [path, text] of files) {
    const own = layerOf(path);
    for (const { specifier, line } of importsOf(text)) {
      const target = resolve(path, specifier, files);
      if (!target?.startsWith("src/")) continue;
      const theirs = layerOf(target);
      if (own === -1 || theirs === -1) {
        problems.push(`${path}:${line}: ${own === -1 ? path : target} is in no layer (add it to scripts/lib/import-layers.js)`);
      } else if (theirs > own) {
        problems.push(`${path}:${line}: ${LAYERS[own].name} must not import ${LAYERS[theirs].name} (${target})`);
      }
    }
  }
  return problems;
}
