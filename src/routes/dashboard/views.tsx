/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import { isApiActor } from "../../core/ids";
import type { InstanceView } from "../../core/instances";
import type { Fields } from "../../core/request-source";
import { type AuditEntry, type FilteredRequest, REQUEST_STATUSES, type RequestRow, type RequestStatus, type StoredMessage } from "../../core/store";
import type { Filters } from "./filters";
import { type Labels, People, Person, personText, Requester, TypeName } from "./labels";
import { LIVE_SCRIPT_HASH } from "./live";
import { SlackNotice } from "./slack-notice";
import { CSS } from "./styles";

/**
 * The dashboard's pages, server-rendered with Hono JSX, which escapes every value: request text
 * is shown as text, never markup. One script, for live updates (live.ts).
 */

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const time = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");
/** The query string of the filters that are set. */
export const filterQuery = (f: Partial<Record<string, string | undefined>>) =>
  new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1]))).toString();

/** What a live region carries: where to ask for its next version, the version shown, and whether to keep asking. */
export interface LiveState {
  src: string;
  version: string;
  live: boolean;
  /** Said after an update (the live status line), e.g. "2 pending". */
  summary: string;
}

/** The part of a page that live updates replace (its fragment route renders just this). */
export const LiveRegion: FC<{ state: LiveState; children?: Child }> = ({ state, children }) => (
  <div id="live" data-live-src={state.src} data-version={state.version} data-live={String(state.live)} data-summary={state.summary}>
    {children}
  </div>
);

/** The list: filters, counts by status, the newest matching requests and the export link. */
export const RequestsPage: FC<{
  filters: Filters;
  rows: FilteredRequest[];
  counts: Partial<Record<RequestStatus, number>>;
  labels: Labels;
  live: LiveState;
  standin?: string | undefined;
}> = (props) => (
  <Layout title="Requests" nav="requests" live>
    <FilterForm values={props.filters} labels={props.labels} people={peopleOf(props.rows)} />
    <LiveStatus />
    <RequestsRegion {...props} />
  </Layout>
);

const peopleOf = (rows: FilteredRequest[]) => [
  ...new Set(
    rows.flatMap((r) => [...(r.requester ? [r.requester] : []), ...r.approvers, ...(r.decided_by && !isApiActor(r.decided_by) ? [r.decided_by] : [])]),
  ),
];

export const RequestsRegion: FC<{
  filters: Filters;
  rows: FilteredRequest[];
  counts: Partial<Record<RequestStatus, number>>;
  labels: Labels;
  live: LiveState;
  standin?: string | undefined;
}> = ({ filters: f, rows: shown, counts, labels, live, standin }) => {
  const query = filterQuery(f);
  const total = f.status ? (counts[f.status] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
  const filtered = query !== "";
  return (
    <LiveRegion state={live}>
      <ul class="counts" aria-label="Requests by status">
        {REQUEST_STATUSES.map((s) => (
          <li>
            <a
              href={`/dashboard?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(query)), status: s })}`}
              class={`count ${s}${f.status === s ? " selected" : ""}`}
              aria-current={f.status === s ? "true" : undefined}
            >
              <strong>{counts[s] ?? 0}</strong> {s}
            </a>
          </li>
        ))}
      </ul>
      <p class="summary">
        {shown.length === 0
          ? filtered
            ? "No requests match these filters."
            : "No requests yet."
          : `Showing ${shown.length === total ? "all" : `the newest ${shown.length} of`} ${total} matching request${total === 1 ? "" : "s"}.`}{" "}
        {shown.length > 0 && (
          <a href={`/dashboard/export.csv${query ? `?${query}` : ""}`} class="export">
            Export CSV
          </a>
        )}
        {shown.length === 0 && filtered && (
          <a href="/dashboard" class="export">
            Show all requests
          </a>
        )}
      </p>
      {shown.length === 0 ? (
        <GettingStarted labels={labels} standin={standin} />
      ) : (
        <section class="table-scroll" aria-labelledby="requests-caption" tabindex={0}>
          <table class="requests">
            <caption id="requests-caption" class="visually-hidden">
              Requests, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col">Requester</th>
                <th scope="col">Approvers</th>
                <th scope="col">What</th>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Decided</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={`/dashboard/requests/${r.id}`}>
                      <code>{r.id}</code>
                    </a>
                  </th>
                  <td>
                    <Status status={r.status} />
                  </td>
                  <td>
                    <TypeName type={r.type} labels={labels} />
                  </td>
                  <td>
                    <Requester requester={r.requester} source={r.source} labels={labels} />
                  </td>
                  <td>
                    <People ids={r.approvers} labels={labels} />
                    {r.level > 1 && <span class="note"> (escalated)</span>}
                  </td>
                  <td class="what">{shorten(r.description, 90)}</td>
                  <td class="time">{time(r.created_at)}</td>
                  <td class="decided">
                    {r.decided_by ? <Person id={r.decided_by} labels={labels} /> : r.status === "pending" ? "—" : r.error ? shorten(r.error, 40) : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </LiveRegion>
  );
};

/** What a newcomer needs to make the first request: the command, the types, and the stand-in under `npm run dev`. */
export const GettingStarted: FC<{ labels: Labels; standin?: string | undefined }> = ({ labels, standin }) => (
  <section class="empty" aria-labelledby="start-heading">
    <h2 id="start-heading">Start a request</h2>
    <p>
      In Slack, type <code>/approval @someone what needs approving</code> in any channel, for example <code>/approval @maria Deploy billing-api v2.3</code>. The
      person you name gets a direct message with <strong>Approve</strong> and <strong>Reject</strong>, and the request shows up here.
    </p>
    {labels.types.length > 1 && (
      <p>
        A request can also have a type, which decides who approves it:{" "}
        {labels.types
          .filter((t) => t.name !== "default")
          .map((t, i) => (
            <>
              {i > 0 && ", "}
              <code>/approval {t.name} …</code> ({t.title})
            </>
          ))}
        . <code>/approval</code> alone opens a form.
      </p>
    )}
    {standin && (
      <p>
        Trying it on your machine with <code>npm run dev</code>? Open the Slack stand-in at <a href={standin}>{standin}</a>, type the command there as Alex
        Rivera, then switch to Maria Lopez to approve it.
      </p>
    )}
  </section>
);

/** The list again, with what was wrong with a filter. */
export const InvalidFilterPage: FC<{ values: Record<string, string>; problem: string; action?: string; labels?: Labels | undefined }> = ({
  values,
  problem,
  action,
  labels,
}) => (
  <Layout title={action === "/dashboard/overview" ? "Overview" : "Requests"} nav={action === "/dashboard/overview" ? "overview" : "requests"}>
    <FilterForm values={values} action={action} labels={labels} />
    <p class="problem" role="alert">
      Invalid filter: {problem}
    </p>
  </Layout>
);

/** One request: its record, its workflow instance, its timeline from the audit table and its Slack messages. */
export const RequestPage: FC<{
  row: RequestRow;
  audit: AuditEntry[];
  messages: StoredMessage[];
  workflow: InstanceView | null;
  labels: Labels;
  live: LiveState;
}> = (props) => (
  <Layout title={`Request ${props.row.id}`} nav="requests" live>
    <p>
      <a href="/dashboard">← All requests</a>
    </p>
    <LiveStatus />
    <RequestRegion {...props} />
  </Layout>
);

export const RequestRegion: FC<{
  row: RequestRow;
  audit: AuditEntry[];
  messages: StoredMessage[];
  workflow: InstanceView | null;
  labels: Labels;
  live: LiveState;
}> = ({ row, audit, messages, workflow, labels, live }) => (
  <LiveRegion state={live}>
    <section class="request" aria-labelledby="request-heading">
      <h2 id="request-heading">
        <code>{row.id}</code> <Status status={row.status} />
      </h2>
      <blockquote>{row.description}</blockquote>
      {row.fields && <FieldList fields={row.fields} />}
      <dl>
        <dt>Type</dt>
        <dd>
          <TypeName type={row.type} labels={labels} />
        </dd>
        <dt>Requester</dt>
        <dd>
          <Requester requester={row.requester} source={row.source} labels={labels} />
          {row.source?.url && (
            <>
              {" "}
              (<code>{row.source.url}</code>)
            </>
          )}
        </dd>
        <dt>Approvers</dt>
        <dd>
          <People ids={row.approvers} labels={labels} /> (level {row.level})
        </dd>
        <dt>Decided</dt>
        <dd>
          {row.decided_by ? (
            <>
              by <Person id={row.decided_by} labels={labels} /> at {time(row.decided_at)}
            </>
          ) : row.decided_at ? (
            time(row.decided_at)
          ) : (
            "not yet"
          )}
        </dd>
        {row.action_status && (
          <>
            <dt>Action</dt>
            <dd>
              {row.action_status}
              {row.action_progress !== null && ` (${row.action_progress}%)`}
              {row.action_detail && `: ${row.action_detail}`}
            </dd>
          </>
        )}
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
        <dd>
          {workflow ? `${workflow.status}${workflow.error ? ` (${workflow.error})` : ""}` : "no instance (cleaned up)"}, version {row.workflow_version}
        </dd>
      </dl>
    </section>
    <h2 id="timeline-heading">Timeline</h2>
    <Timeline audit={audit} labels={labels} />
    <h2 id="messages-heading">Slack messages</h2>
    <Messages messages={messages} labels={labels} />
  </LiveRegion>
);

/** The sign-in form: the token goes in a POST body, never in an address. */
export const SignInPage: FC<{ problem?: string | undefined; next: string }> = ({ problem, next }) => (
  <Layout title="Sign in">
    {problem && (
      <p class="problem" role="alert">
        {problem}
      </p>
    )}
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

/** A request's fields (from the API), in the order given. */
const FieldList: FC<{ fields: Fields }> = ({ fields }) => (
  <dl class="fields" aria-label="Fields">
    {Object.entries(fields).map(([name, value]) => (
      <>
        <dt>{name}</dt>
        <dd>{value}</dd>
      </>
    ))}
  </dl>
);

const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`}>{status}</span>;

/** Where the live updates say what they did (read out by screen readers, politely). */
const LiveStatus: FC = () => <p id="live-status" class="live-status" role="status" aria-live="polite" />;

/**
 * Readable words for the audit events of user groups, approvals channels, delegations,
 * Workflow Builder steps and rollbacks (the older events read well as they are).
 */
const EVENT_LABELS: Record<string, string> = {
  "group-expanded": "user group asked",
  "group-unreadable": "user group not readable",
  "channel-posted": "posted in the approvals channel",
  delegated: "delegate asked",
  "step-completed": "workflow step completed",
  "step-not-completed": "workflow step not completed",
  "older-code": "ran on older code (a rollback)",
};

/** An entry's detail, with the people it names by name where the event lists them (a group's members, a delegation's principal). */
const Detail: FC<{ e: AuditEntry; labels: Labels }> = ({ e, labels }) => {
  if (!e.detail) return null;
  if (e.event === "group-expanded") {
    const members = e.detail.split(",").filter(Boolean);
    return (
      <div class="detail">
        {members.length ? (
          <>
            members then: <People ids={members} labels={labels} />
          </>
        ) : (
          "no members"
        )}
      </div>
    );
  }
  const forWhom = /^(for|approve, for|reject, for) ([UW][A-Z0-9]+)(.*)$/.exec(e.detail);
  if ((e.event === "delegated" || e.event === "voted") && forWhom) {
    return (
      <div class="detail">
        {forWhom[1]} <Person id={forWhom[2]!} labels={labels} />
        {forWhom[3]}
      </div>
    );
  }
  return <div class="detail">{e.detail}</div>;
};

const Timeline: FC<{ audit: AuditEntry[]; labels: Labels }> = ({ audit, labels }) =>
  audit.length === 0 ? (
    <p>No audit entries yet.</p>
  ) : (
    <ol class="timeline" aria-labelledby="timeline-heading">
      {audit.map((e) => (
        <li class={`event ${e.event}`}>
          <span class="at">{time(e.at)}</span>
          <strong>{EVENT_LABELS[e.event] ?? e.event}</strong>
          {e.actor && <> {/^[SCG][A-Z0-9]{2,}$/.test(e.actor) ? <code class="group">{e.actor}</code> : <Person id={e.actor} labels={labels} />}</>}
          <Detail e={e} labels={labels} />
        </li>
      ))}
    </ol>
  );

const Messages: FC<{ messages: StoredMessage[]; labels: Labels }> = ({ messages, labels }) =>
  messages.length === 0 ? (
    <p>None recorded.</p>
  ) : (
    <section class="table-scroll" aria-labelledby="messages-caption" tabindex={0}>
      <table>
        <caption id="messages-caption" class="visually-hidden">
          The Slack messages posted for this request
        </caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Person</th>
            <th scope="col">Channel</th>
            <th scope="col">ts</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr>
              <th scope="row">{m.role}</th>
              <td>
                <Person id={m.user_id} labels={labels} />
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
    </section>
  );

/**
 * The filters (the list's, or the overview's without status). Requester and approver take user
 * ids; the people on the page are offered by name as suggestions.
 */
export const FilterForm: FC<{
  values: Partial<Record<keyof Filters, string | undefined>>;
  action?: string | undefined;
  labels?: Labels | undefined;
  people?: string[];
}> = ({ values, action = "/dashboard", labels, people = [] }) => {
  const withStatus = action === "/dashboard";
  const types = labels?.types ?? [];
  return (
    <form class="filters" method="get" action={action} aria-label="Filters">
      {withStatus && (
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
      )}
      <label>
        Type
        <select name="type">
          <option value="">any</option>
          {types.map((t) => (
            <option value={t.name} selected={values.type === t.name}>
              {t.title}
            </option>
          ))}
          {values.type && !types.some((t) => t.name === values.type) && (
            <option value={values.type} selected>
              {values.type}
            </option>
          )}
        </select>
      </label>
      <label>
        Requester
        <input name="requester" value={values.requester ?? ""} placeholder="U0123ABCD" size={12} list="people" autocomplete="off" />
      </label>
      <label>
        Approver
        <input name="approver" value={values.approver ?? ""} placeholder="U0123ABCD" size={12} list="people" autocomplete="off" />
      </label>
      <datalist id="people">
        {labels &&
          people.map((id) => (
            <option value={id} label={personText(labels, id)}>
              {personText(labels, id)}
            </option>
          ))}
      </datalist>
      <label>
        From
        <input type="date" name="from" value={values.from ?? ""} />
      </label>
      <label>
        To
        <input type="date" name="to" value={values.to ?? ""} />
      </label>
      <button type="submit">{withStatus ? "Filter" : "Show"}</button>
      <a href={action} class="reset">
        Reset
      </a>
    </form>
  );
};

export const MessagePage: FC<{ title: string; text: string }> = ({ title, text }) => (
  <Layout title={title}>
    <p>{text}</p>
  </Layout>
);

/**
 * Every page: a skip link, the header with the pages, the title. `live` adds the live-update
 * script, allowed by its hash (the CSP in index.tsx names the same one).
 */
export const Layout: FC<{ title: string; nav?: "requests" | "overview"; live?: boolean; children?: Child }> = ({ title, nav, live, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>{`${title} · Approvals dashboard`}</title>
      <link rel="icon" href="data:," />
      {/* A constant of this file, never user text: it must not be HTML-escaped (quotes in font names). */}
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
      {live && <script src={`/dashboard/live.js?v=${encodeURIComponent(LIVE_SCRIPT_HASH.slice(7, 19))}`} integrity={LIVE_SCRIPT_HASH} defer />}
    </head>
    <body>
      <a href="#main" class="skip">
        Skip to content
      </a>
      <header>
        <a href="/dashboard" class="brand">
          Approvals · audit dashboard
        </a>
        {nav && (
          <nav aria-label="Dashboard">
            <a href="/dashboard" aria-current={nav === "requests" ? "page" : undefined}>
              Requests
            </a>
            <a href="/dashboard/overview" aria-current={nav === "overview" ? "page" : undefined}>
              Overview
            </a>
          </nav>
        )}
      </header>
      <main id="main" tabindex={-1}>
        <SlackNotice />
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);
