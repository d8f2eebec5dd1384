/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import type { Overview } from "../../core/store";
import { BarChart, type BarRow, type Column, ColumnChart, type Marker } from "./charts";
import { type Labels, TypeName } from "./labels";
import { BUCKETS, type DayRow, humanDuration, OUTCOMES, percent } from "./overview-data";

/** The overview's charts of what was decided: requests per day, time to a decision, escalation and expiry by type. */

const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");

export const PerDayChart: FC<{ days: DayRow[]; total: number }> = ({ days, total }) => {
  const every = Math.ceil(days.length / 8);
  const sums = Object.fromEntries(OUTCOMES.map((s) => [s, days.reduce((a, d) => a + d.counts[s], 0)]));
  const busiest = days.reduce((a, d) => (d.total > a.total ? d : a), days[0]!);
  const columns: Column[] = days.map((d, i) => ({
    key: d.day,
    // Every few days, counted back from the last, so the window's last day always has its label.
    label: (days.length - 1 - i) % every === 0 ? d.day.slice(5) : "",
    segments: OUTCOMES.map((s) => ({ cls: `s-${s}`, series: s, value: d.counts[s], title: `${d.day}: ${d.counts[s]} ${s}` })),
  }));
  return (
    <ColumnChart
      id="chart-per-day"
      title="Requests per day, by outcome"
      desc={
        total === 0
          ? `No requests from ${days[0]!.day} to ${days.at(-1)!.day}.`
          : `${total} requests from ${days[0]!.day} to ${days.at(-1)!.day}: ${countsText(sums)}. The busiest day was ${busiest.day} with ${busiest.total}.`
      }
      columns={columns}
    />
  );
};

export const PerDayTable: FC<{ days: DayRow[] }> = ({ days }) => (
  <table class="numbers" data-chart="per-day">
    <caption>Requests per day (UTC), by outcome</caption>
    <thead>
      <tr>
        <th scope="col">Day</th>
        {OUTCOMES.map((s) => (
          <th scope="col">{s}</th>
        ))}
        <th scope="col">Total</th>
      </tr>
    </thead>
    <tbody>
      {days.map((d) => (
        <tr>
          <th scope="row">{d.day}</th>
          {OUTCOMES.map((s) => (
            <td class="num">{d.counts[s]}</td>
          ))}
          <td class="num">{d.total}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** Where a duration falls on the bucket axis, in columns: within its bucket on a log scale (linear in the first). */
export function bucketPosition(seconds: number): number {
  const i = BUCKETS.findIndex((b) => b.to === null || seconds < b.to);
  const b = BUCKETS[i]!;
  if (i === 0) return seconds / b.to!;
  const to = b.to ?? b.from * 3;
  return i + Math.min(1, Math.log(Math.max(seconds, b.from) / b.from) / Math.log(to / b.from));
}

export const DecisionChart: FC<{ o: Overview }> = ({ o }) => {
  const d = o.decisionTimes;
  const markers: Marker[] = [];
  if (d.p50 !== null) markers.push({ name: "p50", at: bucketPosition(d.p50), label: `p50 ${humanDuration(d.p50)}` });
  if (d.p90 !== null) markers.push({ name: "p90", at: bucketPosition(d.p90), label: `p90 ${humanDuration(d.p90)}` });
  const columns: Column[] = BUCKETS.map((b, i) => ({
    key: String(i),
    label: b.short,
    segments: [{ cls: "s-decided", series: "decisions", value: d.buckets[i] ?? 0, title: `${d.buckets[i] ?? 0} decided in ${b.label}` }],
  }));
  return (
    <ColumnChart
      id="chart-decision-time"
      title="Time from request to decision"
      desc={
        d.count === 0
          ? "No request in this window was decided yet."
          : `${d.count} decisions. Half were made within ${humanDuration(d.p50!)} (p50), nine in ten within ${humanDuration(d.p90!)} (p90); the longest took ${humanDuration(d.max!)}.`
      }
      columns={columns}
      markers={markers}
    />
  );
};

export const DecisionTable: FC<{ o: Overview }> = ({ o }) => {
  const d = o.decisionTimes;
  return (
    <>
      <table class="numbers" data-chart="decision-time">
        <caption>Decisions by time from request to decision</caption>
        <thead>
          <tr>
            <th scope="col">Time to decision</th>
            <th scope="col">Decisions</th>
          </tr>
        </thead>
        <tbody>
          {BUCKETS.map((b, i) => (
            <tr>
              <th scope="row">{b.label}</th>
              <td class="num">{d.buckets[i] ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="numbers" data-chart="decision-percentiles">
        <caption>Percentiles (nearest rank)</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Time</th>
            <th scope="col">Seconds</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ["decisions", null, d.count],
              ["p50", d.p50, d.p50],
              ["p90", d.p90, d.p90],
              ["longest", d.max, d.max],
            ] as const
          ).map(([name, seconds, value]) => (
            <tr data-measure={name}>
              <th scope="row">{name}</th>
              <td>{seconds === null ? "" : humanDuration(seconds)}</td>
              <td class="num">{value ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
};

export const TypesChart: FC<{ o: Overview; labels: Labels }> = ({ o, labels }) => {
  const rows: BarRow[] = o.types.map((t) => {
    const title = labels.typeTitle(t.type) ?? t.type;
    return {
      key: t.type,
      label: title,
      bars: (["escalated", "expired"] as const).map((k) => ({
        cls: `s-${k}`,
        series: k,
        value: percent(t[k], t.total),
        text: `${percent(t[k], t.total)}% ${k} (${t[k]} of ${t.total})`,
        title: `${title}: ${t[k]} of ${t.total} ${k}`,
      })),
    };
  });
  return rows.length === 0 ? (
    <p class="note">No requests in this window.</p>
  ) : (
    <BarChart
      id="chart-types"
      title="Escalation and expiry rate per request type"
      desc={o.types
        .map(
          (t) =>
            `${labels.typeTitle(t.type) ?? t.type}: ${t.total} requests, ${percent(t.escalated, t.total)}% escalated, ${percent(t.expired, t.total)}% expired.`,
        )
        .join(" ")}
      rows={rows}
      max={100}
    />
  );
};

export const TypesTable: FC<{ o: Overview; labels: Labels }> = ({ o, labels }) => (
  <table class="numbers" data-chart="types">
    <caption>Escalation and expiry per type (share of the type's requests in the window)</caption>
    <thead>
      <tr>
        <th scope="col">Type</th>
        <th scope="col">Requests</th>
        <th scope="col">Escalated</th>
        <th scope="col">Expired</th>
        <th scope="col">Pending</th>
      </tr>
    </thead>
    <tbody>
      {o.types.map((t) => (
        <tr data-type={t.type}>
          <th scope="row">
            <TypeName type={t.type} labels={labels} />
          </th>
          <td class="num">{t.total}</td>
          <td class="num">
            {t.escalated} ({percent(t.escalated, t.total)}%)
          </td>
          <td class="num">
            {t.expired} ({percent(t.expired, t.total)}%)
          </td>
          <td class="num">{t.pending}</td>
        </tr>
      ))}
    </tbody>
  </table>
);
