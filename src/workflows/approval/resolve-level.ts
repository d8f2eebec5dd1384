import { NonRetryableError } from "cloudflare:workflows";
import { delegationLastDay } from "../../core/delegation";
import type { RequestDelegation } from "../../core/store";
import * as store from "../../core/store";
import type { SlackClient } from "../../slack/client";
import { slackErrorCode } from "../../slack/client";
import type { ApprovalParams } from "../approval-params";
import { APPROVAL_STEPS as STEP } from "../step-names";
import { D1_STEP, slackStep } from "../steps";
import type { ApprovalRun } from "./context";

type Level = ApprovalParams["levels"][number];

/** A user group as read when its level started: its members, or why it could not be read. */
export type GroupRead = { id: string; members: string[] } | { id: string; error: string };

/** A level as it starts: who is asked (people), the delegations it takes, and what could not be read. */
export interface ResolvedLevel {
  /** The people asked in their own right: those named and the groups' members (not the requester, unless the type allows it). */
  people: string[];
  /** Delegates of those people, each deciding for one of them while the delegation holds. */
  delegations: RequestDelegation[];
  groups: GroupRead[];
  /** What the requester must be told: a group that could not be read, or was empty. */
  problems: string[];
}

/**
 * Resolves a level when it starts (only for instances with `resolveApprovers`): each user group is
 * read with usergroups.users.list (its own step, so the members it had are recorded), then one D1
 * step takes the delegations of the people asked that hold now, records the audit (the group and
 * its members, each delegation) and, for level 1, the request's approvers. Delegation is one hop:
 * a delegate's own delegate is never asked, and a delegate who is asked anyway is asked once.
 */
export async function resolveLevel(ctx: ApprovalRun, slack: SlackClient, n: number, level: Level): Promise<ResolvedLevel> {
  const { env, params, step } = ctx;
  const groups: GroupRead[] = [];
  for (const id of level.groups ?? []) groups.push(await readGroup(ctx, slack, n, id));
  return step.do(STEP.resolveLevel(n), D1_STEP, async (): Promise<ResolvedLevel> => {
    const at = new Date().toISOString();
    const allowed = (u: string) => params.allowSelf || u !== params.requester;
    const members = groups.flatMap((g) => ("members" in g ? g.members : []));
    const people = [...new Set([...level.approvers, ...members])].filter(allowed);
    const problems = groups.flatMap((g) =>
      "error" in g
        ? [`the user group <!subteam^${g.id}> could not be read (${g.error})`]
        : g.members.filter(allowed).length === 0
          ? [`the user group <!subteam^${g.id}> has nobody in it who can approve this request`]
          : [],
    );
    const found = await store.activeDelegationsFrom(env.DB, people, at);
    const delegations: RequestDelegation[] = found
      // Never the requester (not through a delegation either), and nobody asked in their own right already.
      .filter((d) => d.delegate !== params.requester && !people.includes(d.delegate))
      .map((d) => ({ id: d.id, principal: d.principal, delegate: d.delegate, until: d.until, level: n }));
    for (const g of groups) {
      const read = "members" in g;
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `group-${g.id}-L${n}`,
        event: read ? "group-expanded" : "group-unreadable",
        actor: g.id,
        detail: read ? g.members.join(",") : g.error,
        at,
      });
    }
    for (const d of delegations) {
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `delegated-L${n}-${d.principal}`,
        event: "delegated",
        actor: d.delegate,
        detail: `for ${d.principal} until ${delegationLastDay(d.until)}`,
        at,
      });
    }
    if (n === 1 && people.length >= level.quorum) {
      await store.setFirstLevel(env.DB, params.requestId, {
        approvers: [...people, ...delegations.map((d) => d.delegate)],
        group: { approvers: people, quorum: level.quorum },
        delegations,
      });
    }
    ctx.log("level resolved", STEP.resolveLevel(n), { approvalLevel: n, people: people.length, delegations: delegations.length, problems: problems.length });
    return { people, delegations, groups, problems };
  });
}

/**
 * One user group's members (usergroups.users.list, scope usergroups:read). Slack's permanent
 * refusals (missing_scope, no_such_subteam, plan_upgrade_required…) are the group's error, not a
 * retry; a Slack that does not answer after the step's retries is one too.
 */
async function readGroup(ctx: ApprovalRun, slack: SlackClient, n: number, id: string): Promise<GroupRead> {
  try {
    return await slackStep(ctx.step, STEP.readGroup(id, n), async () => {
      try {
        return { id, members: await slack.usergroupMembers(id) };
      } catch (err) {
        if (err instanceof NonRetryableError) return { id, error: slackErrorCode(err) ?? (err as Error).message };
        throw err;
      }
    });
  } catch (err) {
    return { id, error: `Slack did not answer: ${(err as Error).message}` };
  }
}

/** What the requester is told when a level's groups leave it with too few people. */
export function levelProblem(n: number, level: Level, resolved: ResolvedLevel): string {
  const why = resolved.problems.length ? resolved.problems.join("; ") : "nobody is left to ask";
  const need = level.quorum > 1 ? ` (${level.quorum} approvals are needed, ${resolved.people.length} people can give them)` : "";
  const hint = resolved.groups.some((g) => "error" in g && /missing_scope/.test(g.error))
    ? " A Slack admin must reinstall the app with the usergroups:read scope."
    : "";
  return `level ${n} cannot be asked: ${why}${need}.${hint}`;
}
