/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import type { Overview } from "../../core/store";
import { BarChart, type BarRow } from "./charts";
import { type Labels, People, Person, personText, Requester, TypeName } from "./labels";
import { shorten, time } from "./layout";
import { ACTION_OUTCOMES, ageSeconds, humanDuration, percent } from "./overview-data";

/** The overview's charts of what is open now: pending requests, oldest first, and the actions' outcomes. */

/** How many pending requests the page lists (the CSV lists more). */
export const PENDING_SHOWN = 12;

const waitingText = (labels: Labels, r: Overview["pending"]["rows"][number]) =>
  r.claimed_by
    ? `decided by ${personText(labels, r.claimed_by)}, closing`
    : r.waiting_for.length
      ? `waits for ${r.waiting_for.map((u) => personText(labels, u)).join(", ")}`
      : "waits for the next level";

export const PendingChart: FC<{ o: Overview; labels: Labels; now: number }> = ({ o, labels, now }) => {
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

export const PendingTable: FC<{ o: Overview; labels: Labels; now: number }> = ({ o, labels, now }) => (
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

export const ActionsChart: FC<{ o: Overview }> = ({ o }) => {
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

export const ActionsTable: FC<{ o: Overview }> = ({ o }) => (
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
