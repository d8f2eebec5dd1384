/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import type { Overview, OverviewFilters } from "../../core/store";
import { BarChart, type BarRow, type Column, ColumnChart, type Marker } from "./charts";
import type { Filters } from "./filters";
import { type Labels, People, Person, personText, Requester, TypeName } from "./labels";
import { ACTION_OUTCOMES, ageSeconds, BUCKETS, type Chart, type DayRow, dayRows, humanDuration, OUTCOMES, percent } from "./overview-data";
import { FilterForm, filterQuery, GettingStarted, Layout, time } from "./views";

/**
 * The overview: how requests flow and where they get stuck, as five charts over a window of days
 * (the filters; the last 30 days by default). Each chart has its numbers in a table (in a
 * <details>, open to keyboard and screen reader) and as CSV.
 */

/** How many pending requests the page lists (the CSV lists more). */
export const PENDING_SHOWN = 12;

export const OverviewPage: FC<{
  filters: Filters;
  window: OverviewFilters;
  overview: Overview;
  labels: Labels;
  now: number;
  standin?: string | undefined;
}> = ({ filters, window: w, overview: o, labels, now, standin }) => {
  const days = dayRows(o.perDay, w.from, w.to);
  const total = days.reduce((a, d) => a + d.total, 0);
  const query = filterQuery({ ...filters, status: undefined, from: w.from, to: w.to });
  const csv = (chart: Chart) => `/dashboard/overview.csv?${new URLSearchParams({ chart, ...Object.fromEntries(new URLSearchParams(query)) })}`;
  const people = [...new Set(o.pending.rows.flatMap((r) => [...(r.requester ? [r.requester] : []), ...r.waiting_for]))];
  return (
    <Layout title="Overview" nav="overview">
      <FilterForm values={{ ...filters, from: w.from, to: w.to }} action="/dashboard/overview" labels={labels} people={people} />
      <p class="summary">
        {total} request{total === 1 ? "" : "s"} created from {w.from} to {w.to} (UTC days), {o.pending.total} pending now.{" "}
        <a href={`/dashboard?${query}`}>List them</a>
      </p>
      {total === 0 && o.pending.total === 0 && <GettingStarted labels={labels} standin={standin} />}
      <ChartSection id="per-day" heading="Requests per day, by outcome" csv={csv("per-day")} table={<PerDayTable days={days} />}>
        <PerDayChart days={days} total={total} />
        <Legend items={OUTCOMES.map((s) => ({ cls: `s-${s}`, label: s }))} />
      </ChartSection>
      <ChartSection
        id="decision-time"
        heading="Time to decision"
        csv={csv("decision-time")}
        extraCsv={{ href: csv("decision-percentiles"), label: "Percentiles as CSV" }}
        table={<DecisionTable o={o} />}
      >
        <DecisionChart o={o} />
      </ChartSection>
      <ChartSection id="types" heading="Escalation and expiry by type" csv={csv("types")} table={<TypesTable o={o} labels={labels} />}>
        <TypesChart o={o} labels={labels} />
        <Legend
          items={[
            { cls: "s-escalated", label: "escalated" },
            { cls: "s-expired", label: "expired" },
          ]}
        />
      </ChartSection>
      <ChartSection id="pending" heading="Pending now, oldest first" csv={csv("pending")} table={<PendingTable o={o} labels={labels} now={now} />}>
        <PendingChart o={o} labels={labels} now={now} />
      </ChartSection>
      <ChartSection id="actions" heading="Action outcomes" csv={csv("actions")} table={<ActionsTable o={o} />}>
        <ActionsChart o={o} />
      </ChartSection>
    </Layout>
  );
};

const ChartSection: FC<{ id: string; heading: string; csv: string; extraCsv?: { href: string; label: string }; table: Child; children?: Child }> = ({
  id,
  heading,
  csv,
  extraCsv,
  table,
  children,
}) => (
  <section class="chart-section" aria-labelledby={`${id}-heading`} id={`section-${id}`}>
    <h2 id={`${id}-heading`}>{heading}</h2>
    <figure>{children}</figure>
    <details>
      <summary>The numbers as a table</summary>
      <section class="table-scroll" aria-label={`${heading}: the numbers`} tabindex={0}>
        {table}
      </section>
    </details>
    <p class="csv-links">
      <a href={csv} class="csv">
        CSV
      </a>
      {extraCsv && (
        <>
          {" · "}
          <a href={extraCsv.href} class="csv">
            {extraCsv.label}
          </a>
        </>
      )}
    </p>
  </section>
);

const Legend: FC<{ items: { cls: string; label: string }[] }> = ({ items }) => (
  <ul class="legend" aria-hidden="true">
    {items.map((i) => (
      <li>
        <span class={`swatch ${i.cls}`} />
        {i.label}
      </li>
    ))}
  </ul>
);

const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");

const PerDayChart: FC<{ days: DayRow[]; total: number }> = ({ days, total }) => {
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

const PerDayTable: FC<{ days: DayRow[] }> = ({ days }) => (
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

const DecisionChart: FC<{ o: Overview }> = ({ o }) => {
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

const DecisionTable: FC<{ o: Overview }> = ({ o }) => {
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

const TypesChart: FC<{ o: Overview; labels: Labels }> = ({ o, labels }) => {
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

const TypesTable: FC<{ o: Overview; labels: Labels }> = ({ o, labels }) => (
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

const waitingText = (labels: Labels, r: Overview["pending"]["rows"][number]) =>
  r.claimed_by
    ? `decided by ${personText(labels, r.claimed_by)}, closing`
    : r.waiting_for.length
      ? `waits for ${r.waiting_for.map((u) => personText(labels, u)).join(", ")}`
      : "waits for the next level";

const PendingChart: FC<{ o: Overview; labels: Labels; now: number }> = ({ o, labels, now }) => {
  const shown = o.pending.rows.slice(0, PENDING_SHOWN);
  if (shown.length === 0) return <p class="note">Nothing is pending.</p>;
  const ages = shown.map((r) => ageSeconds(r.created_at, now));
  const rows: BarRow[] = shown.map((r, i) => ({
    key: r.id,
    label: r.description,
    note: waitingText(labels, r),
    bars: [
      { cls: "s-pending", series: "age", value: Math.round(ages[i]!), text: humanDuration(ages[i]!), title: `${r.id}: pending for ${humanDuration(ages[i]!)}` },
    ],
  }));
  const oldest = shown[0]!;
  return (
    <BarChart
      id="chart-pending"
      title="Pending requests by age, oldest first"
      desc={`${o.pending.total} pending. The oldest, ${oldest.id} (${shorten(oldest.description, 60)}), has waited ${humanDuration(ages[0]!)} and ${waitingText(labels, oldest)}.${
        o.pending.total > shown.length ? ` The ${shown.length} oldest are shown.` : ""
      }`}
      rows={rows}
      max={Math.max(...ages)}
    />
  );
};

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const PendingTable: FC<{ o: Overview; labels: Labels; now: number }> = ({ o, labels, now }) => (
  <table class="numbers" data-chart="pending">
    <caption>
      Pending requests, oldest first
      {o.pending.total > o.pending.rows.length ? ` (the ${o.pending.rows.length} oldest of ${o.pending.total}; the CSV has more)` : ""}
    </caption>
    <thead>
      <tr>
        <th scope="col">Request</th>
        <th scope="col">Waiting</th>
        <th scope="col">Waits for</th>
        <th scope="col">Type</th>
        <th scope="col">Requester</th>
        <th scope="col">What</th>
        <th scope="col">Expires (UTC)</th>
      </tr>
    </thead>
    <tbody>
      {o.pending.rows.map((r) => (
        <tr data-id={r.id}>
          <th scope="row">
            <a href={`/dashboard/requests/${r.id}`}>
              <code>{r.id}</code>
            </a>
          </th>
          <td class="num">{humanDuration(ageSeconds(r.created_at, now))}</td>
          <td>
            {r.claimed_by ? (
              <>
                decided by <Person id={r.claimed_by} labels={labels} />, closing
              </>
            ) : (
              <People ids={r.waiting_for} labels={labels} />
            )}
            {r.level > 1 && <span class="note"> (level {r.level})</span>}
          </td>
          <td>
            <TypeName type={r.type} labels={labels} />
          </td>
          <td>
            <Requester requester={r.requester} source={r.source} labels={labels} />
          </td>
          <td class="what">{shorten(r.description, 80)}</td>
          <td class="time">{time(r.expires_at)}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const ActionsChart: FC<{ o: Overview }> = ({ o }) => {
  if (o.actions.length === 0) return <p class="note">No approved request in this window had an action.</p>;
  const byStatus = new Map(o.actions.map((a) => [a.status, a.n]));
  const shown = ACTION_OUTCOMES.filter((s) => byStatus.has(s));
  const total = o.actions.reduce((a, b) => a + b.n, 0);
  const rows: BarRow[] = shown.map((s) => {
    const n = byStatus.get(s)!;
    return { key: s, label: s, bars: [{ cls: `a-${s}`, series: s, value: n, text: `${n} (${percent(n, total)}%)`, title: `${n} ${s}` }] };
  });
  return (
    <BarChart
      id="chart-actions"
      title="Outcomes of the actions of approved requests"
      desc={`${total} actions: ${shown.map((s) => `${byStatus.get(s)} ${s}`).join(", ")}.`}
      rows={rows}
      max={Math.max(...o.actions.map((a) => a.n))}
    />
  );
};

const ActionsTable: FC<{ o: Overview }> = ({ o }) => (
  <table class="numbers" data-chart="actions">
    <caption>Action outcomes</caption>
    <thead>
      <tr>
        <th scope="col">Outcome</th>
        <th scope="col">Requests</th>
      </tr>
    </thead>
    <tbody>
      {o.actions.map((a) => (
        <tr>
          <th scope="row">{a.status}</th>
          <td class="num">{a.n}</td>
        </tr>
      ))}
    </tbody>
  </table>
);
