import { z } from "zod";
import { duration } from "./core/duration";
import { configuredUserId } from "./core/ids";
import type { Env } from "./env";

const schema = z
  .object({
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
      .union([z.literal(""), configuredUserId])
      .default("")
      .transform((v) => v || undefined),
    // Circuit breaker per action host: consecutive failures that open it, and how long it stays open.
    BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
    BREAKER_RESET: duration.default("1 minute"),
    // Audit entries of closed requests older than this are pruned by the maintenance workflow.
    AUDIT_RETENTION: duration.default("365 days"),
    LOCAL_DEV: z.string().optional(),
  })
  .refine((c) => c.SLACK_API_URL.startsWith("https://") || c.LOCAL_DEV === "true", {
    // The bot token travels to this URL: plain http only for a local stand-in.
    message: "must be https (http only with LOCAL_DEV=true, for a local Slack stand-in)",
    path: ["SLACK_API_URL"],
  });

export type Config = z.infer<typeof schema>;

/**
 * Settings that do not validate. Its message is what a caller may be shown (no setting's name);
 * `detail` names every bad setting (never a value) and is for the log.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly detail: string) {
    super("service unavailable: its configuration is invalid");
  }
}

const cache = new WeakMap<object, Config>();

/** Validates the settings once per env object; throws a ConfigError whose detail names every bad setting. */
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
