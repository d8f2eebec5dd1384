/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import { isApiActor } from "../../core/ids";
import { type FilteredRequest, REQUEST_STATUSES, type RequestStatus } from "../../core/store";
import type { Filters } from "./filters";
import { type Labels, People, Person, personText, Requester, TypeName } from "./labels";
import { filterQuery, Layout, LiveRegion, type LiveState, LiveStatus, Status, shorten, time } from "./layout";

/** What the requests list shows: the filters, the counts by status, the matching rows. */
type RequestsPageProps = {
  filters: Filters;
  rows: FilteredRequest[];
  counts: Partial<Record<RequestStatus, number>>;
  labels: Labels;
  live: LiveState;
  standin?: string | undefined;
};

/** The requests list: its filters, counts by status, the newest matching requests, the export link and the empty state. */
export const RequestsPage: FC<RequestsPageProps> = (props) => (
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

export const RequestsRegion: FC<RequestsPageProps> = ({ filters: f, rows: shown, counts, labels, live, standin }) => {
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
