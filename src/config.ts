import { z } from "zod";
import type { Env } from "./env";

/** A Workflows duration such as "30 seconds", "4 hours" or "1 day". */
const duration = z
  .string()
  .trim()
  .regex(/^\d+ (second|minute|hour|day|week)s?$/, 'expected a duration like "30 minutes", "4 hours" or "2 days"')
  .transform((s) => s as WorkflowDurationLabel);

type WorkflowDurationLabel = `${number} ${"second" | "minute" | "hour" | "day" | "week"}${"" | "s"}`;

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "expected a Slack user id such as U0123ABCD");

const schema = z.object({
  SLACK_SIGNING_SECRET: z.string({ error: "is missing" }).min(8, "is too short"),
  SLACK_BOT_TOKEN: z.string({ error: "is missing" }).min(8, "is too short"),
  API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .default("https://slack.com/api/")
    .transform((u) => (u.endsWith("/") ? u : `${u}/`)),
  APPROVAL_TIMEOUT: duration.default("24 hours"),
  ESCALATION_TIMEOUT: duration.default("24 hours"),
  // Empty means "no escalation": the request expires after APPROVAL_TIMEOUT.
  ESCALATION_USER: z
    .union([z.literal(""), slackUserId])
    .default("")
    .transform((v) => v || undefined),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

const cache = new WeakMap<object, Config>();

/** Validates the settings once per env object; throws a ConfigError naming every bad setting. */
export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((k) => {
      const v = (env as unknown as Record<string, unknown>)[k];
      // An empty string in wrangler.toml or --var means "use the default" for optional settings.
      return [k, v === "" && k !== "ESCALATION_USER" ? undefined : v];
    }),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
