import { Hono, type Context } from "hono";
import { loadConfig } from "../config";
import { newRequestId } from "../core/ids";
import { log } from "../core/log";
import { DEFAULT_TYPE, findType, loadPolicy, resolveLevels } from "../core/policy";
import { castVote, releaseClaim } from "../core/store";
import {
  alreadyDecidedReply,
  alreadyVotedReply,
  ephemeral,
  notYourDecisionReply,
  ownRequestReply,
  requestCreatedReply,
  tryAgainReply,
  unknownRequestReply,
  usage,
  voteRecordedReply,
} from "../slack/blocks";
import {
  DECISION_ACTIONS,
  describeZodError,
  interactionSchema,
  parseRequestText,
  requestId as requestIdSchema,
  slashCommandSchema,
} from "../slack/payloads";
import { respondEphemeral } from "../slack/respond";
import { slackSignature } from "../slack/verify";
import { DECISION_EVENT, type DecisionEvent } from "../workflows/approval-params";
import type { AppEnv } from "./app-env";

/**
 * Slack's routes. Each one is thin: verify the signature (middleware), parse with zod, authorise
 * against D1, then create a workflow instance or send it an event, and answer within 3 s.
 */
export const slackRoutes = new Hono<AppEnv>();
slackRoutes.use("*", slackSignature());

const badRequest = (c: Context<AppEnv>, error: string) => c.json({ error }, 400);

slackRoutes.post("/commands", async (c) => {
  const parsed = slashCommandSchema.safeParse(Object.fromEntries(new URLSearchParams(c.get("rawBody"))));
  if (!parsed.success) return badRequest(c, `invalid slash command: ${describeZodError(parsed.error)}`);
  const cmd = parsed.data;

  const config = loadConfig(c.env);
  const policy = loadPolicy(c.env);
  const typeNames = Object.keys(policy.types).filter((t) => t !== DEFAULT_TYPE);
  const help = usage(typeNames.map((name) => ({ name, title: policy.types[name]!.title })));

  const text = cmd.text.trim();
  if (!text || /^help$/i.test(text)) return c.json(ephemeral(help));
  const request = parseRequestText(text, typeNames);
  if (!request.ok) return c.json(ephemeral(`${request.problem}\n\n${help}`));
  const typeName = request.type ?? DEFAULT_TYPE;
  const type = findType(policy, config, typeName)!;
  const chain = resolveLevels(type, cmd.user_id, request.approver);
  if (!chain.ok) return c.json(ephemeral(`${chain.problem}\n\n${help}`));

  const id = newRequestId();
  await c.env.APPROVAL.create({
    id,
    params: {
      requestId: id,
      type: typeName,
      title: type.title,
      requester: cmd.user_id,
      description: request.description,
      levels: chain.levels,
      allowSelf: type.allowSelfApproval,
      ...(type.action ? { action: type.action } : {}),
      createdAt: new Date().toISOString(),
    },
  });
  const first = chain.levels[0]!;
  log("info", "request created", { requestId: id, type: typeName, requester: cmd.user_id, approvers: first.approvers.join(",") });
  return c.json(requestCreatedReply(id, first.approvers, first.quorum));
});

slackRoutes.post("/interactions", async (c) => {
  const form = new URLSearchParams(c.get("rawBody"));
  const raw = form.get("payload");
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

  const action = payload.actions[0]!;
  const decision = DECISION_ACTIONS[action.action_id as keyof typeof DECISION_ACTIONS];
  if (!decision) return badRequest(c, `unknown action ${action.action_id}`);
  // The button's value names the request; nothing else in it is trusted. D1 says who may decide.
  const id = requestIdSchema.safeParse(action.value);
  if (!id.success) return badRequest(c, "invalid request id in action value");

  const user = payload.user.id;
  const at = new Date().toISOString();
  const reply = (body: { text: string }) =>
    c.executionCtx.waitUntil(respondEphemeral(payload.response_url, loadConfig(c.env).SLACK_API_URL, body));

  const vote = await castVote(c.env.DB, id.data, user, decision, at);
  if (!vote.ok) {
    if (vote.reason === "closed") reply(alreadyDecidedReply(vote.status, vote.by));
    else if (vote.reason === "already_voted") reply(alreadyVotedReply(vote.decision));
    else if (vote.reason === "own_request") reply(ownRequestReply());
    else if (vote.reason === "not_approver") reply(notYourDecisionReply());
    else reply(unknownRequestReply());
    log("info", "click refused", { requestId: id.data, user, reason: vote.reason });
    return c.body(null, 200);
  }
  if (!vote.decisive) {
    // A quorum vote: recorded, the request waits for more approvals.
    reply(voteRecordedReply(vote.approvals, vote.quorum));
    log("info", "vote recorded", { requestId: id.data, user, approvals: vote.approvals, quorum: vote.quorum });
    return c.body(null, 200);
  }

  try {
    const instance = await c.env.APPROVAL.get(id.data);
    const event: DecisionEvent = { decision, user, at };
    await instance.sendEvent({ type: DECISION_EVENT, payload: event });
  } catch (err) {
    // Give the claim back so the click (or another approver's) can be tried again.
    await releaseClaim(c.env.DB, id.data, user);
    const notFound = /not[._ ]?found/i.test((err as Error).message);
    reply(notFound ? unknownRequestReply() : tryAgainReply());
    log("error", "decision not delivered", { requestId: id.data, user, error: (err as Error).message });
    return c.body(null, 200);
  }
  log("info", "decision forwarded", { requestId: id.data, user, decision });
  return c.body(null, 200);
});
