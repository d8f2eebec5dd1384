// The rules a D1 migration keeps so that it can be applied while instances wait and older code
// still runs (docs/architecture.md, "Changing the schema while instances wait"): additive only.
// Pure functions over file texts (no fs), so the test can feed it examples; scripts/check-migrations.js
// runs it on migrations/.

/** SQL without its comments (`-- …` to the end of the line, and block comments), statements split on `;`. */
export function statementsOf(sql) {
  const text = sql.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ");
  return text
    .split(";")
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter(Boolean);
}

const RULES = [
  { re: /\bDROP\s+(TABLE|VIEW|TRIGGER)\b/i, why: "drops what a running version may read" },
  { re: /\bDROP\s+COLUMN\b/i, why: "drops a column a running version may read or write" },
  { re: /\bRENAME\b/i, why: "renames what a running version reads by its old name (add the new one beside it instead)" },
  { re: /^DELETE\b/i, why: "deletes rows in a migration (data a running version may need; pruning belongs to the maintenance workflow)" },
  {
    test: (s) => /\bADD\s+COLUMN\b/i.test(s) && /\bNOT\s+NULL\b/i.test(s) && !/\bDEFAULT\b/i.test(s),
    why: "adds a NOT NULL column without a DEFAULT (code deployed before it inserts rows without it)",
  },
];

/**
 * @param {Map<string, string>} files migration file name → SQL
 * @returns {string[]} one line per problem: `file: statement: why`; also a file whose number is not unique
 */
export function migrationProblems(files) {
  const problems = [];
  const numbers = new Map();
  for (const [name, sql] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const number = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(name)?.[1];
    if (!number) problems.push(`${name}: migration files are named NNNN_what_it_does.sql`);
    else if (numbers.has(number)) problems.push(`${name}: number ${number} is taken by ${numbers.get(number)}`);
    else numbers.set(number, name);
    for (const statement of statementsOf(sql)) {
      for (const rule of RULES) {
        if (rule.re ? rule.re.test(statement) : rule.test(statement)) problems.push(`${name}: ${statement.slice(0, 120)}: ${rule.why}`);
      }
    }
  }
  return problems;
}
