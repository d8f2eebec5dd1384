import { Hono, type Context } from "hono";
import { loadConfig } from "../config";
import { derivedRequestId, requestId as requestIdSchema, SLACK_USER_ID, userId as userIdSchema } from "../core/ids";
import { log } from "../core/log";
import { requestTypes } from "../core/policy";
import { castVote, claimCancel, decisionBlocker, getRequest, releaseClaim, requestsBy, waitingFor, type VoteResult } from "../core/store";
import {
  alreadyDecidedReply,
  alreadyVotedReply,
  ephemeral,
  listReply,
  newRequestModal,
  notYourDecisionReply,
  ownRequestReply,
  rejectReasonModal,
  requestCreatedReply,
  statusReply,
  tryAgainReply,
  unknownRequestReply,
  usage,
  voteRecordedReply,
} from "../slack/blocks";
import { SlackClient } from "../slack/client";
import { homeKey, publishHome } from "../slack/home";
import {
  ACTIONS,
  describeZodError,
  eventsSchema,
  interactionSchema,
  parseRequestText,
  parseSubcommand,
  slashCommandSchema,
  viewValue,
  VIEWS,
  type BlockActions,
  type ViewSubmission,
} from "../slack/payloads";
import type { AppEnv } from "../env";
import { respondEphemeral } from "../slack/respond";
import { slackSignature } from "../slack/verify";
import { DECISION_EVENT, type DecisionEvent } from "../workflows/approval-params";
import { startRequest } from "../workflows/start-request";

/**
 * Slack's routes. Each one is thin: verify the signature (middleware), parse with zod, authorise
 * against D1, then create a workflow instance, send it an event or open a modal, and answer
 * within 3 s.
 */
export const slackRoutes = new Hono<AppEnv>();
slackRoutes.use("*", slackSignature());

type Ctx = Context<AppEnv>;
const badRequest = (c: Ctx, error: string) => c.json({ error }, 400);
const slackClient = (c: Ctx) => {
  const config = loadConfig(c.env);
  return new SlackClient({ token: config.SLACK_BOT_TOKEN, baseUrl: config.SLACK_API_URL, timeoutMs: 2500 });
};

/**
 * Opens a modal after the route has answered Slack (the trigger_id stays valid for 3 s from the
 * user's action); if Slack refuses, the user gets `fallback` ephemerally instead.
 */
function openModalAfterAck(c: Ctx, triggerId: string, view: Record<string, unknown>, responseUrl: string | undefined, fallback: { text: string }) {
  c.executionCtx.waitUntil(
    slackClient(c)
      .call("views.open", { trigger_id: triggerId, view })
      .catch((err) => {
        log("warn", "views.open failed", { error: (err as Error).message });
        return respondEphemeral(responseUrl, loadConfig(c.env).SLACK_API_URL, fallback);
      }),
  );
}

// ---- /approval

slackRoutes.post("/commands", async (c) => {
  const parsed = slashCommandSchema.safeParse(Object.fromEntries(new URLSearchParams(c.get("rawBody"))));
  if (!parsed.success) return badRequest(c, `invalid slash command: ${describeZodError(parsed.error)}`);
  const cmd = parsed.data;
  const types = requestTypes(c.env);
  const help = usage(types);
  const text = cmd.text.trim();

  if (!text) {
    // No text: the form. trigger_id is valid for 3 s, so views.open runs here, not in a workflow.
    if (!cmd.trigger_id) return c.json(ephemeral(help));
    openModalAfterAck(c, cmd.trigger_id, newRequestModal(types), cmd.response_url, ephemeral(`:warning: The form could not be opened just now.\n\n${help}`));
    return c.body(null, 200);
  }
  if (/^help$/i.test(text)) return c.json(ephemeral(help));

  const sub = parseSubcommand(text);
  if (sub?.kind === "list") {
    const [waiting, mine] = await Promise.all([waitingFor(c.env.DB, cmd.user_id, 15), requestsBy(c.env.DB, cmd.user_id, 15, true)]);
    return c.json(listReply(waiting, mine));
  }
  if (sub?.kind === "status") {
    const id = requestIdSchema.safeParse(sub.id);
    if (!id.success) return c.json(ephemeral("Use `/approval status req-…` with a request id."));
    const row = await getRequest(c.env.DB, id.data);
    // Only the requester and the approvers may see a request: descriptions can be sensitive.
    if (!row || (row.requester !== cmd.user_id && !row.approvers.includes(cmd.user_id))) {
      return c.json(ephemeral(`No request \`${id.data}\` that you asked for or can decide.`));
    }
    return c.json(statusReply(row));
  }

  const request = parseRequestText(text, types.map((t) => t.name));
  if (!request.ok) return c.json(ephemeral(`${request.problem}\n\n${help}`));
  const started = await startRequest(c.env, { requester: cmd.user_id, type: request.type, approver: request.approver, description: request.description });
  if (!started.ok) return c.json(ephemeral(`${started.problem}\n\n${help}`));
  return c.json(requestCreatedReply(started.id, started.approvers, started.quorum));
});

// ---- buttons and modals

slackRoutes.post("/interactions", async (c) => {
  const raw = new URLSearchParams(c.get("rawBody")).get("payload");
  if (!raw) return badRequest(c, "missing payload");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return badRequest(c, "payload is not JSON");
  }
  const parsed = interactionSchema.safeParse(json);
  if (!parsed.success) return badRequest(c, `invalid interaction: ${describeZodError(parsed.error)}`);
  const payload = parsed.data;
  if (payload.type === "block_actions") return onButton(c, payload);
  if (payload.type === "view_submission") return onSubmit(c, payload);
  return c.body(null, 200); // view_closed: nothing to do
});

async function onButton(c: Ctx, payload: BlockActions) {
  const action = payload.actions[0]!;
  if (!Object.values(ACTIONS).includes(action.action_id as never)) return badRequest(c, `unknown action ${action.action_id}`);
  // The button's value names the request; nothing else in it is trusted. D1 says who may act.
  const id = requestIdSchema.safeParse(action.value);
  if (!id.success) return badRequest(c, "invalid request id in action value");
  const user = payload.user.id;
  const reply = (body: { text: string }) => c.executionCtx.waitUntil(respondEphemeral(payload.response_url, loadConfig(c.env).SLACK_API_URL, body));
  const at = new Date().toISOString();

  if (action.action_id === ACTIONS.cancel) {
    const claim = await claimCancel(c.env.DB, id.data, user, at);
    if (!claim.ok) {
      if (claim.reason === "closed") reply(alreadyDecidedReply(claim.status, claim.by));
      else if (claim.reason === "not_requester") reply(ephemeral(":no_entry: Only the requester can cancel a request."));
      else reply(unknownRequestReply());
      return c.body(null, 200);
    }
    const problem = await forward(c, id.data, { decision: "cancel", user, at });
    if (problem) reply(problem);
    return c.body(null, 200);
  }

  if (action.action_id === ACTIONS.reject) {
    // Reject asks for a reason first: check now (no write), decide on submit.
    const blocker = await decisionBlocker(c.env.DB, id.data, user);
    if (blocker) {
      reply(refusal(blocker));
      return c.body(null, 200);
    }
    if (!payload.trigger_id) return badRequest(c, "missing trigger_id");
    openModalAfterAck(c, payload.trigger_id, rejectReasonModal(id.data), payload.response_url, tryAgainReply());
    return c.body(null, 200);
  }

  const vote = await castVote(c.env.DB, id.data, user, "approve", at);
  if (!vote.ok) {
    reply(refusal(vote));
    log("info", "click refused", { requestId: id.data, user, reason: vote.reason });
    return c.body(null, 200);
  }
  if (!vote.decisive) {
    // A quorum vote: recorded, the request waits for more approvals.
    reply(voteRecordedReply(vote.approvals, vote.quorum));
    return c.body(null, 200);
  }
  const problem = await forward(c, id.data, { decision: "approve", user, at });
  if (problem) reply(problem);
  return c.body(null, 200);
}

async function onSubmit(c: Ctx, payload: ViewSubmission) {
  const user = payload.user.id;
  const v = payload.view;
  const errors = (fields: Record<string, string>) => c.json({ response_action: "errors", errors: fields });

  if (v.callback_id === VIEWS.rejectReason) {
    const id = requestIdSchema.safeParse(v.private_metadata);
    if (!id.success) return badRequest(c, "invalid request id in private_metadata");
    const reason = viewValue(v, "reason");
    if (!reason || reason.length < 3) return errors({ reason: "Please say why (at least 3 characters)." });
    if (reason.length > 1000) return errors({ reason: "At most 1000 characters." });
    const at = new Date().toISOString();
    const vote = await castVote(c.env.DB, id.data, user, "reject", at, reason);
    if (!vote.ok) return errors({ reason: refusal(vote).text });
    const problem = await forward(c, id.data, { decision: "reject", user, at, reason });
    if (problem) return errors({ reason: problem.text });
    return c.body(null, 200);
  }

  if (v.callback_id === VIEWS.newRequest) {
    const type = viewValue(v, "type");
    const approver = viewValue(v, "approver");
    const description = viewValue(v, "description");
    const amount = viewValue(v, "amount");
    const due = viewValue(v, "due");
    const problems: Record<string, string> = {};
    if (!description) problems.description = "Say what needs approving.";
    else if (description.length > 2000) problems.description = "At most 2000 characters.";
    if (approver && !userIdSchema.safeParse(approver).success) problems.approver = "Pick a person.";
    if (amount && !/^\d{1,12}(\.\d{1,2})?$/.test(amount.replace(/[\s,]/g, ""))) problems.amount = "A number, like 120 or 99.50.";
    if (due && (!/^\d{4}-\d{2}-\d{2}$/.test(due) || due < new Date().toISOString().slice(0, 10))) problems.due = "Pick today or a later date.";
    if (Object.keys(problems).length) return errors(problems);
    const text = [description, amount ? `Amount: ${amount}` : "", due ? `Needed by: ${due}` : ""].filter(Boolean).join("\n");
    // The id comes from the view: submitting the same view twice finds the first request.
    const started = await startRequest(c.env, {
      requester: user,
      type: type === "default" ? undefined : type,
      approver,
      description: text,
      id: await derivedRequestId(`view:${v.id}`),
    });
    if (!started.ok) return errors({ [started.field]: started.problem });
    return c.body(null, 200);
  }
  return badRequest(c, `unknown view ${v.callback_id}`);
}

function refusal(r: Exclude<VoteResult, { ok: true }>): { text: string } {
  switch (r.reason) {
    case "closed":
      return alreadyDecidedReply(r.status, r.by);
    case "already_voted":
      return alreadyVotedReply(r.decision);
    case "own_request":
      return ownRequestReply();
    case "not_approver":
      return notYourDecisionReply();
    default:
      return unknownRequestReply();
  }
}

/**
 * Sends the deciding click to the workflow. If that fails, the claim is given back so the click
 * can be tried again; if even that fails, the claim stays and the workflow decides from D1 when
 * its wait ends (a claim is never lost, only late). Returns null, or what to tell the user.
 */
async function forward(c: Ctx, id: string, event: DecisionEvent & { user: string }): Promise<{ text: string } | null> {
  try {
    const instance = await c.env.APPROVAL.get(id);
    await instance.sendEvent({ type: DECISION_EVENT, payload: event });
    log("info", "decision forwarded", { requestId: id, user: event.user, decision: event.decision });
    return null;
  } catch (err) {
    log("error", "decision not delivered", { requestId: id, user: event.user, error: (err as Error).message });
    try {
      await releaseClaim(c.env.DB, id, event.user);
    } catch (releaseErr) {
      log("error", "claim not released; the workflow will decide from it", { requestId: id, user: event.user, error: (releaseErr as Error).message });
    }
    return /not[._ ]?found/i.test((err as Error).message) ? unknownRequestReply() : tryAgainReply();
  }
}

// ---- Events API (App Home)

slackRoutes.post("/events", async (c) => {
  let json: unknown;
  try {
    json = JSON.parse(c.get("rawBody"));
  } catch {
    return badRequest(c, "body is not JSON");
  }
  const parsed = eventsSchema.safeParse(json);
  if (!parsed.success) return badRequest(c, `invalid event: ${describeZodError(parsed.error)}`);
  const body = parsed.data;
  if (body.type === "url_verification") return c.json({ challenge: body.challenge });

  const event = body.event;
  if (event.type === "app_home_opened" && event.tab === "home" && event.user && SLACK_USER_ID.test(event.user)) {
    const user = event.user;
    // Remember who uses the App Home, so workflows refresh it for them (and nobody else).
    c.executionCtx.waitUntil(
      (async () => {
        await c.env.KV.put(homeKey(user), "1", { expirationTtl: 90 * 86_400 });
        await publishHome(c.env.DB, slackClient(c), user);
      })().catch((err) => log("warn", "home not published", { user, error: (err as Error).message })),
    );
  }
  return c.body(null, 200);
});
