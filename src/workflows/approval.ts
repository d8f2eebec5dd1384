import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { delegationLastDay } from "../core/delegation";
import { durationMs } from "../core/duration";
import { apiActorFor } from "../core/ids";
import { log } from "../core/log";
import { metric } from "../core/metrics";
import * as store from "../core/store";
import type { Env } from "../env";
import { channelNote, delegateNote, groupMemberNote } from "../slack/approver-notes";
import { requesterFailureMessage } from "../slack/blocks";
import { botClient } from "../slack/bot-client";
import type { SlackClient } from "../slack/client";
import { ActionChild } from "./approval/action-child";
import { type ApprovalRun, approvalRun } from "./approval/context";
import { ApprovalOutcome } from "./approval/outcome";
import { levelProblem, type ResolvedLevel, resolveLevel } from "./approval/resolve-level";
import { ApprovalMessages, type Asked } from "./approval/slack-messages";
import { DecisionWaits } from "./approval/waits";
import { endWorkflowStep, stepErrors } from "./approval/workflow-step";
import { type ApprovalOutput, type ApprovalParams, approvalParamsSchema } from "./approval-params";
import { APPROVAL_STEPS as STEP } from "./step-names";
import { D1_STEP } from "./steps";
import { NEWEST_VERSION, newerThanCode, versionOf } from "./versions";

type Level = ApprovalParams["levels"][number];

/**
 * One approval request, from the first DM to the outcome. For each level of its chain: DM the
 * level's approvers, wait until the reminder time, remind, wait out the level; then escalate to
 * the next level (earlier approvers keep their buttons). After the last level it expires. A
 * decision at any wait ends it: every DM is updated, the requester told, D1 holds the outcome and
 * the audit trail; an approved request with an action then runs its ActionWorkflow child.
 * Step names (step-names.ts) depend only on the level and the approver. A structural change
 * branches on the instance's version (versions.ts `since`), so instances created before it keep
 * their own path.
 *
 * The decision rule: the D1 claim is the decision. A `decision` event only wakes a wait; the
 * woken workflow reads D1, and closes the request with what its claim says (decide). An event
 * with no claim behind it (late, repeated, or from someone else) changes nothing: the wait goes
 * on for the time it has left.
 */
export class ApprovalWorkflow extends WorkflowEntrypoint<Env, ApprovalParams> {
  override async run(event: Readonly<WorkflowEvent<ApprovalParams>>, step: WorkflowStep): Promise<ApprovalOutput> {
    const parsed = approvalParamsSchema.safeParse(event.payload);
    if (!parsed.success) throw new NonRetryableError(`invalid approval params: ${parsed.error.issues[0]?.message}`);
    const params = parsed.data;
    const slack = botClient(this.env, { paced: true });
    const ctx = approvalRun(this.env, step, params, event.instanceId);
    const messages = new ApprovalMessages(ctx, slack);
    const flow = new ApprovalFlow(ctx, messages, new ActionChild(ctx, messages), slack);
    try {
      return await flow.run();
    } catch (err) {
      // A step's error reaches us with its class name in front ("NonRetryableError: …"): people see the message.
      const message = (err instanceof Error ? err.message : String(err)).replace(/^(?:NonRetryable)?Error: /, "");
      // Closed as failed only while unclaimed (older instances recorded null here: they had failed).
      const failed = await step.do(STEP.recordFailure, D1_STEP, async () => {
        const closed = await store.closeRequest(this.env.DB, { id: params.requestId, status: "failed", at: new Date().toISOString(), error: message });
        log(closed ? "error" : "warn", closed ? "approval failed" : "approval failed after a claim: the claim decides", {
          requestId: params.requestId,
          instanceId: event.instanceId,
          error: message,
        });
        return closed;
      });
      // Someone decided before the failure (a click while another approver's DM was still failing):
      // the claim is the decision, so it is applied as at any wait's end.
      if (failed === false) return await flow.decideAfterFailure();
      await messages.markFailed(message);
      // A Workflow Builder step started it: the step ends with the failure (best effort: the request's own failure stands).
      await endWorkflowStep(ctx, { kind: "error", error: stepErrors.failed(params.requestId, message) }).catch(() => null);
      throw err;
    }
  }
}

/** The chain of one request: `run` is the list of its stages; each method below is one of them. */
class ApprovalFlow {
  constructor(
    private readonly ctx: ApprovalRun,
    private readonly messages: ApprovalMessages,
    action: ActionChild,
    private readonly slack: SlackClient,
  ) {
    this.waits = new DecisionWaits(ctx, messages);
    this.outcome = new ApprovalOutcome(ctx, messages, action, this.waits);
  }

  private readonly waits: DecisionWaits;
  private readonly outcome: ApprovalOutcome;

  /** The level being asked (for the output of a decision applied after a failure). */
  private level = 1;

  /** The claim a failure found in D1, applied (ApprovalWorkflow.run's catch). */
  decideAfterFailure(): Promise<ApprovalOutput> {
    return this.outcome.decide(this.level);
  }

  async run(): Promise<ApprovalOutput> {
    const { levels, resolveApprovers } = this.ctx.params;
    await this.recordRequest();
    if (newerThanCode(this.ctx.params)) await this.noteOlderCode();
    await this.messages.lookUpRequester();
    /** Everyone who may decide so far (delegates too), and the levels' people with their quorums. */
    let approvers: string[] = [];
    const groups: store.LevelGroup[] = [];
    const delegations: store.RequestDelegation[] = [];
    for (const [i, level] of levels.entries()) {
      const n = i + 1;
      this.level = n;
      // Instances with resolveApprovers resolve each level as it starts: groups' members, delegates.
      const resolved = resolveApprovers ? await this.resolve(n, level) : null;
      const people = resolved ? resolved.people : level.approvers;
      const levelDelegations = resolved?.delegations ?? [];
      const added = [...new Set([...people, ...levelDelegations.map((d) => d.delegate)])].filter((a) => !approvers.includes(a));
      approvers = [...approvers, ...added];
      if (people.length) groups.push({ approvers: people, quorum: level.quorum });
      delegations.push(...levelDelegations);
      const note = this.ctx.params.channel
        ? channelNote(
            approvers.filter((a) => !delegations.some((d) => d.delegate === a)),
            level.quorum,
            delegations,
          )
        : undefined;
      if (n === 1) {
        await this.messages.notifyFirstLevel(resolved ? asked(added, level, resolved) : undefined, note);
      } else {
        // A click may have claimed the request just as the wait ran out: D1 is the truth.
        if (await this.waits.claimed(`level ${n - 1}`)) return this.outcome.decide(n - 1);
        await this.escalate(n, approvers, added, resolved ? { groups, delegations, notes: notesOf(asked(added, level, resolved)) } : undefined);
        if (note && added.length) await this.messages.updateChannel(n, note);
      }
      await this.messages.refreshHomes(`level ${n}`);
      const end = await this.waits.forLevel(
        n,
        level,
        levels.slice(n).reduce((ms, l) => ms + durationMs(l.wait), 0),
      );
      if (end?.kind === "closed" && end.status === "expired") return this.outcome.expire(n, { at: end.at ?? new Date().toISOString() });
      if (end) return this.outcome.decide(n);
    }
    return this.outcome.expire(levels.length);
  }

  /** D1: the request with its whole chain's expiry (as projected now), and its "created" audit entry. */
  private async recordRequest(): Promise<void> {
    const { env, params } = this.ctx;
    const first = params.levels[0]!;
    await this.ctx.step.do(STEP.recordRequest, D1_STEP, async () => {
      const total = params.levels.reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.upsertRequest(env.DB, {
        id: params.requestId,
        type: params.type,
        requester: params.requester ?? null,
        source: params.source ?? null,
        fields: params.fields ?? null,
        description: params.description,
        descriptionRich: params.descriptionRich ?? null,
        approvers: first.approvers,
        quorum: first.quorum,
        allowSelf: params.allowSelf,
        createdAt: params.createdAt,
        expiresAt: new Date(Date.parse(params.createdAt) + total).toISOString(),
        version: versionOf(params),
      });
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: "created",
        event: "created",
        // A request made over the API (it has a source) was created by its source, even when it
        // names a Slack requester: the API holder asked, not that person.
        actor: params.source || !params.requester ? apiActorFor(params.source?.name) : params.requester,
        detail: params.description,
        at: params.createdAt,
      });
      metric(env.METRICS, "request_created", { type: params.type });
      this.ctx.log("request recorded", STEP.recordRequest, { type: params.type, levels: params.levels.length });
      return null;
    });
  }

  /**
   * The instance was created by newer code than this (the deploy was rolled back): it runs the
   * newest path this code has. Said once in the audit trail and the log, so the operator can find
   * every request that did (docs/runbook.md, "Roll back").
   */
  private async noteOlderCode(): Promise<void> {
    const { env, params } = this.ctx;
    const name = STEP.noteOlderCode(NEWEST_VERSION);
    await this.ctx.step.do(name, D1_STEP, async () => {
      const detail = `a version ${versionOf(params)} instance on code for version ${NEWEST_VERSION}`;
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `older-code-${NEWEST_VERSION}`,
        event: "older-code",
        actor: null,
        detail,
        at: new Date().toISOString(),
      });
      this.ctx.log("instance runs on older code", name, { version: versionOf(params), codeVersion: NEWEST_VERSION }, "warn");
      return null;
    });
  }

  /** Level `n` in D1 (who may decide now, its quorum, the moved expiry), then in Slack. */
  private async escalate(
    n: number,
    approvers: string[],
    added: string[],
    resolved?: { groups: store.LevelGroup[]; delegations: store.RequestDelegation[]; notes: Record<string, string> },
  ): Promise<void> {
    const { env, params } = this.ctx;
    const levels = params.levels;
    await this.ctx.step.do(STEP.escalate(n), D1_STEP, async () => {
      const at = new Date().toISOString();
      // The expiry moves with the chain: from now, the waits of this level and the ones after it.
      const rest = levels.slice(n - 1).reduce((ms, l) => ms + durationMs(l.wait), 0);
      await store.setLevel(env.DB, params.requestId, {
        approvers,
        // Resolved levels: the people each level asked (groups' members); older instances: the params' people.
        groups: resolved?.groups ?? levels.slice(0, n).map((l) => ({ approvers: l.approvers, quorum: l.quorum })),
        ...(resolved ? { delegations: resolved.delegations } : {}),
        level: n,
        quorum: levels[n - 1]!.quorum,
        expiresAt: new Date(Date.now() + rest).toISOString(),
        at,
      });
      await store.audit(env.DB, { requestId: params.requestId, key: `escalated-${n}`, event: "escalated", actor: added.join(","), detail: `level ${n}`, at });
      metric(env.METRICS, "request_escalated", { type: params.type, detail: `level ${n}` });
      this.ctx.log("request escalated", STEP.escalate(n), { approvalLevel: n, escalatedTo: added.join(",") });
      return null;
    });
    // A level that added nobody (its groups could not be read: the requester was told) has no DMs to send.
    if (added.length || !resolved) await this.messages.escalate(n, added, resolved?.notes);
  }

  /**
   * Level `n` as it starts (resolve-level.ts). Level 1 with fewer people than its quorum fails the
   * request with a clear error for the requester (nobody could decide it); a later level tells
   * the requester and waits with the earlier approvers, who can still decide.
   */
  private async resolve(n: number, level: Level): Promise<ResolvedLevel> {
    const resolved = await resolveLevel(this.ctx, this.slack, n, level);
    if (resolved.people.length >= level.quorum) return resolved;
    const problem = levelProblem(n, level, resolved);
    if (n === 1) throw new NonRetryableError(problem);
    await this.messages.tellRequester(n, requesterFailureMessage(this.ctx.summary, `${problem} The earlier approvers can still decide.`));
    return { ...resolved, people: [], delegations: [] };
  }
}

/** Level `n`'s new people as resolved: each with why they are asked when it is not by name. */
function asked(added: string[], level: Level, resolved: ResolvedLevel): Asked[] {
  return added.map((user) => {
    const forWhom = resolved.delegations.filter((d) => d.delegate === user);
    if (forWhom.length) return { user, note: delegateNote(forWhom.map((d) => ({ principal: d.principal, lastDay: delegationLastDay(d.until) }))) };
    if (!level.approvers.includes(user)) {
      const via = resolved.groups.filter((g) => "members" in g && g.members.includes(user)).map((g) => g.id);
      if (via.length) return { user, note: groupMemberNote(via) };
    }
    return { user };
  });
}

const notesOf = (list: Asked[]): Record<string, string> => Object.fromEntries(list.filter((a) => a.note).map((a) => [a.user, a.note!]));
