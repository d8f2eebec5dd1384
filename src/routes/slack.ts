import { Hono, type Context } from "hono";
import { loadConfig } from "../config";
import { newRequestId } from "../core/ids";
import { log } from "../core/log";
import { claimDecision, releaseClaim } from "../core/store";
import {
  alreadyDecidedReply,
  ephemeral,
  notYourDecisionReply,
  requestCreatedReply,
  tryAgainReply,
  unknownRequestReply,
  USAGE,
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

  const text = cmd.text.trim();
  if (!text || /^help$/i.test(text)) return c.json(ephemeral(USAGE));
  const request = parseRequestText(text);
  if (!request.ok) return c.json(ephemeral(`${request.problem}\n\n${USAGE}`));
  if (request.approver === cmd.user_id) return c.json(ephemeral(`You can't approve your own request: ask someone else.\n\n${USAGE}`));

  const id = newRequestId();
  await c.env.APPROVAL.create({
    id,
    params: { requestId: id, requester: cmd.user_id, approver: request.approver, description: request.description, createdAt: new Date().toISOString() },
  });
  log("info", "request created", { requestId: id, requester: cmd.user_id, approver: request.approver });
  return c.json(requestCreatedReply(id, request.approver));
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

  const claim = await claimDecision(c.env.DB, id.data, user, at);
  if (!claim.ok) {
    if (claim.reason === "unknown") reply(unknownRequestReply());
    else if (claim.reason === "not_approver") reply(notYourDecisionReply());
    else reply(alreadyDecidedReply(claim.status, claim.by));
    log("info", "click refused", { requestId: id.data, user, reason: claim.reason });
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
