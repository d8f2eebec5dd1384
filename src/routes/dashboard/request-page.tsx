/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import type { InstanceView } from "../../core/instances";
import type { Fields } from "../../core/request-source";
import type { AuditEntry, RequestRow, StoredMessage } from "../../core/store";
import { type Labels, People, Person, Requester, TypeName } from "./labels";
import { Layout, LiveRegion, type LiveState, LiveStatus, Status, time } from "./layout";

/** One request: its record, fields, timeline (the audit trail in words) and its Slack messages. */

/** What a request's page shows: the request, its timeline, its Slack messages and its instance. */
type RequestPageProps = {
  row: RequestRow;
  audit: AuditEntry[];
  messages: StoredMessage[];
  workflow: InstanceView | null;
  labels: Labels;
  live: LiveState;
};

/** One request: its record, its workflow instance, its timeline from the audit table and its Slack messages. */
export const RequestPage: FC<RequestPageProps> = (props) => (
  <Layout title={`Request ${props.row.id}`} nav="requests" live>
    <p>
      <a href="/dashboard">← All requests</a>
    </p>
    <LiveStatus />
    <RequestRegion {...props} />
  </Layout>
);

export const RequestRegion: FC<RequestPageProps> = ({ row, audit, messages, workflow, labels, live }) => (
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
