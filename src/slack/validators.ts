import type { Context } from "hono";
import { validator } from "hono/validator";
import { classifyEvent, eventBodySchema } from "./events";
import { classifyInteraction } from "./interactions";
import { describeZodError, interactionSchema, slashCommandSchema } from "./payloads";

/**
 * One validator per Slack route (Hono's validator over the body the signature middleware
 * verified): the route reads the typed result with `c.req.valid(…)`. What no Slack request
 * looks like is answered 400 with a short reason.
 */

const refuse = (c: Context, error: string) => c.json({ error }, 400);

/** POST /slack/commands: a slash command, as form fields. */
export const slashCommand = validator("form", (form, c) => {
  const parsed = slashCommandSchema.safeParse(form);
  return parsed.success ? parsed.data : refuse(c, `invalid slash command: ${describeZodError(parsed.error)}`);
});

/** POST /slack/interactions: the `payload` field (JSON), classified into what the route does. */
export const interaction = validator("form", (form, c) => {
  const raw = form.payload;
  if (typeof raw !== "string" || !raw) return refuse(c, "missing payload");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return refuse(c, "payload is not JSON");
  }
  const parsed = interactionSchema.safeParse(json);
  if (!parsed.success) return refuse(c, `invalid interaction: ${describeZodError(parsed.error)}`);
  return classifyInteraction(parsed.data);
});

/** POST /slack/events: an Events API body (JSON); anything with a `type` is Slack's, and classified (events.ts). */
export const slackEvent = validator("json", (json, c) => {
  const parsed = eventBodySchema.safeParse(json);
  return parsed.success ? classifyEvent(parsed.data) : refuse(c, `not an Events API body: ${describeZodError(parsed.error)}`);
});
