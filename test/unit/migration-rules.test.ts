import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrationProblems, statementsOf } from "../../scripts/lib/migration-rules.js";

const one = (name: string, sql: string) => migrationProblems(new Map([[name, sql]]));

describe("migrations are additive (scripts/check-migrations.js, run by npm run typecheck)", () => {
  it("every migration of the project keeps the rules", () => {
    // The same files wrangler applies (readD1Migrations in vitest.config.ts), comments stripped by it or by us.
    const files = new Map(env.TEST_MIGRATIONS.map((m) => [m.name, m.queries.join(";\n")]));
    expect(files.size).toBeGreaterThanOrEqual(5);
    expect(migrationProblems(files)).toEqual([]);
  });

  it("refuses drops, renames, deletes and a NOT NULL column without a default, naming the file and statement", () => {
    expect(one("0008_bad.sql", "ALTER TABLE requests DROP COLUMN wait_until;")).toEqual([
      "0008_bad.sql: ALTER TABLE requests DROP COLUMN wait_until: drops a column a running version may read or write",
    ]);
    expect(one("0008_bad.sql", "DROP TABLE votes")).toHaveLength(1);
    expect(one("0008_bad.sql", "ALTER TABLE requests RENAME COLUMN level TO tier")[0]).toMatch(/renames what a running version reads/);
    expect(one("0008_bad.sql", "ALTER TABLE votes RENAME TO ballots")).toHaveLength(1);
    expect(one("0008_bad.sql", "DELETE FROM audit WHERE at < '2020'")[0]).toMatch(/deletes rows/);
    expect(one("0008_bad.sql", "ALTER TABLE requests ADD COLUMN priority TEXT NOT NULL")[0]).toMatch(/NOT NULL column without a DEFAULT/);
  });

  it("allows what is additive: new tables, nullable columns, NOT NULL with a default, indexes, back-fills", () => {
    const sql = `-- a comment that says DROP TABLE requests; is not a statement
      CREATE TABLE notes (request_id TEXT NOT NULL REFERENCES requests (id), note TEXT NOT NULL);
      ALTER TABLE requests ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
      ALTER TABLE requests ADD COLUMN channel TEXT;
      CREATE INDEX requests_by_priority ON requests (priority);
      /* DELETE FROM requests; */
      UPDATE requests SET priority = 'urgent' WHERE type = 'deploy';`;
    expect(one("0008_good.sql", sql)).toEqual([]);
    expect(statementsOf(sql)).toHaveLength(5);
  });

  it("names files NNNN_what.sql, each number once", () => {
    const files = new Map([
      ["0007_a.sql", ""],
      ["0007_b.sql", ""],
      ["8_c.sql", ""],
    ]);
    expect(migrationProblems(files)).toEqual(["0007_b.sql: number 0007 is taken by 0007_a.sql", "8_c.sql: migration files are named NNNN_what_it_does.sql"]);
  });
});
