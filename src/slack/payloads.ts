import { z } from "zod";

/** Slack ids: users (U/W), channels (C/D/G), teams (T/E). */
export const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "not a Slack user id");
const channelId = z.string().regex(/^[CDG][A-Z0-9]{2,}$/, "not a Slack channel id");
/** Request ids are our workflow instance ids. */
export const requestId = z.string().regex(/^req-[a-z0-9]{12}$/, "not a request id");

/** A slash command, as Slack posts it (application/x-www-form-urlencoded). */
export const slashCommandSchema = z.object({
  command: z.string().startsWith("/"),
  text: z.string().max(4000).default(""),
  user_id: userId,
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const DESCRIPTION_MAX = 2000;

export type ParsedRequestText =
  | { ok: true; type: string | undefined; approver: string | undefined; description: string }
  | { ok: false; problem: string };

/**
 * `/approval [type] [<@U123|maria>] what needs approving`. Slack escapes user mentions as
 * <@U123|name> (or <@U123>) when the command has should_escape. The first word is a type only
 * when it is one of `types`.
 */
export function parseRequestText(text: string, types: string[]): ParsedRequestText {
  let rest = text.trim();
  let type: string | undefined;
  const firstWord = /^([a-z][a-z0-9-]*)(?:\s+|$)/i.exec(rest);
  if (firstWord && types.includes(firstWord[1]!.toLowerCase())) {
    type = firstWord[1]!.toLowerCase();
    rest = rest.slice(firstWord[0].length);
  }
  let approver: string | undefined;
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s*/.exec(rest);
  if (m) {
    approver = m[1];
    rest = rest.slice(m[0].length);
  } else if (!type) {
    return { ok: false, problem: "Start with the approver as a mention, like `@maria`." };
  }
  const description = rest.trim();
  if (!description) return { ok: false, problem: "Say what needs approving after the approver." };
  if (description.length > DESCRIPTION_MAX) {
    return { ok: false, problem: `The description is too long (${description.length} characters, at most ${DESCRIPTION_MAX}).` };
  }
  return { ok: true, type, approver, description };
}

export const DECISION_ACTIONS = { approval_approve: "approve", approval_reject: "reject" } as const;
export type Decision = (typeof DECISION_ACTIONS)[keyof typeof DECISION_ACTIONS];

const blockAction = z.object({
  action_id: z.string(),
  value: z.string().max(2000).optional(),
  action_ts: z.string().optional(),
});

/** An interactive message click (type block_actions). Other fields Slack sends are ignored. */
export const blockActionsSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: userId, name: z.string().optional(), username: z.string().optional() }),
  team: z.object({ id: z.string() }).nullable().optional(),
  channel: z.object({ id: channelId }).optional(),
  container: z.object({ type: z.string(), channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
  actions: z.array(blockAction).min(1),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** Every interaction payload the route accepts (more types join this union later). */
export const interactionSchema = z.discriminatedUnion("type", [blockActionsSchema]);
export type Interaction = z.infer<typeof interactionSchema>;

/** Turns a zod error into one short line for a 400 answer. */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid payload";
  const path = first.path.length ? `${first.path.join(".")}: ` : "";
  return `${path}${first.message}`;
}
