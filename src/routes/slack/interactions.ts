import { Hono } from "hono";
import { delegate, undelegate } from "../../core/delegation";
import { derivedRequestId } from "../../core/ids";
import { log } from "../../core/log";
import { castVote, claimCancel, decisionBlocker, refreshFunctionToken, type VoteResult } from "../../core/store";
import { plainUserText } from "../../core/user-text";
import type { AppEnv } from "../../env";
import { delegationEndedByYouReply, delegationModal, delegationSetReply } from "../../slack/delegation-views";
import { publishHome, refreshHomes, setHomeNotice } from "../../slack/home";
import type { ClassifiedInteraction, FieldErrors } from "../../slack/interactions";
import {
  alreadyDecidedReply,
  alreadyVotedReply,
  decidedByYouReply,
  delegationEndedReply,
  ephemeral,
  notYourDecisionReply,
  ownRequestReply,
  seatTakenReply,
  tryAgainReply,
  unknownRequestReply,
  unsupportedButtonReply,
  voteRecordedReply,
} from "../../slack/replies";
import { interaction } from "../../slack/validators";
import { rejectReasonModal } from "../../slack/views";
import { startRequest } from "../../workflows/start-request";

import { answerLater, type Ctx, forwardAfterAnswer, openModalAfterAck, refreshHomesLater, slackClient } from "./shared";

/** Buttons and modals: a decision's click, the reject reason, the new-request form, the delegation modal. */
export const interactionRoutes = new Hono<AppEnv>();

// ---- buttons and modals

interactionRoutes.post("/interactions", interaction, async (c) => {
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
