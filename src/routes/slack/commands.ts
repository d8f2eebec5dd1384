import { Hono } from "hono";
import { delegate, delegationState, undelegate } from "../../core/delegation";
import { requestId } from "../../core/ids";
import { requestTypes } from "../../core/policy";
import { getRequest, requestsBy, waitingFor } from "../../core/store";
import type { AppEnv } from "../../env";
import { parseRequestText, parseSubcommand } from "../../slack/commands";
import { DELEGATE_USAGE, delegationEndedByYouReply, delegationSetReply, delegationStateReply } from "../../slack/delegation-views";
import { commandRequestId } from "../../slack/deliveries";
import type { ReplyTarget } from "../../slack/interactions";
import { senderName } from "../../slack/payloads";
import { ephemeral, listReply, requestCreatedReply, statusReply, usage } from "../../slack/replies";
import { botTokenProblem } from "../../slack/token-guard";
import { slashCommand } from "../../slack/validators";
import { newRequestModal } from "../../slack/views";
import { startRequest } from "../../workflows/start-request";

import { type Ctx, openModalAfterAck, refreshHomesLater } from "./shared";

/** `/approval`: a request, its subcommands (status, list, delegate), or the new-request modal. */
export const commandRoutes = new Hono<AppEnv>();

// ---- /approval

commandRoutes.post("/commands", slashCommand, async (c) => {
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
