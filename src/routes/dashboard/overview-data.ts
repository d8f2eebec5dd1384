import { type ActionState, DECISION_BUCKET_BOUNDS, type Overview, type PendingRequest, type RequestStatus } from "../../core/store";
import { tableCsv } from "./csv";
import { type Labels, personText, requesterText } from "./labels";

/**
 * The overview's numbers, shaped once for its charts, its tables and its CSV (so the three always
 * agree): the window of days, a row per day, the time buckets' labels, durations in words.
 */

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** The window the charts cover: the filters' from / to, else the last 30 days up to today (UTC), at most 366 days. */
export function overviewWindow(f: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } | { problem: string } {
  const to = f.to ?? (f.from && f.from > today ? f.from : today);
  const from = f.from ?? addDays(to, -(DEFAULT_DAYS - 1));
  if (from > to) return { problem: "from: the first day is after the last day" };
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days > MAX_DAYS) return { problem: `from: the overview covers at most ${MAX_DAYS} days (this window has ${days})` };
  return { from, to };
}

/** The outcomes in the order the bars stack them (bottom first): decided, then closed otherwise, then open. */
export const OUTCOMES = ["approved", "rejected", "cancelled", "expired", "failed", "pending"] as const satisfies readonly RequestStatus[];

export interface DayRow {
  day: string;
  counts: Record<RequestStatus, number>;
  total: number;
}

/** One row per day of the window, days without requests included. */
export function dayRows(perDay: Overview["perDay"], from: string, to: string): DayRow[] {
  const rows: DayRow[] = [];
  const byDay = new Map<string, DayRow>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const row = { day, counts: Object.fromEntries(OUTCOMES.map((s) => [s, 0])) as Record<RequestStatus, number>, total: 0 };
    rows.push(row);
    byDay.set(day, row);
  }
  for (const c of perDay) {
    const row = byDay.get(c.day);
    if (!row) continue;
    row.counts[c.status] += c.n;
    row.total += c.n;
  }
  return rows;
}

/** A duration in words, to the precision a person reads: "under 1 s", "45 s", "4 min", "2 h 5 min", "3 d 4 h". */
export function humanDuration(seconds: number): string {
  if (seconds < 0.5) return "under 1 s";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  // Seconds matter for a few minutes, not for an age of 50 minutes ("50 min", not "50 min 1 s").
  if (s < 600) return pair(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return pair(Math.floor(s / 3600), "h", Math.floor((s % 3600) / 60), "min");
  return pair(Math.floor(s / 86_400), "d", Math.floor((s % 86_400) / 3600), "h");
}

/** A range for the chart's axis, short enough for its column: "1–5 min", "15 min–1 h". */
function shortRange(from: number, to: number): string {
  const [fromN, fromUnit] = humanDuration(from).split(" ");
  const [toN, toUnit] = humanDuration(to).split(" ");
  return fromUnit === toUnit ? `${fromN}–${toN} ${toUnit}` : `${humanDuration(from)}–${humanDuration(to)}`;
}

/** The time-to-decision buckets, as the table (`label`) and the chart's axis (`short`) name them. */
export const BUCKETS = DECISION_BUCKET_BOUNDS.map((to, i) => {
  const from = i === 0 ? 0 : DECISION_BUCKET_BOUNDS[i - 1]!;
  return {
    from,
    to: to as number | null,
    label: i === 0 ? `under ${humanDuration(to)}` : `${humanDuration(from)} – ${humanDuration(to)}`,
    short: i === 0 ? `< ${humanDuration(to)}` : shortRange(from, to),
  };
}).concat({
  from: DECISION_BUCKET_BOUNDS.at(-1)!,
  to: null,
  label: `${humanDuration(DECISION_BUCKET_BOUNDS.at(-1)!)} or more`,
  short: `≥ ${humanDuration(DECISION_BUCKET_BOUNDS.at(-1)!)}`,
});

export const ACTION_OUTCOMES: readonly ActionState[] = ["succeeded", "failed", "unconfirmed", "running"];

export const ageSeconds = (createdAt: string, now: number) => Math.max(0, (now - Date.parse(createdAt)) / 1000);

/** Per type: the rates as whole percentages of the type's requests in the window. */
export const percent = (part: number, whole: number) => (whole ? Math.round((part / whole) * 100) : 0);

export const CHARTS = ["per-day", "decision-time", "decision-percentiles", "types", "pending", "actions"] as const;
export type Chart = (typeof CHARTS)[number];

/** One chart's numbers as CSV: the same rows as the chart's table, with ids and names both. */
export function chartCsv(chart: Chart, o: Overview, window: { from: string; to: string }, labels: Labels, now: number): string {
  switch (chart) {
    case "per-day":
      return tableCsv(
        ["day", ...OUTCOMES, "total"],
        dayRows(o.perDay, window.from, window.to).map((r) => [r.day, ...OUTCOMES.map((s) => r.counts[s]), r.total]),
      );
    case "decision-time":
      return tableCsv(
        ["bucket", "from_seconds", "to_seconds", "decisions"],
        BUCKETS.map((b, i) => [b.label, b.from, b.to, o.decisionTimes.buckets[i] ?? 0]),
      );
    case "decision-percentiles": {
      const d = o.decisionTimes;
      return tableCsv(["decisions", "p50_seconds", "p90_seconds", "max_seconds"], [[d.count, d.p50, d.p90, d.max]]);
    }
    case "types":
      return tableCsv(
        ["type", "type_title", "requests", "escalated", "escalated_percent", "expired", "expired_percent", "pending"],
        o.types.map((t) => [
          t.type,
          labels.typeTitle(t.type) ?? t.type,
          t.total,
          t.escalated,
          percent(t.escalated, t.total),
          t.expired,
          percent(t.expired, t.total),
          t.pending,
        ]),
      );
    case "pending":
      return tableCsv(
        [
          "id",
          "type",
          "type_title",
          "requester",
          "requester_name",
          "waiting_for",
          "waiting_for_names",
          "level",
          "age_seconds",
          "created_at",
          "expires_at",
          "description",
        ],
        o.pending.rows.map((r: PendingRequest) => [
          r.id,
          r.type,
          labels.typeTitle(r.type) ?? r.type,
          r.requester ?? "",
          requesterText(labels, r.requester, r.source),
          r.waiting_for.join(" "),
          r.waiting_for.map((u) => personText(labels, u)).join("; "),
          r.level,
          Math.round(ageSeconds(r.created_at, now)),
          r.created_at,
          r.expires_at,
          r.description,
        ]),
      );
    case "actions":
      return tableCsv(
        ["outcome", "requests"],
        o.actions.map((a) => [a.status, a.n]),
      );
  }
}
