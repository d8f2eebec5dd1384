import { z } from "zod";
import policyFile from "../../approvals.config.json";
import type { Config } from "../config";
import { type DurationLabel, duration, durationMs } from "./duration";
import { configuredApproverId, configuredChannelId, isUsergroupId } from "./ids";

const level = z
  .object({
    /**
     * Who is asked at this level: people (U…) and user groups (S…, each member is asked; expanded
     * when the level starts). May be empty for level 1 when the requester names the approver.
     */
    approvers: z
      .array(configuredApproverId)
      .default([])
      .refine((a) => new Set(a).size === a.length, "lists an approver twice"),
    /** How long this level has before the request moves to the next level (or expires after the last). */
    wait: duration,
    /** Approvals needed at this level (default 1); a single rejection always decides. */
    quorum: z.number().int().min(1).default(1),
  })
  .strict()
  // With a user group the number of people is known only when the level starts (checked then).
  .refine((l) => l.approvers.length === 0 || l.approvers.some(isUsergroupId) || l.quorum <= l.approvers.length, {
    message: "quorum is larger than the number of approvers",
    path: ["quorum"],
  });

/**
 * Where an action may be sent: https, or plain http to this machine only (localhost or 127.0.0.1
 * exactly, for tests and local development); never with credentials in the URL. Judged on the
 * parsed URL, not its text: `http://localhost:@evil.example/` is evil.example, over http.
 */
export function actionUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be a URL";
  }
  if (url.username || url.password) return "must not carry credentials (user:password@): put secrets in the action's secret";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1")) return null;
  return "must be an https URL (http only for localhost or 127.0.0.1)";
}

const action = z
  .object({
    /** HTTPS endpoint that performs the approved action (http allowed only for localhost, for tests). */
    url: z.string().superRefine((u, ctx) => {
      const problem = actionUrlProblem(u);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    method: z.enum(["POST", "PUT"]).default("POST"),
    /** Name of the Worker secret holding the HMAC key that signs the body (never the key itself). */
    // Must end in _WEBHOOK_SECRET: a policy can never hand a receiver the Slack or API secrets.
    secret: z.string().regex(/^[A-Z][A-Z0-9_]*_WEBHOOK_SECRET$/, "expected the name of a secret ending in _WEBHOOK_SECRET, like DEPLOY_WEBHOOK_SECRET"),
    /** How long the parent waits for the action before checking on it once. */
    timeout: duration.default("1 hour"),
  })
  .strict();

const requestType = z
  .object({
    title: z.string().min(1).max(80),
    levels: z.array(level).min(1, "needs at least one approver level"),
    /** When the current approvers get a reminder DM (default: half of each level's wait). */
    reminder: duration.optional(),
    allowSelfApproval: z.boolean().default(false),
    action: action.optional(),
    /** An approvals channel: each request of this type is posted there too (or only there), with the buttons. */
    channel: configuredChannelId.optional(),
    /** Where the approvers are asked: by DM (default without a channel), in the channel, or both (default with one). */
    notify: z.enum(["dm", "channel", "both"]).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.notify && t.notify !== "dm" && !t.channel) ctx.addIssue({ code: "custom", message: `notify "${t.notify}" needs a channel`, path: ["notify"] });
    t.levels.forEach((l, i) => {
      if (i > 0 && l.approvers.length === 0)
        ctx.addIssue({ code: "custom", message: "only level 1 may leave its approvers to the requester", path: ["levels", i, "approvers"] });
    });
  });

export const policySchema = z
  .object({
    $comment: z.string().optional(),
    types: z.record(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,30}$/, "type names are lowercase words like deploy")
        .refine((n) => !["help", "status", "list", "delegate"].includes(n), "help, status, list and delegate are subcommands, not type names"),
      requestType,
    ),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;
export type RequestTypePolicy = z.infer<typeof requestType>;
export type ActionPolicy = z.infer<typeof action>;

export class PolicyError extends Error {
  override name = "PolicyError";
}

/** Validates a policy; the error names the path of each bad field, e.g. types.deploy.levels.0.wait. */
export function parsePolicy(input: unknown): Policy {
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PolicyError(`Invalid approvals.config.json: ${problems.join("; ")}`);
  }
  return parsed.data;
}

const cache = new Map<string, Policy>();
/**
 * The policy in force: the POLICY_JSON setting when set (an operator's override, also what the
 * tests use), else the repository's approvals.config.json. Validated once.
 */
export function loadPolicy(env: { POLICY_JSON?: string }): Policy {
  const key = env.POLICY_JSON ?? "";
  let policy = cache.get(key);
  if (!policy) {
    let input: unknown = policyFile;
    if (env.POLICY_JSON) {
      try {
        input = JSON.parse(env.POLICY_JSON);
      } catch {
        throw new PolicyError("Invalid POLICY_JSON: not JSON");
      }
    }
    policy = parsePolicy(input);
    cache.set(key, policy);
  }
  return policy;
}

/** The level chain one request follows, resolved at creation so a later policy change cannot alter it. */
export interface ResolvedLevel {
  /** The people named (user ids). */
  approvers: string[];
  /** User groups (S…) whose members are asked too, expanded when the level starts. */
  groups?: string[];
  wait: DurationLabel;
  quorum: number;
  /** Time after which the level's approvers are reminded, or null for no reminder. */
  reminder: DurationLabel | null;
}

export const DEFAULT_TYPE = "default";

/** The built-in type for `/approval @someone text`: the named approver, then ESCALATION_USER. */
export function defaultType(config: Config): RequestTypePolicy {
  const levels = [{ approvers: [], wait: config.APPROVAL_TIMEOUT, quorum: 1 }];
  if (config.ESCALATION_USER) levels.push({ approvers: [config.ESCALATION_USER] as never[], wait: config.ESCALATION_TIMEOUT, quorum: 1 });
  return { title: "Approval", levels, allowSelfApproval: false };
}

/**
 * The type a requester named. Own properties only: a name is user input, and `constructor` or
 * `__proto__` must be an unknown type, not something Object's prototype has.
 */
export function findType(policy: Policy, config: Config, name: string): RequestTypePolicy | undefined {
  const own = Object.hasOwn(policy.types, name) ? policy.types[name] : undefined;
  return name === DEFAULT_TYPE ? (own ?? defaultType(config)) : own;
}

/** The request types a requester can pick by name (the built-in default is picked by leaving the type out). */
export function requestTypes(env: { POLICY_JSON?: string }): { name: string; title: string }[] {
  return Object.entries(loadPolicy(env).types)
    .filter(([name]) => name !== DEFAULT_TYPE)
    .map(([name, t]) => ({ name, title: t.title }));
}

/** Half the wait, rounded down to whole seconds: the default reminder time. */
function halfOf(wait: DurationLabel): DurationLabel {
  return `${Math.max(1, Math.floor(durationMs(wait) / 2000))} seconds`;
}

/** Why a chain cannot work: the policy names the approvers, nobody is named, or only the requester is. */
export type ChainProblem = "policy_approvers" | "no_approver" | "own_request";

/**
 * Builds one request's chain: approvers named by the requester (a person or a user group in a
 * command, one person in the form, any number of people over the API, people and groups by a
 * workflow step) replace level 1's approvers, and any one of them decides. User groups are kept
 * as groups: their members are asked when the level starts (the workflow expands them, so a
 * change to the group counts). Returns a problem to show the requester when the chain cannot
 * work. `requester` is undefined for a request made over the API without a Slack requester
 * (nobody to exclude).
 */
export function resolveLevels(
  type: RequestTypePolicy,
  requester: string | undefined,
  named: string | readonly string[] | undefined,
): { ok: true; levels: ResolvedLevel[] } | { ok: false; problem: string; code: ChainProblem } {
  const names = typeof named === "string" ? [named] : [...new Set(named ?? [])];
  // The policy's approvers are the policy's: a requester may only name one where level 1 has none.
  if (names.length && type.levels[0]!.approvers.length > 0) {
    return { ok: false, code: "policy_approvers", problem: "This request type's approvers are set by the policy: leave out the @mention." };
  }
  const levels = type.levels.map((l, i) => {
    const ids = i === 0 && names.length ? names : [...l.approvers];
    const groups = ids.filter(isUsergroupId);
    return {
      approvers: ids.filter((a) => !isUsergroupId(a)),
      ...(groups.length ? { groups } : {}),
      wait: l.wait,
      quorum: i === 0 && names.length ? 1 : l.quorum,
      reminder: type.reminder ?? halfOf(l.wait),
    };
  });
  const first = levels[0]!;
  if (first.approvers.length === 0 && !first.groups) return { ok: false, code: "no_approver", problem: "Name the approver as a mention, like `@maria`." };
  if (!type.allowSelfApproval && requester) {
    // The requester alone is refused; among several named approvers (the API, a step) left out.
    if (names.length === 1 && names[0] === requester)
      return { ok: false, code: "own_request", problem: "You can't approve your own request: ask someone else." };
    for (const l of levels) l.approvers = l.approvers.filter((a) => a !== requester);
    if (!first.groups && first.approvers.length < first.quorum)
      return { ok: false, code: "own_request", problem: "You can't approve your own request, and nobody else is listed to approve it." };
  }
  // A level of people too few for its quorum is left out; a level with a group is checked when it starts.
  return { ok: true, levels: levels.filter((l) => l.groups || l.approvers.length >= l.quorum) };
}
