// The overview's charts against known data: requests seeded through the store's own functions
// with chosen times and outcomes (a fresh requester isolates them from the other tests' rows),
// then the exact bars, counts and percentiles read back from the rendered SVG, tables and CSV.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedDisplayName } from "../src/core/display-names";
import { newRequestId } from "../src/core/ids";
import { castVote, claimCancel, closeByClaim, closeRequest, setActionState, setLevel, upsertRequest } from "../src/core/store";
import { newUser } from "./helpers";

const get = (path: string) => exports.default.fetch(new Request(`https://approvals.test${path}`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } }));
const at = (iso: string, plusSeconds = 0) => new Date(Date.parse(iso) + plusSeconds * 1000).toISOString();

/** The attributes of every `<tag …>` in `html`, in document order. */
function tags(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\s([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}
/** The markup of the element that starts with `start` up to its `</end>` (no nesting of the same tag inside). */
function slice(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  expect(from, `${start} in the page`).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf(`</${end}>`, from) + end.length + 3);
}
/** Rows of a table as arrays of cell texts (tags stripped). */
function tableRows(table: string): string[][] {
  const body = table.slice(table.indexOf("<tbody>"));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, "").replace(/&amp;/g, "&")),
  );
}
/** Each `<g class="column|row" data-key=…>` of a chart with the bars inside it. */
function groups(svg: string, kind: "column" | "row"): { key: string; bars: Record<string, string>[]; text: string }[] {
  return svg
    .split(`<g class="${kind}" data-key="`)
    .slice(1)
    .map((part) => ({
      key: part.slice(0, part.indexOf('"')),
      bars: tags(part, "rect"),
      text: part.replace(/<title>.*?<\/title>/g, "").replace(/<[^>]+>/g, " "),
    }));
}

describe("the overview, against known data", () => {
  let requester: string;
  const users = { a1: "", a2: "", a3: "" };
  const ids: Record<string, string> = {};
  let page: string;
  const query = () => `requester=${requester}&from=2025-03-01&to=2025-03-07`;

  beforeAll(async () => {
    requester = await newUser();
    users.a1 = await newUser();
    users.a2 = await newUser();
    users.a3 = await newUser();
    // Names as the workflows cache them; a3 was never looked up.
    for (const [user, name] of [
      [requester, "Dana Kim"],
      [users.a1, "Maria Lopez"],
      [users.a2, "Sam Chen"],
    ] as const)
      await cachedDisplayName(env.KV, user, async () => name);

    const seed = async (key: string, type: string, createdAt: string, approvers: string[], quorum = 1) => {
      ids[key] = newRequestId();
      await upsertRequest(env.DB, {
        id: ids[key],
        type,
        requester,
        description: `Seeded ${key}`,
        approvers,
        quorum,
        allowSelf: false,
        createdAt,
        expiresAt: at(createdAt, 86_400),
      });
      return ids[key];
    };
    /** Decided as the routes and the workflow decide: a claim (a vote or the requester's cancel), then closed by it. */
    const decide = async (id: string, status: "approved" | "rejected" | "expired" | "cancelled", by: string | null, when: string) => {
      if (status === "expired") return expect(await closeRequest(env.DB, { id, status, at: when })).toBe(true);
      if (status === "cancelled") expect(await claimCancel(env.DB, id, by!, when)).toEqual({ ok: true });
      else
        expect(
          await castVote(env.DB, id, by!, status === "approved" ? "approve" : "reject", when, status === "rejected" ? "Not now" : undefined),
        ).toMatchObject({ ok: true, decisive: true });
      expect(await closeByClaim(env.DB, id, when)).not.toBeNull();
    };
    const escalate = (id: string, approvers: string[], when: string) =>
      setLevel(env.DB, id, {
        approvers,
        groups: approvers.map((a) => ({ approvers: [a], quorum: 1 })),
        level: 2,
        quorum: 1,
        expiresAt: at(when, 3600),
        at: when,
      });

    // 2025-03-03: deploys approved in 2 and 10 minutes (one action succeeded, one failed), an expense rejected in 30 minutes.
    let id = await seed("a1", "deploy", "2025-03-03T09:00:00.000Z", [users.a1]);
    await decide(id, "approved", users.a1, at("2025-03-03T09:00:00.000Z", 120));
    await setActionState(env.DB, id, { status: "succeeded", at: at("2025-03-03T09:00:00.000Z", 180) });
    id = await seed("a2", "deploy", "2025-03-03T10:00:00.000Z", [users.a1]);
    await decide(id, "approved", users.a1, at("2025-03-03T10:00:00.000Z", 600));
    await setActionState(env.DB, id, { status: "failed", detail: "HTTP 500", at: at("2025-03-03T10:00:00.000Z", 700) });
    id = await seed("a3", "expense", "2025-03-03T11:00:00.000Z", [users.a1, users.a2]);
    await decide(id, "rejected", users.a2, at("2025-03-03T11:00:00.000Z", 1800));
    // 2025-03-05: two expenses escalated; one approved after 2 hours, one expired.
    id = await seed("a4", "expense", "2025-03-05T08:00:00.000Z", [users.a1]);
    await escalate(id, [users.a1, users.a2], at("2025-03-05T08:00:00.000Z", 3600));
    await decide(id, "approved", users.a2, at("2025-03-05T08:00:00.000Z", 7200));
    id = await seed("a5", "expense", "2025-03-05T09:00:00.000Z", [users.a1]);
    await escalate(id, [users.a1, users.a2], at("2025-03-05T09:00:00.000Z", 3600));
    await decide(id, "expired", null, at("2025-03-05T09:00:00.000Z", 7200));
    // 2025-03-06: one cancelled by its requester (not a decision), two approved in 40 s and 3 hours.
    id = await seed("a6", "default", "2025-03-06T12:00:00.000Z", [users.a3]);
    await decide(id, "cancelled", requester, at("2025-03-06T12:00:00.000Z", 300));
    id = await seed("a7", "default", "2025-03-06T13:00:00.000Z", [users.a3]);
    await decide(id, "approved", users.a3, at("2025-03-06T13:00:00.000Z", 40));
    id = await seed("a8", "default", "2025-03-06T14:00:00.000Z", [users.a3]);
    await decide(id, "approved", users.a3, at("2025-03-06T14:00:00.000Z", 10_800));
    // Pending now (whatever the window): an expense waiting 3 h 10 min, where a1 voted and a2 has not;
    // a request waiting 50 minutes for a3.
    const now = Date.now();
    id = await seed("p1", "expense", new Date(now - (3 * 3600 + 600) * 1000).toISOString(), [users.a1, users.a2], 2);
    expect(await castVote(env.DB, id, users.a1, "approve", new Date(now - 3600_000).toISOString())).toMatchObject({ ok: true, decisive: false });
    await seed("p2", "default", new Date(now - 50 * 60_000).toISOString(), [users.a3]);

    const res = await get(`/dashboard/overview?${query()}`);
    expect(res.status).toBe(200);
    page = await res.text();
  });

  it("draws requests per day as bars stacked by outcome, one column per day of the window", () => {
    const svg = slice(page, '<svg class="chart" id="chart-per-day"', "svg");
    const columns = groups(svg, "column");
    expect(columns.map((c) => c.key)).toEqual(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]);
    const bars = Object.fromEntries(columns.map((c) => [c.key, c.bars.map((b) => [b["data-series"], Number(b["data-value"])])]));
    // Stacked bottom up in the order approved, rejected, cancelled, expired, failed, pending.
    expect(bars).toEqual({
      "2025-03-01": [],
      "2025-03-02": [],
      "2025-03-03": [
        ["approved", 1],
        ["rejected", 1],
        ["failed", 1],
      ],
      "2025-03-04": [],
      "2025-03-05": [
        ["approved", 1],
        ["expired", 1],
      ],
      "2025-03-06": [
        ["approved", 2],
        ["cancelled", 1],
      ],
      "2025-03-07": [],
    });
    // The busiest days have 3: the axis goes 0…3 and a request is a third of the 200-unit plot.
    expect([...svg.matchAll(/<text x="38" y="[\d.]+" text-anchor="end">(\d+)<\/text>/g)].map((m) => m[1])).toEqual(["0", "1", "2", "3"]);
    const day6 = columns.find((c) => c.key === "2025-03-06")!.bars;
    expect(Number(day6[0]!.height)).toBeCloseTo(133.33, 1);
    expect(Number(day6[1]!.height)).toBeCloseTo(66.67, 1);
    // Stacked: each segment starts where the one below it ends, the first on the baseline (y 234).
    expect(Number(day6[0]!.y) + Number(day6[0]!.height)).toBeCloseTo(234, 1);
    expect(Number(day6[1]!.y) + Number(day6[1]!.height)).toBeCloseTo(Number(day6[0]!.y), 1);
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/<desc id="chart-per-day-desc">8 requests from 2025-03-01 to 2025-03-07: 4 approved, 1 rejected, 1 cancelled, 1 expired, 1 failed\./);

    const table = tableRows(slice(page, '<table class="numbers" data-chart="per-day"', "table"));
    expect(table).toHaveLength(7);
    expect(table[2]).toEqual(["2025-03-03", "1", "1", "0", "0", "1", "0", "3"]);
    expect(table[5]).toEqual(["2025-03-06", "2", "0", "1", "0", "0", "0", "3"]);
  });

  it("shows the time to decision as a distribution with p50 and p90 (nearest rank over the six decisions)", () => {
    // Decided in 40 s, 2 min, 10 min, 30 min, 2 h, 3 h (the cancellation and the expiry are not decisions).
    const svg = slice(page, '<svg class="chart" id="chart-decision-time"', "svg");
    expect(groups(svg, "column").map((c) => Number(c.bars[0]?.["data-value"] ?? 0))).toEqual([1, 1, 1, 1, 2, 0, 0, 0]);
    expect(svg).toContain('<g class="marker p50" data-marker="p50">');
    expect(svg).toMatch(/data-marker="p50">.*?<text[^>]*>p50 10 min<\/text>/);
    expect(svg).toMatch(/data-marker="p90">.*?<text[^>]*>p90 3 h<\/text>/);
    expect(svg).toContain("6 decisions. Half were made within 10 min (p50), nine in ten within 3 h (p90); the longest took 3 h.");
    const percentiles = tableRows(slice(page, '<table class="numbers" data-chart="decision-percentiles"', "table"));
    expect(percentiles).toEqual([
      ["decisions", "", "6"],
      ["p50", "10 min", "600"],
      ["p90", "3 h", "10800"],
      ["longest", "3 h", "10800"],
    ]);
    expect(tableRows(slice(page, '<table class="numbers" data-chart="decision-time"', "table"))).toEqual([
      ["under 1 min", "1"],
      ["1 min – 5 min", "1"],
      ["5 min – 15 min", "1"],
      ["15 min – 1 h", "1"],
      ["1 h – 4 h", "2"],
      ["4 h – 1 d", "0"],
      ["1 d – 3 d", "0"],
      ["3 d or more", "0"],
    ]);
  });

  it("shows the escalation and expiry rate per type, with the policy's titles", () => {
    const svg = slice(page, '<svg class="chart" id="chart-types"', "svg");
    const rows = groups(svg, "row");
    expect(rows.map((r) => r.key)).toEqual(["default", "expense", "deploy"]);
    const expense = rows[1]!;
    expect(expense.bars.map((b) => [b["data-series"], b["data-value"]])).toEqual([
      ["escalated", "67"],
      ["expired", "33"],
    ]);
    expect(expense.text).toContain("67% escalated (2 of 3)");
    expect(expense.text).toContain("33% expired (1 of 3)");
    expect(expense.text).toContain("Expense");
    expect(rows[0]!.text).toContain("Approval");
    expect(rows[2]!.text).toContain("Production deploy");
    expect(tableRows(slice(page, '<table class="numbers" data-chart="types"', "table"))).toEqual([
      ["Approval", "3", "0 (0%)", "0 (0%)", "0"],
      ["Expense", "3", "2 (67%)", "1 (33%)", "0"],
      ["Production deploy", "2", "0 (0%)", "0 (0%)", "0"],
    ]);
  });

  it("lists what is pending now by age, oldest first, with who it waits for by name", () => {
    const svg = slice(page, '<svg class="chart" id="chart-pending"', "svg");
    const rows = groups(svg, "row");
    expect(rows.map((r) => r.key)).toEqual([ids.p1, ids.p2]);
    expect(rows[0]!.text).toContain("3 h 10 min");
    // a1 has voted, so p1 waits for a2 only; a3 has no cached name, so the id stands in.
    expect(rows[0]!.text).toContain("waits for Sam Chen");
    expect(rows[1]!.text).toContain("50 min");
    expect(rows[1]!.text).toContain(`waits for ${users.a3}`);
    // The bars' lengths are the ages: the oldest spans the whole scale.
    const [w1, w2] = rows.map((r) => Number(r.bars[0]!.width));
    expect(w2! / w1!).toBeCloseTo(50 / 190, 2);
    const table = slice(page, '<table class="numbers" data-chart="pending"', "table");
    expect(tableRows(table).map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      [ids.p1, "3 h 10 min", "Sam Chen", "Expense", "Dana Kim"],
      [ids.p2, "50 min", users.a3, "Approval", "Dana Kim"],
    ]);
    expect(table).toContain(`<span class="person" title="${users.a2}">Sam Chen</span>`);
  });

  it("counts the actions' outcomes", () => {
    const rows = groups(slice(page, '<svg class="chart" id="chart-actions"', "svg"), "row");
    expect(rows.map((r) => [r.key, r.bars[0]!["data-value"]])).toEqual([
      ["succeeded", "1"],
      ["failed", "1"],
    ]);
    expect(tableRows(slice(page, '<table class="numbers" data-chart="actions"', "table"))).toEqual([
      ["failed", "1"],
      ["succeeded", "1"],
    ]);
  });

  it("gives every chart's numbers as CSV, the same as its table", async () => {
    const csv = async (chart: string) => {
      const res = await get(`/dashboard/overview.csv?chart=${chart}&${query()}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="approvals-${chart}-2025-03-01-2025-03-07.csv"`);
      return (await res.text()).split("\r\n");
    };
    const perDay = await csv("per-day");
    expect(perDay[0]).toBe('"day","approved","rejected","cancelled","expired","failed","pending","total"');
    expect(perDay[3]).toBe('"2025-03-03","1","1","0","0","1","0","3"');
    expect(perDay).toHaveLength(9);
    expect(await csv("decision-percentiles")).toEqual(['"decisions","p50_seconds","p90_seconds","max_seconds"', '"6","600","10800","10800"', ""]);
    expect((await csv("decision-time"))[5]).toBe('"1 h – 4 h","3600","14400","2"');
    expect(await csv("types")).toEqual([
      '"type","type_title","requests","escalated","escalated_percent","expired","expired_percent","pending"',
      '"default","Approval","3","0","0","0","0","0"',
      '"expense","Expense","3","2","67","1","33","0"',
      '"deploy","Production deploy","2","0","0","0","0","0"',
      "",
    ]);
    const pending = await csv("pending");
    expect(pending[0]).toBe(
      '"id","type","type_title","requester","requester_name","waiting_for","waiting_for_names","level","age_seconds","created_at","expires_at","description"',
    );
    expect(pending[1]).toMatch(new RegExp(`^"${ids.p1}","expense","Expense","${requester}","Dana Kim","${users.a2}","Sam Chen","1","114\\d\\d",`));
    expect(await csv("actions")).toEqual(['"outcome","requests"', '"failed","1"', '"succeeded","1"', ""]);
    expect((await get(`/dashboard/overview.csv?chart=nope&${query()}`)).status).toBe(400);
  });

  it("covers the last 30 days by default, at most 366, and says what is wrong with a window", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const month = await (await get(`/dashboard/overview?requester=${requester}`)).text();
    const days = groups(slice(month, '<svg class="chart" id="chart-per-day"', "svg"), "column");
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.key).toBe(today);
    // Pending now ignores the window: both are listed, though created today.
    expect(month).toContain("2 pending now");
    const long = await get(`/dashboard/overview?from=2024-01-01&to=2025-03-01`);
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("the overview covers at most 366 days");
    expect((await get(`/dashboard/overview?from=2025-03-02&to=2025-03-01`)).status).toBe(400);
  });

  it("tells a newcomer how to start a request when the window has none", async () => {
    const nobody = await newUser();
    const html = await (await get(`/dashboard/overview?requester=${nobody}`)).text();
    expect(html).toContain("Start a request");
    expect(html).toContain("<code>/approval @someone what needs approving</code>");
    expect(html).toContain("No requests from");
    expect(html).toContain("Nothing is pending.");
  });
});
