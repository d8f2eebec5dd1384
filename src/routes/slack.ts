import { type Context, Hono } from "hono";
import { delegate, delegationState, undelegate } from "../core/delegation";
import { derivedRequestId, requestId } from "../core/ids";
import { isInstanceNotFound } from "../core/instances";
import { log } from "../core/log";
import { requestTypes } from "../core/policy";
import {
  castVote,
  claimCancel,
  decisionBlocker,
  firstDelivery,
  forgetDelivery,
  getRequest,
  refreshFunctionToken,
  requestsBy,
  type VoteResult,
  waitingFor,
} from "../core/store";
import { plainUserText } from "../core/user-text";
import type { AppEnv } from "../env";
import { answerPerson } from "../slack/answer";
import { botClient, workflowTokenClient } from "../slack/bot-client";
import { parseRequestText, parseSubcommand } from "../slack/commands";
import { DELEGATE_USAGE, delegationEndedByYouReply, delegationModal, delegationSetReply, delegationStateReply } from "../slack/delegation-views";
import { commandRequestId } from "../slack/deliveries";
import { homeOpened, publishHome, refreshHomes, setHomeNotice } from "../slack/home";
import type { ClassifiedInteraction, FieldErrors, ReplyTarget } from "../slack/interactions";
import { senderName } from "../slack/payloads";
import {
  alreadyDecidedReply,
  alreadyVotedReply,
  decidedByYouReply,
  decisionRecordedReply,
  delegationEndedReply,
  ephemeral,
  listReply,
  notYourDecisionReply,
  ownRequestReply,
  requestCreatedReply,
  seatTakenReply,
  statusReply,
  tryAgainReply,
  unknownRequestReply,
  unsupportedButtonReply,
  usage,
  voteRecordedReply,
} from "../slack/replies";
import { botTokenProblem, recordInstallationEvent } from "../slack/token-guard";
import { interaction, slackEvent, slashCommand } from "../slack/validators";
import { slackSignature } from "../slack/verify";
import { type Modal, newRequestModal, rejectReasonModal } from "../slack/views";
import { DECISION_EVENT, decisionEvent, type PersonDecision } from "../workflows/approval-params";
import { startFromStep } from "../workflows/start-from-step";
import { startRequest } from "../workflows/start-request";

/**
 * Slack's routes (Slack wants an answer within 3 s: https://docs.slack.dev/interactivity/handling-user-interaction).
 * Each one is thin: verify the signature (middleware), parse and classify at the
 * edge (one validator per route), authorise against D1, then create a workflow instance, send it
 * an event or open a modal, and answer within 3 s.
 */
export const slackRoutes = new Hono<AppEnv>();
slackRoutes.use("*", ...slackSignature());

type Ctx = Context<AppEnv>;
const slackClient = (c: Ctx) => botClient(c.env, { timeoutMs: 2500 });

/** Answers the person after the route has answered Slack (answer.ts: response_url, or their App Home). */
function answerLater(c: Ctx, to: ReplyTarget, body: { text: string }, requestId?: string) {
  c.executionCtx.waitUntil(
    answerPerson(c.env, to, body, requestId).catch((err) =>
      log("warn", "answer not delivered", { ...(requestId ? { requestId } : {}), error: (err as Error).message }),
    ),
  );
}

/**
 * Opens a modal after the route has answered Slack (the trigger_id stays valid for 3 s from the
 * user's action); if Slack refuses, the user gets `fallback` instead.
 * @see https://docs.slack.dev/surfaces/modals
 */
function openModalAfterAck(c: Ctx, triggerId: string, view: Modal, to: ReplyTarget, fallback: { text: string }, workflowToken?: string | null) {
  // A Workflow Builder step's click: its interactivity_pointer is the trigger, opened with its workflow token (as Slack's SDKs do).
  const client = workflowToken ? workflowTokenClient(c.env, workflowToken, { timeoutMs: 2500 }) : slackClient(c);
  c.executionCtx.waitUntil(
    client.call("views.open", { trigger_id: triggerId, view }).catch((err) => {
      log("warn", "views.open failed", { error: (err as Error).message });
      return answerPerson(c.env, to, fallback);
    }),
  );
}

// ---- /approval

slackRoutes.post("/commands", slashCommand, async (c) => {
  const cmd = c.req.valid("form");
  const types = requestTypes(c.env);
  const help = usage(types);
  const text = cmd.text.trim();

  if (!text) {
    // No text: the form. trigger_id is valid for 3 s, so views.open runs here, not in a workflow.
    if (!cmd.trigger_id) return c.json(ephemeral(help));
    const to: ReplyTarget = cmd.response_url ? { via: "response_url", url: cmd.response_url } : { via: "none" };
    openModalAfterAck(c, cmd.trigger_id, newRequestModal(types), to, ephemeral(`:warning: The form could not be opened just now.\n\n${help}`));
    return c.body(null, 200);
  }
  if (/^help$/i.test(text)) return c.json(ephemeral(help));

  const sub = parseSubcommand(text);
  if (sub && sub.kind !== "list" && sub.kind !== "status") return c.json(await onDelegateCommand(c, cmd.user_id, sub));
  if (sub?.kind === "list") {
    const [waiting, mine] = await Promise.all([waitingFor(c.env.DB, cmd.user_id, 15), requestsBy(c.env.DB, cmd.user_id, 15, true)]);
    return c.json(listReply(waiting, mine));
  }
  if (sub?.kind === "status") {
    const id = requestId.safeParse(sub.id);
    if (!id.success) return c.json(ephemeral("Use `/approval status req-…` with a request id."));
    const row = await getRequest(c.env.DB, id.data);
    // Only the requester and the approvers may see a request: descriptions can be sensitive.
    if (!row || (row.requester !== cmd.user_id && !row.approvers.includes(cmd.user_id))) {
      return c.json(ephemeral(`No request \`${id.data}\` that you asked for or can decide.`));
    }
    return c.json(statusReply(row));
  }

  // While Slack's bot token does not work, nobody could be asked: say so instead of starting a request.
  const tokenProblem = await botTokenProblem(c.env);
  if (tokenProblem) return c.json(ephemeral(`:warning: Approvals cannot reach Slack just now. ${tokenProblem.message}. Ask a Slack admin.`));
  const request = parseRequestText(
    text,
    types.map((t) => t.name),
  );
  if (!request.ok) return c.json(ephemeral(`${request.problem}\n\n${help}`));
  // The same delivery twice (a retry) is one request: its id comes from the body Slack signed.
  const started = await startRequest(c.env, {
    requester: cmd.user_id,
    requesterName: senderName(cmd.user_name),
    type: request.type,
    approver: request.approver,
    description: request.description,
    id: await commandRequestId(await c.req.text()),
  });
  if (!started.ok) return c.json(ephemeral(`${started.problem}\n\n${help}`));
  return c.json(requestCreatedReply(started.id, started.approvers, started.quorum));
});

// ---- buttons and modals

slackRoutes.post("/interactions", interaction, async (c) => {
  const payload = c.req.valid("form");
  switch (payload.kind) {
    case "click":
      return onClick(c, payload);
    case "reject_reason":
      return onRejectReason(c, payload);
    case "new_request":
      return onNewRequest(c, payload);
    case "delegation_click":
      return onDelegationClick(c, payload);
    case "delegation_submit":
      return onDelegationSubmit(c, payload);
    case "unsupported_click":
      // An old message after an upgrade, or a button that is not ours: say so, act on nothing.
      log("info", "unsupported button clicked", { user: payload.user, actionId: payload.actionId.slice(0, 100), via: payload.reply.via });
      answerLater(c, payload.reply, unsupportedButtonReply());
      return c.body(null, 200);
    case "options":
      // block_suggestion: none of our selects loads options; an empty list, within 3 s.
      log("info", "options requested for a select that is not ours", { actionId: payload.actionId?.slice(0, 100) ?? null });
      return c.json({ options: [] });
    case "ignored":
      // view_closed, shortcuts, legacy attachment buttons, workflow steps, other apps' views: acked.
      log("info", "interaction acked, not used", { type: payload.type.slice(0, 50), detail: payload.detail });
      return c.body(null, 200);
  }
});

type Click = Extract<ClassifiedInteraction, { kind: "click" }>;

async function onClick(c: Ctx, click: Click) {
  const { requestId: id, user } = click;
  const reply = (body: { text: string }) => answerLater(c, click.reply, body, id);
  const at = new Date().toISOString();
  // A click on a Workflow Builder step's message carries a newer workflow token: the step is completed with the freshest.
  if (click.fn?.token) await refreshFunctionToken(c.env.DB, { executionId: click.fn.executionId, requestId: id, token: click.fn.token, at });

  if (click.action === "cancel") {
    const claim = await claimCancel(c.env.DB, id, user, at);
    if (!claim.ok) {
      if (claim.reason === "closed") reply(alreadyDecidedReply(claim.status, claim.by));
      else if (claim.reason === "not_requester") reply(ephemeral(":no_entry: Only the requester can cancel a request."));
      else reply(unknownRequestReply());
      return c.body(null, 200);
    }
    forwardAfterAnswer(c, id, { decision: "cancel", user, at }, click.reply);
    return c.body(null, 200);
  }

  if (click.action === "reject") {
    // Reject asks for a reason first: check now (no write), decide on submit.
    const blocker = await decisionBlocker(c.env.DB, id, user);
    if (blocker) reply(refusal(blocker, user));
    else if (!click.triggerId) reply(tryAgainReply());
    else openModalAfterAck(c, click.triggerId, rejectReasonModal(id), click.reply, tryAgainReply(), click.fn?.token);
    return c.body(null, 200);
  }

  const vote = await castVote(c.env.DB, id, user, "approve", at);
  if (!vote.ok) {
    reply(refusal(vote, user));
    // A repeat click (the request is decided, or this person has voted) is routine and told to the
    // person: no log line each time (a burst of double clicks made one each). Others are logged.
    if (vote.reason !== "closed" && vote.reason !== "already_voted") log("info", "click refused", { requestId: id, user, reason: vote.reason });
    return c.body(null, 200);
  }
  if (!vote.decisive) {
    // A quorum vote: recorded, the request waits for more approvals.
    reply(voteRecordedReply(vote.approvals, vote.quorum));
    return c.body(null, 200);
  }
  // In a DM the message itself shows the outcome; the Home tab says so at its top.
  forwardAfterAnswer(c, id, { decision: "approve", user, at }, click.reply, click.reply.via === "home" ? decidedByYouReply() : undefined);
  return c.body(null, 200);
}

/** Problems shown next to the modal's inputs (the modal stays open). */
const fieldErrors = (c: Ctx, errors: FieldErrors) => c.json({ response_action: "errors", errors });

async function onRejectReason(c: Ctx, submitted: Extract<ClassifiedInteraction, { kind: "reject_reason" }>) {
  if (!submitted.reason.ok) return fieldErrors(c, submitted.reason.errors);
  const { requestId: id, user } = submitted;
  const { reason } = submitted.reason.value;
  const at = new Date().toISOString();
  if (submitted.fn?.token) await refreshFunctionToken(c.env.DB, { executionId: submitted.fn.executionId, requestId: id, token: submitted.fn.token, at });
  const vote = await castVote(c.env.DB, id, user, "reject", at, reason);
  if (!vote.ok) return fieldErrors(c, { reason: refusal(vote, user).text });
  // The rejection is claimed: it stands even if the workflow cannot be told at once (the modal has no response_url).
  forwardAfterAnswer(c, id, { decision: "reject", user, at, reason }, { via: "none" });
  return c.body(null, 200);
}

async function onNewRequest(c: Ctx, submitted: Extract<ClassifiedInteraction, { kind: "new_request" }>) {
  if (!submitted.request.ok) return fieldErrors(c, submitted.request.errors);
  const { type, approver, description, amount, due } = submitted.request.value;
  const text = [description, amount ? `Amount: ${amount}` : "", due ? `Needed by: ${due}` : ""].filter(Boolean).join("\n");
  // The id comes from the view: submitting the same view twice finds the first request.
  const started = await startRequest(c.env, {
    requester: submitted.user,
    requesterName: submitted.userName,
    type: type === "default" ? undefined : type,
    approver,
    description: plainUserText(text),
    id: await derivedRequestId(`view:${submitted.viewId}`),
  });
  if (!started.ok) return fieldErrors(c, { [started.field]: started.problem });
  return c.body(null, 200);
}

function refusal(r: Exclude<VoteResult, { ok: true }>, clicker: string): { text: string } {
  switch (r.reason) {
    case "seat_taken":
      return seatTakenReply(r.seat, r.by, r.decision, clicker);
    case "delegation_ended":
      return delegationEndedReply(r.principal);
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

// ---- delegation

type DelegateCommand = Extract<NonNullable<ReturnType<typeof parseSubcommand>>, { kind: `delegate${string}` }>;

/** `/approval delegate @bob until 2026-12-24`, `… off`, or alone (what holds now). */
async function onDelegateCommand(c: Ctx, user: string, sub: DelegateCommand) {
  switch (sub.kind) {
    case "delegate_show":
      return delegationStateReply(await delegationState(c.env.DB, user));
    case "delegate_usage":
      return ephemeral(DELEGATE_USAGE);
    case "delegate_off": {
      const ended = await undelegate(c.env.DB, user);
      if (ended) refreshHomesLater(c, [user, ended.delegate]);
      return delegationEndedByYouReply(ended);
    }
    case "delegate": {
      const result = await delegate(c.env.DB, user, sub.to, sub.until);
      if (!result.ok) return ephemeral(`:warning: ${result.problem}\n${DELEGATE_USAGE}`);
      refreshHomesLater(c, [user, sub.to, ...(result.replaced ? [result.replaced.delegate] : [])]);
      return delegationSetReply(result.delegation, result.replaced, result.waiting);
    }
  }
}

/** The App Homes of those a delegation concerns, after the answer (for those who use it). */
function refreshHomesLater(c: Ctx, users: string[]) {
  c.executionCtx.waitUntil(
    refreshHomes(c.env.KV, c.env.DB, slackClient(c), users).catch((err) => log("warn", "homes not refreshed", { error: (err as Error).message })),
  );
}

async function onDelegationClick(c: Ctx, click: Extract<ClassifiedInteraction, { kind: "delegation_click" }>) {
  if (click.action === "set") {
    if (!click.triggerId) answerLater(c, click.reply, tryAgainReply());
    else openModalAfterAck(c, click.triggerId, delegationModal(), click.reply, tryAgainReply());
    return c.body(null, 200);
  }
  const ended = await undelegate(c.env.DB, click.user);
  if (ended) refreshHomesLater(c, [ended.delegate]);
  answerLater(c, click.reply, delegationEndedByYouReply(ended));
  return c.body(null, 200);
}

async function onDelegationSubmit(c: Ctx, submitted: Extract<ClassifiedInteraction, { kind: "delegation_submit" }>) {
  if (!submitted.values.ok) return fieldErrors(c, submitted.values.errors);
  const { delegate: to, until } = submitted.values.value;
  const result = await delegate(c.env.DB, submitted.user, to, until);
  if (!result.ok) return fieldErrors(c, { [result.field]: result.problem.replace(/<@([A-Z0-9]+)>/g, "that person") });
  // The modal closes; the Home says what was set, at its top.
  const answer = delegationSetReply(result.delegation, result.replaced, result.waiting).text;
  c.executionCtx.waitUntil(
    setHomeNotice(c.env.KV, submitted.user, answer)
      .then(() => publishHome(c.env.DB, c.env.KV, slackClient(c), submitted.user))
      .then(() => refreshHomes(c.env.KV, c.env.DB, slackClient(c), [to]))
      .catch((err) => log("warn", "home not published", { error: (err as Error).message })),
  );
  return c.body(null, 200);
}

/**
 * Wakes the workflow after a claim, once Slack has its answer (docs/architecture.md, "Click
 * path"): the claim, made before the answer, is the decision, so what the clicker is shown is
 * already true; the event only wakes the workflow. Slack's advice is the same: acknowledge first,
 * then do the work. `then`: what to tell the clicker once the event is sent (a Home-tab click);
 * if it cannot be sent, they are told the decision is recorded instead.
 * @see https://docs.slack.dev/tools/bolt-js/concepts/acknowledge ("call ack() right away … you only have 3 seconds")
 */
function forwardAfterAnswer(c: Ctx, id: string, event: PersonDecision, to: ReplyTarget, then?: { text: string }) {
  c.executionCtx.waitUntil(
    // One timer tick first: the answer leaves before the event is sent. On the local runtime the
    // woken instance replays on the same thread, and sending at once held the answer back
    // (a decisive click's answer, p50: 110 ms sending first, 22 ms after the tick).
    new Promise((tick) => setTimeout(tick, 0))
      .then(() => forward(c, id, event))
      .then((problem) => {
        const answer = problem ?? then;
        return answer ? answerPerson(c.env, to, answer, id) : undefined;
      })
      .catch((err) => log("warn", "answer not delivered", { requestId: id, error: (err as Error).message })),
  );
}

/**
 * Sends the `decision` event. The claim is the decision and is never given back: an event that
 * fails here may still have been delivered, and a claim given back could let it be read as a
 * click that no longer counts. If the event is not sent (it fails here, or the Worker stops
 * before it runs), the workflow applies the claim when its current wait ends or when maintenance
 * wakes it (a claim pending for minutes), so a claimed click is late at worst, never lost and
 * never undone. Returns null, or what to tell the user.
 */
async function forward(c: Ctx, id: string, event: PersonDecision): Promise<{ text: string } | null> {
  try {
    const instance = await c.env.APPROVAL.get(id);
    await instance.sendEvent({ type: DECISION_EVENT, payload: decisionEvent(event) });
    log("info", "decision forwarded", { requestId: id, user: event.user, decision: event.decision });
    return null;
  } catch (err) {
    log("error", "decision event not delivered; the claim stands and will be applied", {
      requestId: id,
      user: event.user,
      instanceGone: isInstanceNotFound(err),
      error: (err as Error).message,
    });
    return decisionRecordedReply(event.decision);
  }
}

// ---- Events API

/** Slack's retry headers, for the log: a retry of a delivery Slack thinks failed carries them. */
const retryOf = (c: Ctx) => ({ retryNum: c.req.header("x-slack-retry-num") ?? null, retryReason: c.req.header("x-slack-retry-reason") ?? null });

slackRoutes.post("/events", slackEvent, async (c) => {
  const event = c.req.valid("json");
  const ack = () => c.body(null, 200);
  switch (event.kind) {
    case "url_verification":
      return c.json({ challenge: event.challenge });
    case "ignored":
      log("info", "event acked, not used", { type: event.type, eventType: event.eventType, eventId: event.eventId ?? null, why: event.why, ...retryOf(c) });
      return ack();
    case "app_rate_limited":
      log("warn", "Slack rate-limits the app's events", { teamId: event.teamId, minuteRateLimited: event.minuteRateLimited });
      return ack();
  }
  // An event with an effect acts once: a retry (the same event_id) repeats nothing.
  if (event.eventId && !(await firstDelivery(c.env.DB, event.eventId, event.kind))) {
    log("info", "event already handled", { eventId: event.eventId, kind: event.kind, ...retryOf(c) });
    return ack();
  }
  try {
    switch (event.kind) {
      case "function_executed":
        // Our Workflow Builder step ran: start its request (acked within 3 s; one request per step run).
        await startFromStep(c.env, event, c.executionCtx);
        break;
      case "home_opened": {
        const user = event.user;
        c.executionCtx.waitUntil(homeOpened(c.env, user).catch((err) => log("warn", "home not published", { user, error: (err as Error).message })));
        break;
      }
      case "app_uninstalled":
      case "tokens_revoked": {
        const revoked = event.kind === "app_uninstalled" || event.bot.length > 0;
        const detail = event.kind === "tokens_revoked" ? `bot: ${event.bot.join(", ") || "none"}; user tokens: ${event.oauth.length}` : null;
        await recordInstallationEvent(c.env, { event: event.kind, revoked, teamId: event.teamId, enterpriseId: event.enterpriseId, detail });
        log(
          revoked ? "error" : "warn",
          revoked ? "Slack revoked the bot token: Slack steps fail fast until the app is reinstalled" : "Slack revoked user tokens",
          {
            event: event.kind,
            teamId: event.teamId,
            enterpriseId: event.enterpriseId,
            eventId: event.eventId ?? null,
          },
        );
        break;
      }
    }
  } catch (err) {
    // Not handled: forget the event_id, so Slack's retry (it retries a failed delivery) acts.
    if (event.eventId) await forgetDelivery(c.env.DB, event.eventId).catch(() => undefined);
    throw err;
  }
  return ack();
});
