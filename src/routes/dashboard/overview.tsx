/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import type { Overview, OverviewFilters } from "../../core/store";
import type { Filters } from "./filters";
import type { Labels } from "./labels";
import { filterQuery, Layout } from "./layout";
import { type Chart, dayRows, OUTCOMES } from "./overview-data";
import { DecisionChart, DecisionTable, PerDayChart, PerDayTable, TypesChart, TypesTable } from "./overview-decisions";
import { ActionsChart, ActionsTable, PendingChart, PendingTable } from "./overview-waiting";
import { FilterForm, GettingStarted } from "./requests-page";

export { bucketPosition } from "./overview-decisions";

/**
 * The overview: how requests flow and where they get stuck, as five charts over a window of days
 * (the filters; the last 30 days by default). Each chart has its numbers in a table (in a
 * <details>, open to keyboard and screen reader) and as CSV.
 */

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
