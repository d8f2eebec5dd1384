/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import type { InstanceView } from "../../core/instances";
import { type AuditEntry, type FilteredRequest, REQUEST_STATUSES, type RequestRow, type RequestStatus, type StoredMessage } from "../../core/store";
import type { Filters } from "./filters";
import { SlackNotice } from "./slack-notice";
import { CSS } from "./styles";

/**
 * The dashboard's pages, server-rendered with Hono JSX, which escapes every value: request text
 * is shown as text, never markup. No scripts.
 */

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const time = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");

/** The list: filters, counts by status, the newest matching requests and the export link. */
export const RequestsPage: FC<{ filters: Filters; rows: FilteredRequest[]; counts: Partial<Record<RequestStatus, number>> }> = ({
  filters: f,
  rows: shown,
  counts,
}) => {
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
  const total = f.status ? (counts[f.status] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <Layout title="Requests">
      <FilterForm values={f} />
      <ul class="counts" aria-label="Requests by status">
        {REQUEST_STATUSES.map((s) => (
          <li>
            <a
              href={`/dashboard?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(query)), status: s })}`}
              class={`count ${s}${f.status === s ? " selected" : ""}`}
            >
              <strong>{counts[s] ?? 0}</strong> {s}
            </a>
          </li>
        ))}
      </ul>
      <p class="summary">
        {shown.length === 0
          ? "No requests match."
          : `Showing ${shown.length === total ? "all" : `the newest ${shown.length} of`} ${total} matching request${total === 1 ? "" : "s"}.`}{" "}
        <a href={`/dashboard/export.csv${query ? `?${query}` : ""}`} class="export">
          Export CSV
        </a>
      </p>
      {shown.length > 0 && (
        <table class="requests">
          <thead>
            <tr>
              <th>Request</th>
              <th>Status</th>
              <th>Type</th>
              <th>Requester</th>
              <th>Approvers</th>
              <th>What</th>
              <th>Created (UTC)</th>
              <th>Decided</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr>
                <td>
                  <a href={`/dashboard/requests/${r.id}`}>
                    <code>{r.id}</code>
                  </a>
                </td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>{r.type}</td>
                <td>
                  <code>{r.requester}</code>
                </td>
                <td>
                  {r.approvers.map((a, i) => (
                    <>
                      {i > 0 && ", "}
                      <code>{a}</code>
                    </>
                  ))}
                  {r.level > 1 && <span class="note"> (escalated)</span>}
                </td>
                <td class="what">{shorten(r.description, 90)}</td>
                <td class="time">{time(r.created_at)}</td>
                <td class="time">{r.decided_by ? <code>{r.decided_by}</code> : r.status === "pending" ? "—" : r.error ? shorten(r.error, 40) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
};

/** The list again, with what was wrong with a filter. */
export const InvalidFilterPage: FC<{ values: Record<string, string>; problem: string }> = ({ values, problem }) => (
  <Layout title="Requests">
    <FilterForm values={values} />
    <p class="problem">Invalid filter: {problem}</p>
  </Layout>
);

/** One request: its record, its workflow instance, its timeline from the audit table and its Slack messages. */
export const RequestPage: FC<{ row: RequestRow; audit: AuditEntry[]; messages: StoredMessage[]; workflow: InstanceView | null }> = ({
  row,
  audit,
  messages,
  workflow,
}) => (
  <Layout title={`Request ${row.id}`}>
    <p>
      <a href="/dashboard">← All requests</a>
    </p>
    <section class="request">
      <h2>
        <code>{row.id}</code> <Status status={row.status} />
      </h2>
      <blockquote>{row.description}</blockquote>
      <dl>
        <dt>Requester</dt>
        <dd>
          <code>{row.requester}</code>
        </dd>
        <dt>Approvers</dt>
        <dd>
          {row.approvers.map((a, i) => (
            <>
              {i > 0 && ", "}
              <code>{a}</code>
            </>
          ))}{" "}
          (level {row.level})
        </dd>
        <dt>Decided</dt>
        <dd>
          {row.decided_by ? (
            <>
              by <code>{row.decided_by}</code> at {time(row.decided_at)}
            </>
          ) : row.decided_at ? (
            time(row.decided_at)
          ) : (
            "not yet"
          )}
        </dd>
        {row.error && (
          <>
            <dt>Error</dt>
            <dd class="problem">{row.error}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{time(row.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{time(row.updated_at)}</dd>
        <dt>Workflow</dt>
        <dd>{workflow ? `${workflow.status}${workflow.error ? ` (${workflow.error})` : ""}` : "no instance (cleaned up)"}</dd>
      </dl>
    </section>
    <h2>Timeline</h2>
    <Timeline audit={audit} />
    <h2>Slack messages</h2>
    <Messages messages={messages} />
  </Layout>
);

/** The sign-in form: the token goes in a POST body, never in an address. */
export const SignInPage: FC<{ problem?: string | undefined; next: string }> = ({ problem, next }) => (
  <Layout title="Sign in">
    <h1>Sign in to the dashboard</h1>
    {problem && <p class="error">{problem}</p>}
    <form method="post" action="/dashboard/sign-in" class="filters">
      <input type="hidden" name="next" value={next} />
      <label>
        API token
        <input type="password" name="token" autocomplete="current-password" required />
      </label>
      <button type="submit">Sign in</button>
    </form>
    <p class="note">The API_TOKEN secret. It sets a cookie for this browser for 8 hours; scripts can send Authorization: Bearer … instead.</p>
  </Layout>
);

const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`}>{status}</span>;

const Timeline: FC<{ audit: AuditEntry[] }> = ({ audit }) =>
  audit.length === 0 ? (
    <p>No audit entries yet.</p>
  ) : (
    <ol class="timeline">
      {audit.map((e) => (
        <li class={`event ${e.event}`}>
          <span class="at">{time(e.at)}</span>
          <strong>{e.event}</strong>
          {e.actor && (
            <>
              {" "}
              <code>{e.actor}</code>
            </>
          )}
          {e.detail && <div class="detail">{e.detail}</div>}
        </li>
      ))}
    </ol>
  );

const Messages: FC<{ messages: StoredMessage[] }> = ({ messages }) =>
  messages.length === 0 ? (
    <p>None recorded.</p>
  ) : (
    <table>
      <thead>
        <tr>
          <th>Role</th>
          <th>User</th>
          <th>Channel</th>
          <th>ts</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => (
          <tr>
            <td>{m.role}</td>
            <td>
              <code>{m.user_id}</code>
            </td>
            <td>
              <code>{m.channel}</code>
            </td>
            <td>
              <code>{m.ts}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const FilterForm: FC<{ values: Partial<Record<keyof Filters, string | undefined>> }> = ({ values }) => (
  <form class="filters" method="get" action="/dashboard">
    <label>
      Status
      <select name="status">
        <option value="">any</option>
        {REQUEST_STATUSES.map((s) => (
          <option value={s} selected={values.status === s}>
            {s}
          </option>
        ))}
      </select>
    </label>
    <label>
      Type
      <input name="type" value={values.type ?? ""} placeholder="deploy" size={10} />
    </label>
    <label>
      Requester
      <input name="requester" value={values.requester ?? ""} placeholder="U0123ABCD" size={12} />
    </label>
    <label>
      Approver
      <input name="approver" value={values.approver ?? ""} placeholder="U0123ABCD" size={12} />
    </label>
    <label>
      From
      <input type="date" name="from" value={values.from ?? ""} />
    </label>
    <label>
      To
      <input type="date" name="to" value={values.to ?? ""} />
    </label>
    <button type="submit">Filter</button>
    <a href="/dashboard" class="reset">
      Reset
    </a>
  </form>
);

export const MessagePage: FC<{ title: string; text: string }> = ({ title, text }) => (
  <Layout title={title}>
    <p>{text}</p>
  </Layout>
);

const Layout: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Approvals dashboard`}</title>
      <link rel="icon" href="data:," />
      {/* A constant of this file, never user text: it must not be HTML-escaped (quotes in font names). */}
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
    </head>
    <body>
      <header>
        <a href="/dashboard" class="brand">
          Approvals · audit dashboard
        </a>
      </header>
      <main>
        <SlackNotice />
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);
