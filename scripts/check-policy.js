// Validates approvals.config.json with the service's own zod schema (src/core/policy.ts), so a
// bad policy fails the build (wrangler's [build] command, CI) with the path of the bad field.
import { build } from "esbuild";

const out = await build({
  stdin: {
    contents: `import { parsePolicy } from "./src/core/policy.ts"; import policy from "./approvals.config.json"; export const check = () => parsePolicy(policy);`,
    resolveDir: process.cwd(),
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
  external: ["cloudflare:*"],
  logLevel: "silent",
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
try {
  const policy = mod.check();
  console.log(`approvals.config.json: ${Object.keys(policy.types).length} request types OK (${Object.keys(policy.types).join(", ")})`);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
