import type { WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { cachedDisplayName, rememberDisplayName } from "../../core/display-names";
import * as store from "../../core/store";
import {
  type ActionView,
  approvalRequestMessage,
  decidedMessage,
  escalatedNoticeMessage,
  historyReply,
  type Outcome,
  reminderMessage,
  requesterFailureMessage,
  requesterOutcomeMessage,
  requesterReceiptMessage,
  unreachableApproversMessage,
} from "../../slack/blocks";
import { workflowTokenClient } from "../../slack/bot-client";
import { type MessageContent, type PostedMessage, type SlackClient, slackErrorCode } from "../../slack/client";
import { WORKFLOW_TOKEN_TTL_MS } from "../../slack/functions";
import { refreshHomes } from "../../slack/home";
import { TOKEN_ERRORS } from "../../slack/token-guard";
import { approverRole, APPROVAL_STEPS as STEP } from "../step-names";
import { D1_STEP, OPTIONAL_SLACK_STEP, optionalSlackStep, postOnce, REQUIRED_SLACK_STEP, slackStep } from "../steps";
import type { ApprovalRun } from "./context";

/** An approver's DM, as posted; or the request's post in the approvals channel (`inChannel`, `user` is the channel). */
interface SentMessage {
  role: string;
  user: string;
  level: number;
  message: PostedMessage;
  inChannel?: true;
}

/** Someone asked to decide, and why when it is not by name (a group's member, a delegate: approver-notes.ts). */
export interface Asked {
  user: string;
  note?: string;
}

/**
 * One request's Slack messages: the approvers' DMs and the requester's receipt, posted once each
 * (recorded in D1 so a decision can update them), with their thread replies, reminders, updates
 * and the App Home refreshes. The list is rebuilt identically on replay, from the steps' results.
 * Only the approver's DM is required; every other call degrades (logged once, then skipped).
 */
export class ApprovalMessages {
  /** The approvers' DMs in the order they were sent. */
  private readonly sent: SentMessage[] = [];
  /** The requester's receipt DM (with the Cancel button), once sent. */
  private receipt: PostedMessage | null = null;

  constructor(
    private readonly ctx: ApprovalRun,
    private readonly slack: SlackClient,
  ) {}

  /**
   * Graceful degradation: the display name only improves notification text; a mention works too.
   * The name Slack sent with the request (params.requesterName) is used as is, with no users.info
   * call; either is cached in KV for a day (the dashboard shows people by it).
   */
  async lookUpRequester(): Promise<void> {
    const { env, params, summary } = this.ctx;
    const requester = params.requester;
    if (!requester) return; // asked over the API: the source names itself
    const sent = params.requesterName;
    summary.requesterName = await this.optional(
      STEP.lookUpRequester,
      () => (sent ? rememberDisplayName(env.KV, requester, sent) : cachedDisplayName(env.KV, requester, (u) => this.slack.displayName(u))),
      OPTIONAL_SLACK_STEP,
    );
  }

  /**
   * Level 1: the approvals channel's post (when the type has one), each approver's DM (unless the
   * type asks in the channel only), then the requester's receipt. `asked`: level 1 as resolved
   * when it started (resolve-level.ts); older instances ask the people their params name.
   */
  async notifyFirstLevel(asked?: Asked[], channelNote?: string): Promise<void> {
    const { params, summary } = this.ctx;
    if (params.channel && channelNote) await this.postInChannel(channelNote);
    if (params.channel?.notify !== "channel") {
      const unreachable: { user: string; err: unknown }[] = [];
      for (const a of asked ?? params.levels[0]!.approvers.map((user): Asked => ({ user }))) {
        try {
          await this.notifyApprover(1, a.user, approvalRequestMessage(summary, undefined, a.note));
        } catch (err) {
          unreachable.push({ user: a.user, err });
        }
      }
      // Nobody asked (no DM, no channel post): the request cannot be decided, so it fails.
      if (unreachable.length && !this.sent.length) throw unreachable[0]!.err;
      // One unreachable approver among several (deactivated, a bot, a delegate who left) must not
      // fail the request: the others can decide; the audit and the requester say who was not asked.
      for (const u of unreachable) await this.recordUnreachable(1, u.user, u.err);
      if (unreachable.length) {
        await this.tellRequester(
          1,
          unreachableApproversMessage(
            this.ctx.summary,
            unreachable.map((u) => u.user),
          ),
        );
      }
    }
    await this.sendReceipt();
  }

  /**
   * The request's post in the type's approvals channel, with the buttons: anyone who may decide can
   * click there (the D1 claim decides; anyone else is told it is not theirs). The bot must be in
   * the channel: `not_in_channel` (and `channel_not_found` for a private channel it was not
   * invited to) fails the request with what to do.
   * @see https://docs.slack.dev/reference/methods/chat.postMessage (not_in_channel, channel_not_found)
   */
  private async postInChannel(note: string): Promise<void> {
    const id = this.ctx.params.channel!.id;
    try {
      await this.notifyApprover(1, id, approvalRequestMessage(this.ctx.summary, undefined, note), { inChannel: true });
    } catch (err) {
      const code = slackErrorCode(err);
      if (code === "not_in_channel" || code === "channel_not_found" || code === "is_archived") {
        throw new NonRetryableError(
          `the approvals channel <#${id}> could not be used (${code}): someone in it must add the app (\`/invite @Approvals\`), or an admin must name another channel in the policy`,
        );
      }
      throw err;
    }
  }

  /** The approvals channel's post, when a level adds people: who may decide now. */
  async updateChannel(n: number, note: string): Promise<void> {
    for (const m of this.sent.filter((x) => x.inChannel)) {
      await this.bestEffort(STEP.updateChannel(m.role, n), () =>
        this.slack.updateMessage(m.message, approvalRequestMessage(this.ctx.summary, undefined, note)),
      );
    }
  }

  /** The requester told something about their request (a later level that could not be asked). Best effort. */
  async tellRequester(n: number, content: MessageContent): Promise<void> {
    const requester = this.ctx.params.requester;
    if (!requester) return; // asked over the API: nobody in Slack to tell (the audit has the group's problem)
    await this.bestEffort(STEP.tellRequesterLevel(n), async (attempt) => {
      await postOnce(this.slack, attempt, this.requesterDm(requester), content, `${this.ctx.params.requestId}:level-${n}`);
    });
  }

  /**
   * Level `n`: DMs to the approvers it adds, saying who did not decide in time; the earlier DMs
   * keep their buttons and say who else was asked (message update and a thread reply).
   */
  async escalate(n: number, added: string[], notes: Record<string, string> = {}): Promise<void> {
    const previous = [...this.sent];
    const before = [...new Set(previous.filter((m) => !m.inChannel).map((m) => m.user))];
    // Asked in the approvals channel only: the channel's post says who may decide now (updateChannel).
    for (const user of this.ctx.params.channel?.notify === "channel" ? [] : added) {
      try {
        await this.notifyApprover(n, user, approvalRequestMessage(this.ctx.summary, before, notes[user]));
      } catch (err) {
        // One unreachable escalation approver (deactivated, not DM-able) must not fail the
        // request: the others, and earlier approvers, can still decide.
        await this.recordUnreachable(n, user, err);
      }
    }
    for (const m of previous.filter((x) => !x.inChannel)) {
      await this.bestEffort(STEP.markEscalated(m.role, n), () => this.slack.updateMessage(m.message, escalatedNoticeMessage(this.ctx.summary, added)));
    }
    await this.history(`escalated ${n}`, `:rotating_light: Escalated to level ${n}: ${added.map((u) => `<@${u}>`).join(", ")}`, previous);
  }

  /** An approver of level `n` whose DM could not be posted: audited (notify-failed) and logged. */
  private async recordUnreachable(n: number, user: string, err: unknown): Promise<void> {
    const role = approverRole(n, user);
    await this.ctx.step.do(STEP.recordUnreachable(role), D1_STEP, async () => {
      const detail = `could not notify ${user}: ${(err as Error).message}`;
      await store.audit(this.ctx.env.DB, {
        requestId: this.ctx.params.requestId,
        key: `unreachable-${role}`,
        event: "notify-failed",
        actor: user,
        detail,
        at: new Date().toISOString(),
      });
      this.ctx.log("approver unreachable", `notify ${role}`, { approver: user, error: (err as Error).message }, "warn");
      return null;
    });
  }

  /**
   * A reminder in the thread of each DM of level `n`, each only while D1 says nobody has decided
   * (`undecided`). Per DM: whether it was posted (see below).
   */
  async remind(n: number, undecided: () => Promise<boolean>): Promise<(boolean | null)[]> {
    const posted: (boolean | null)[] = [];
    for (const m of this.sent.filter((x) => x.level === n && !x.inChannel)) {
      // true: posted; false: not, D1 has a decision; null: the step failed, or an instance from
      // before this result recorded null for a reminder it posted.
      const result = await this.optional(STEP.remind(m.role), async () => {
        if (!(await undecided())) return false;
        await this.slack.postReply(m.message, reminderMessage(this.ctx.summary));
        return true;
      });
      posted.push(result);
    }
    return posted;
  }

  /** The App Homes of everyone asked so far and of the requester (for those who use it). */
  async refreshHomes(tag: Parameters<typeof STEP.refreshHomes>[0]): Promise<void> {
    const requester = this.ctx.params.requester;
    const users = [...new Set(this.sent.filter((m) => !m.inChannel).map((m) => m.user)), ...(requester ? [requester] : [])];
    await this.bestEffort(STEP.refreshHomes(tag), async () => {
      await refreshHomes(this.ctx.env.KV, this.ctx.env.DB, this.slack, users);
    });
  }

  /**
   * The outcome everywhere: approver DMs updated (buttons replaced), the receipt's Cancel button
   * removed, the requester told, App Homes refreshed. A DM whose update failed gets the outcome
   * as a reply in its thread instead (an updated DM shows it already: one Slack call fewer).
   */
  async finish(outcome: Outcome, action?: ActionView): Promise<void> {
    const { params, summary } = this.ctx;
    const notUpdated = await this.showDecided(STEP.updateMessage, outcome, action);
    if (notUpdated.length) await this.history("outcome", decidedMessage(summary, outcome).text, notUpdated);
    if (this.receipt) {
      const receipt = this.receipt;
      await this.bestEffort(STEP.updateReceipt, () => this.slack.updateMessage(receipt, requesterReceiptMessage(summary, this.receiptAudience(), outcome)));
    }
    // No DM when the requester cancelled it themselves, or when nobody in Slack asked (an API request).
    const requester = params.requester;
    if (requester && !(outcome.status === "cancelled" && outcome.by === requester)) {
      await this.bestEffort(STEP.notifyRequester, async (attempt) => {
        await postOnce(this.slack, attempt, this.requesterDm(requester), requesterOutcomeMessage(summary, outcome), `${params.requestId}:outcome`);
      });
    }
    await this.refreshHomes("outcome");
  }

  /**
   * The approver DMs show the decision and the action's state; `name` names each update's step.
   * Returns the messages that could not be updated.
   */
  async showDecided(name: (role: string) => string, outcome: Outcome, action?: ActionView): Promise<SentMessage[]> {
    const failed: SentMessage[] = [];
    for (const m of this.sent) {
      // true once updated. (A step recorded by an earlier version holds null: read as not updated,
      // which gives that DM the thread reply every DM got then.)
      const updated = await this.optional(name(m.role), async () => {
        await this.slack.updateMessage(m.message, decidedMessage(this.ctx.summary, outcome, action));
        return true;
      });
      if (!updated) failed.push(m);
    }
    return failed;
  }

  /** After a failure: no buttons left to click, and the requester knows (both best effort). */
  async markFailed(error: string): Promise<void> {
    const { params, summary } = this.ctx;
    for (const { role, message } of this.sent) {
      await this.bestEffort(STEP.markFailed(role), () => this.slack.updateMessage(message, requesterFailureMessage(summary, error)));
    }
    const requester = params.requester;
    if (!requester) return;
    await this.bestEffort(STEP.notifyRequesterOfFailure, async (attempt) => {
      await postOnce(this.slack, attempt, this.requesterDm(requester), requesterFailureMessage(summary, error), `${params.requestId}:failed`);
    });
  }

  private async notifyApprover(level: number, user: string, content: MessageContent, opts: { inChannel?: true } = {}): Promise<void> {
    const { env, params, step } = this.ctx;
    const role = approverRole(level, user);
    // Posted to the user id: Slack answers with the DM channel, no conversations.open needed.
    // `at`: when Slack had the message, so the audit trail never puts "notified" after a click on it.
    const { at, ...message } = await slackStep(
      step,
      STEP.postRequest(role),
      async (attempt) => {
        const m = await this.post(attempt, user, content, `${params.requestId}:${role}`);
        return { channel: m.channel, ts: m.ts, at: attempt > 1 ? this.postedAt(m.ts) : new Date().toISOString() };
      },
      REQUIRED_SLACK_STEP,
    );
    await step.do(STEP.recordMessage(role), D1_STEP, async () => {
      await store.saveMessage(env.DB, params.requestId, { role, user_id: user, channel: message.channel, ts: message.ts });
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `notified-${role}`,
        ...(opts.inChannel ? { event: "channel-posted", actor: null, detail: user } : { event: "notified", actor: user, detail: `level ${level}` }),
        at,
      });
      this.ctx.log(opts.inChannel ? "posted in the approvals channel" : "approver notified", STEP.recordMessage(role), {
        approver: user,
        approvalLevel: level,
      });
      return null;
    });
    this.sent.push({ role, user, level, message, ...opts });
  }

  /**
   * The client that posts new messages. A Workflow Builder step's messages are posted with the
   * step's workflow token while we hold a fresh one, so their clicks come back with function_data
   * and a newer token (the step is completed with it); else, and for everything else, the bot's.
   * @see https://github.com/slackapi/bolt-js/pull/2026 ("requires that the interactivity call was made with the incoming JIT token")
   */
  private async poster(): Promise<SlackClient> {
    const fn = this.ctx.params.slackFunction;
    if (!fn) return this.slack;
    const run = await store.getFunctionRun(this.ctx.env.DB, fn.executionId);
    const fresh = run?.token && run.token_at && Date.now() - Date.parse(run.token_at) < WORKFLOW_TOKEN_TTL_MS - 60_000;
    return fresh ? workflowTokenClient(this.ctx.env, run.token!, { paced: true }) : this.slack;
  }

  /**
   * Posts a new message once (postOnce) with the poster's client; a workflow token Slack no
   * longer takes (expired early, revoked) falls back to the bot token in the same attempt.
   */
  private async post(attempt: number, to: string, content: MessageContent, key: string): Promise<PostedMessage> {
    const client = await this.poster();
    try {
      return await postOnce(client, attempt, to, content, key);
    } catch (err) {
      if (client === this.slack || !TOKEN_ERRORS.has(slackErrorCode(err) ?? "")) throw err;
      return postOnce(this.slack, attempt, to, content, key);
    }
  }

  /** Whom the receipt names: level 1's people and user groups, as the request named them. */
  private receiptAudience(): string[] {
    const first = this.ctx.params.levels[0]!;
    return [...first.approvers, ...(first.groups ?? [])];
  }

  /** The requester's receipt: who was asked, with a Cancel button while pending. Optional. */
  private async sendReceipt(): Promise<void> {
    const { env, params, summary, step } = this.ctx;
    const requester = params.requester;
    if (!requester) return; // asked over the API: nobody in Slack to send it to
    const sent = await this.optional<PostedMessage | string>(STEP.sendReceipt, async (attempt) => {
      const m = await this.post(attempt, requester, requesterReceiptMessage(summary, this.receiptAudience()), `${params.requestId}:receipt`);
      return { channel: m.channel, ts: m.ts };
    });
    if (!sent) return;
    const receipt = postedMessage(sent);
    this.receipt = receipt;
    await step.do(STEP.recordReceipt, D1_STEP, async () => {
      await store.saveMessage(env.DB, params.requestId, { role: "requester", user_id: requester, channel: receipt.channel, ts: receipt.ts });
      return null;
    });
  }

  /** Where the requester's DMs go: the receipt's channel, or their user id (Slack finds the DM). */
  private requesterDm(requester: string): string {
    return this.receipt?.channel ?? requester;
  }

  /** Threaded history: one reply per change in the thread of every approver DM. */
  private async history(tag: Parameters<typeof STEP.history>[0], line: string, only?: SentMessage[]): Promise<void> {
    for (const m of only ?? this.sent) {
      await this.bestEffort(STEP.history(tag, m.role), async () => {
        await this.slack.postReply(m.message, historyReply(line));
      });
    }
  }

  /**
   * When Slack took a message, from its ts (epoch seconds): a retry may have found the post of an
   * earlier attempt. Never before the request itself was created (ts has whole-second precision).
   */
  private postedAt(ts: string): string {
    const posted = Math.floor(Number(ts)) * 1000;
    return new Date(Number.isFinite(posted) ? Math.max(posted, Date.parse(this.ctx.params.createdAt)) : Date.now()).toISOString();
  }

  /**
   * A Slack call whose failure must not undo the outcome (the decision is already recorded):
   * retried like any Slack step, then logged and skipped if it still fails.
   */
  private async bestEffort(name: string, fn: (attempt: number) => Promise<void>): Promise<void> {
    await this.optional(name, async (attempt) => {
      await fn(attempt);
      return null;
    });
  }

  /** Graceful degradation: a Slack step whose failure yields null instead of failing the request. */
  private optional<T extends Rpc.Serializable<T>>(name: string, fn: (attempt: number) => Promise<T>, config?: WorkflowStepConfig): Promise<T | null> {
    return optionalSlackStep(this.ctx.step, name, fn, (error) => this.ctx.log(`${name} failed, continuing without it`, name, { error }, "warn"), config);
  }
}

/**
 * A receipt's step result. Earlier versions recorded it as the string "<channel> <ts>"; an instance
 * that was waiting when this version was deployed replays that result, so it is still read.
 */
function postedMessage(sent: PostedMessage | string): PostedMessage {
  if (typeof sent !== "string") return sent;
  const [channel = "", ts = ""] = sent.split(" ");
  return { channel, ts };
}
