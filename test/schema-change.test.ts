import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrationProblems } from "../scripts/lib/migration-rules.js";
import { approverDm, click, dmOf, eventually, messagesIn, newUser, reject, requestJson, startRequest, startTyped, waitForStatus } from "./helpers";

/**
 * "The next migration", as the migration rules allow it (docs/architecture.md, "Changing the schema
 * while instances wait"): a NOT NULL column with a default and its back-fill, an index, a new table.
 * Test-only: it is applied to this file's database, never shipped.
 */
const NEXT: D1Migration = {
  name: "9001_next_priority.sql",
  queries: [
    "ALTER TABLE requests ADD COLUMN next_priority TEXT NOT NULL DEFAULT 'normal'",
    "UPDATE requests SET next_priority = 'high' WHERE status = 'pending' AND level > 1",
    "CREATE INDEX requests_by_next_priority ON requests (status, next_priority)",
    "CREATE TABLE next_notes (request_id TEXT NOT NULL REFERENCES requests (id), note TEXT NOT NULL, at TEXT NOT NULL)",
  ],
};

describe("a D1 migration applied while instances wait", () => {
  it("keeps the rules itself", () => {
    expect(migrationProblems(new Map([[NEXT.name, NEXT.queries.join(";\n")]]))).toEqual([]);
  });

  it("requests started before it are decided after it (approve, reject, an action) and requests started after it work the same: nothing in D1 or Slack is lost", async () => {
    // Before: three requests waiting for a decision, as the current code made them.
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const approved = await startRequest(await newUser(), a, "before the migration: approve");
    const rejected = await startRequest(await newUser(), b, "before the migration: reject");
    const action = await startTyped(await newUser(), "deploy", c, "before the migration: deploy");
    await Promise.all([approverDm(a), approverDm(b), approverDm(c)]);
    for (const id of [approved, rejected, action]) await eventually(async () => (await requestJson(id)).wait_until ?? undefined, `${id} waiting`);

    await applyD1Migrations(env.DB, [NEXT]);

    // After: the rows written before it have the column, with its default (every API answer shows it).
    for (const id of [approved, rejected, action]) expect((await requestJson(id)) as unknown).toMatchObject({ status: "pending", next_priority: "normal" });
    await click(a, approved, "approve");
    await reject(b, rejected, "not after the migration");
    await click(c, action, "approve");
    expect((await waitForStatus(approved, "approved")).decided_by).toBe(a);
    expect(await waitForStatus(rejected, "rejected")).toMatchObject({ decided_by: b, next_priority: "normal" });
    const done = await eventually(async () => {
      const r = await requestJson(action);
      return r.action_status === "succeeded" && r.workflow?.status === "complete" ? r : undefined;
    }, "the action to finish");
    expect(done).toMatchObject({ status: "approved", next_priority: "normal" });
    // Slack: each approver's one DM, updated with the outcome (nothing sent twice).
    for (const [user, word] of [
      [a, "Approved"],
      [b, "Rejected"],
      [c, "Approved"],
    ] as const) {
      const dms = await messagesIn(dmOf(user));
      expect(dms).toHaveLength(1);
      expect(JSON.stringify(dms[0]!.blocks)).toContain(`${word}* by <@${user}>`);
    }

    // A request started after it: the code, which does not know the column, inserts rows that get its default.
    const approver = await newUser();
    const later = await startRequest(await newUser(), approver, "after the migration");
    await approverDm(approver);
    await click(approver, later, "approve");
    expect(await waitForStatus(later, "approved")).toMatchObject({ next_priority: "normal", workflow_version: 1 });
  }, 60_000);
});
