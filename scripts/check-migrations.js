// Fails when a D1 migration is not additive (a drop, a rename, a delete, a NOT NULL column without
// a default): migrations run while instances wait and older code still reads the tables
// (docs/architecture.md, "Changing the schema while instances wait"). Run by `npm run typecheck`.
import { readdir, readFile } from "node:fs/promises";
import { migrationProblems } from "./lib/migration-rules.js";

const files = new Map();
for (const name of (await readdir("migrations")).filter((n) => n.endsWith(".sql"))) files.set(name, await readFile(`migrations/${name}`, "utf8"));
const problems = migrationProblems(files);
if (problems.length) {
  console.error(`Migrations must be additive (they run while instances wait):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`migrations: ${files.size} files, all additive`);
