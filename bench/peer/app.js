// The peer: the approval bot a team would otherwise build on Node, for the side-by-side benchmark
// (bench/peer-compare.js). A @slack/bolt App on its HTTPReceiver (Bolt verifies every signature),
// state in one SQLite file (store.js: a committed write per request and per vote, the claim
// decides), Slack's Web API through Bolt's client (the Slack stand-in here), and escalation by
// in-process timers: setTimeout, armed when a request is created, as the open-source approval
// bots do it. PEER_REARM=1 re-arms the timers of undecided requests from SQLite at start (the
// obvious fix, measured beside it). It does what ours does on the paths the benchmark drives:
// `/approval [type] @approver text` creates a request and DMs the approver; Approve records the
// vote and the claim, answers, then updates the approver's DM and tells the requester; a second
// click is answered "already decided" through the click's response_url; an undecided level
// escalates to the next level's approvers, and the last one expires.
// Settings (environment): PORT, PEER_DB, SLACK_API_URL, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
// POLICY_JSON (ours' format: types with levels of approvers and waits), APPROVAL_TIMEOUT,
// ESCALATION_USER, ESCALATION_TIMEOUT (ours' defaults for a request without a type), PEER_REARM.
import { randomUUID } from "node:crypto";
import bolt from "@slack/bolt";
import { openStore } from "./store.js";

const env = process.env;
const store = openStore(env.PEER_DB ?? "peer.sqlite");

/** "30 seconds", "2 minutes", "1 hour", "1 day" (ours' duration labels) in ms. */
function durationMs(label) {
  const m = /^(\d+)\s*(second|minute|hour|day)s?$/.exec(String(label).trim());
  if (!m) throw new Error(`bad duration ${label}`);
  return Number(m[1]) * { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2]];
}

const policy = JSON.parse(env.POLICY_JSON || '{"types":{}}');
/** The levels of a request of `type` whose level 1 is `approver` (as ours resolves a chain, without quorums). */
function levelsFor(type, approver) {
  const t = type ? policy.types[type] : undefined;
  const levels = t
    ? t.levels.map((l) => ({ approvers: l.approvers ?? [], waitMs: durationMs(l.wait) }))
    : [
        { approvers: [], waitMs: durationMs(env.APPROVAL_TIMEOUT || "24 hours") },
        ...(env.ESCALATION_USER ? [{ approvers: [env.ESCALATION_USER], waitMs: durationMs(env.ESCALATION_TIMEOUT || "24 hours") }] : []),
      ];
  if (levels[0].approvers.length === 0) levels[0].approvers = [approver];
  return levels;
}

const app = new bolt.App({
  signingSecret: env.SLACK_SIGNING_SECRET,
  endpoints: ["/slack/commands", "/slack/interactions", "/slack/events"],
  // One workspace, one bot token: no auth.test per request.
  authorize: async () => ({ botToken: env.SLACK_BOT_TOKEN, botId: "B0PEER", botUserId: "U0PEERBOT" }),
  clientOptions: { slackApiUrl: env.SLACK_API_URL },
  logLevel: bolt.LogLevel.ERROR,
});
const client = new bolt.webApi.WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL, logLevel: bolt.LogLevel.ERROR });

const section = (text) => ({ type: "section", text: { type: "mrkdwn", text } });
const summary = (r) => `*Approval request* from <@${r.requester}> \`${r.id}\`\n${r.description}`;
function requestBlocks(r) {
  const button = (action, text, style) => ({ type: "button", action_id: `approval_${action}`, text: { type: "plain_text", text }, style, value: r.id });
  return [
    section(summary(r)),
    { type: "actions", block_id: "decision", elements: [button("approve", "Approve", "primary"), button("reject", "Reject", "danger")] },
  ];
}

/** Pending timers by request id: the only record of when a level runs out. */
const timers = new Map();
function arm(id, ms) {
  clearTimeout(timers.get(id));
  timers.set(
    id,
    setTimeout(() => timeUp(id).catch((err) => console.error(`timer of ${id}: ${err.message}`)), Math.max(0, ms)),
  );
}

async function notify(r, level, users) {
  for (const user of users) {
    const posted = await client.chat.postMessage({ channel: user, text: `Approval request from <@${r.requester}>`, blocks: requestBlocks(r) });
    store.recordMessage(r.id, `L${level}-${user}`, posted.channel, posted.ts);
  }
}

/** A level ran out: escalate to the next level's approvers, or expire after the last. */
async function timeUp(id) {
  timers.delete(id);
  const r = store.get(id);
  if (r?.status !== "pending" || r.claimed_by) return;
  const next = r.levels[r.level];
  if (next) {
    const approvers = [...new Set([...r.approvers, ...next.approvers])];
    if (!store.escalate(id, r.level + 1, approvers, Date.now() + next.waitMs)) return;
    arm(id, next.waitMs);
    await notify(
      r,
      r.level + 1,
      next.approvers.filter((a) => !r.approvers.includes(a)),
    );
  } else if (store.expire(id)) {
    await showEverywhere(id, section(`${summary(r)}\n*Expired*: nobody decided in time.`));
  }
}

async function showEverywhere(id, block) {
  for (const m of store.messages(id)) await client.chat.update({ channel: m.channel, ts: m.ts, text: "Approval request", blocks: [block] });
}

app.command("/approval", async ({ command, ack }) => {
  const m = /^(?:([a-z][a-z0-9-]*)\s+)?<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s+([\s\S]+)$/.exec(command.text.trim());
  const type = m?.[1] && Object.hasOwn(policy.types, m[1]) ? m[1] : undefined;
  if (!m || (m[1] && !type)) return ack({ response_type: "ephemeral", text: "Usage: `/approval [type] @approver what needs approving`" });
  if (m[2] === command.user_id) return ack({ response_type: "ephemeral", text: "You can't approve your own request." });
  const levels = levelsFor(type, m[2]);
  const r = {
    id: `req-${randomUUID().replace(/-/g, "").slice(0, 12)}`,
    requester: command.user_id,
    description: m[3],
    levels,
    approvers: levels[0].approvers,
    createdAt: Date.now(),
    waitUntil: Date.now() + levels[0].waitMs,
  };
  store.create(r);
  await ack({ response_type: "ephemeral", text: `Request \`${r.id}\` sent to <@${m[2]}>.` });
  arm(r.id, levels[0].waitMs);
  await notify(r, 1, levels[0].approvers);
});

app.action("approval_approve", async ({ action, body, ack, respond }) => {
  const id = action.value;
  const user = body.user.id;
  const result = store.approve(id, user, Date.now());
  await ack();
  if (!result.ok) {
    const r = result.request;
    const text =
      result.reason === "closed"
        ? `\`${id}\` was already ${r.status}${r.claimed_by ? ` by <@${r.claimed_by}>` : ""}.`
        : result.reason === "unknown"
          ? "No such request."
          : "This decision is not yours to make.";
    await respond({ response_type: "ephemeral", replace_original: false, text });
    return;
  }
  clearTimeout(timers.get(id));
  timers.delete(id);
  const r = result.request;
  await showEverywhere(id, section(`${summary(r)}\n*Approved* by <@${user}>`));
  await client.chat.postMessage({ channel: r.requester, text: `Your request \`${id}\` was approved by <@${user}>.` });
});

app.action(/^approval_(?!approve$)/, async ({ ack, respond }) => {
  await ack();
  await respond({ response_type: "ephemeral", replace_original: false, text: "The peer only takes Approve." });
});

app.error(async (err) => console.error(`peer: ${err.message}`));

if (env.PEER_REARM === "1") for (const w of store.waiting()) arm(w.id, w.wait_until - Date.now());
await app.start(Number(env.PORT));
process.stdout.write(`ready http://127.0.0.1:${env.PORT}\n`);
