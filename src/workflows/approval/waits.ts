import { type DurationLabel, durationMs } from "../../core/duration";
import type { RequestStatus } from "../../core/store";
import * as store from "../../core/store";
import { type ApprovalParams, DECISION_EVENT } from "../approval-params";
import { APPROVAL_STEPS as STEP } from "../step-names";
import { D1_STEP, isWaitTimeout } from "../steps";
import type { ApprovalRun } from "./context";
import type { ApprovalMessages } from "./slack-messages";

type Level = ApprovalParams["levels"][number];

/**
 * How a wait ended other than by its timeout, as D1 says after an event woke it: the request has
 * a claim (a decision), or was closed meanwhile (earlier versions of maintenance expired requests
 * in D1 and then woke their instance).
 */
export type WaitEnd = { kind: "claimed" } | { kind: "closed"; status: RequestStatus; at: string | null };
/** What a woken wait finds in D1: an end, or the time left until its deadline. */
export type WakeCheck = WaitEnd | { kind: "open"; remainingMs: number };

/**
 * A level's waits for a decision: until the reminder, the reminder, the rest of the level; each
 * wait's deadline recorded in D1 as it starts, and D1 (not the event) saying what woke it.
 */
export class DecisionWaits {
  constructor(
    private readonly ctx: ApprovalRun,
    private readonly messages: ApprovalMessages,
  ) {}

  /**
   * Wait until the reminder time, remind the level's approvers, wait out the rest of the level.
   * `laterMs`: the waits of the levels after this one (for the projected expiry).
   */
  async forLevel(n: number, level: Level, laterMs: number): Promise<WaitEnd | null> {
    const { env, params } = this.ctx;
    const remindAfter = level.reminder && durationMs(level.reminder) < durationMs(level.wait) ? level.reminder : null;
    const first = remindAfter ?? level.wait;
    const end = await this.waitForDecision(STEP.decisionWait(n), first, durationMs(level.wait) - durationMs(first) + laterMs);
    if (end || !remindAfter) return end;

    // A claim whose event was lost is applied when this level's waits end (or maintenance wakes
    // the instance); until then nobody is reminded of a request that is already decided. Each
    // step asks D1 as it runs. The audit says "reminded" when a reminder went out (a click right
    // after it is the usual answer to one), or, with no DM to remind in, while nobody has decided.
    const undecided = () => this.undecided();
    const posted = await this.messages.remind(n, undecided);
    await this.ctx.step.do(STEP.recordReminder(n), D1_STEP, async () => {
      if (posted.length ? posted.every((p) => p === false) : !(await undecided())) return null;
      await store.audit(env.DB, {
        requestId: params.requestId,
        key: `reminded-${n}`,
        event: "reminded",
        actor: null,
        detail: `level ${n}`,
        at: new Date().toISOString(),
      });
      return null;
    });
    const rest = Math.max(1, Math.round((durationMs(level.wait) - durationMs(remindAfter)) / 1000));
    return this.waitForDecision(STEP.decisionAfterReminderWait(n), `${rest} seconds`, laterMs);
  }

  /**
   * One wait for a decision, `timeout` long from when it starts, which is recorded in D1 first
   * (requests.wait_until, and the chain's projected end: `afterMs` more). An event wakes it; D1
   * then says whether there is something to decide. If not (an event with no claim behind it),
   * the wait goes on for the time it has left; an instance woken past its deadline (maintenance
   * wakes such instances: the local engine loses a pending timeout across a restart) goes on as
   * if the wait had timed out. Null: nobody decided in time.
   */
  private async waitForDecision(name: string, timeout: DurationLabel, afterMs: number): Promise<WaitEnd | null> {
    const { env, params, step } = this.ctx;
    const until = await step.do(STEP.startWait(name), D1_STEP, async () => {
      const ends = Date.now() + durationMs(timeout);
      const waitUntil = new Date(ends).toISOString();
      await store.recordWait(env.DB, params.requestId, { waitUntil, expiresAt: new Date(ends + afterMs).toISOString() });
      return waitUntil;
    });
    let wait: { name: string; timeout: DurationLabel } = { name, timeout };
    for (let wake = 1; ; wake++) {
      try {
        await step.waitForEvent(wait.name, { type: DECISION_EVENT, timeout: wait.timeout });
      } catch (err) {
        if (isWaitTimeout(err)) return null;
        throw err;
      }
      const seen = await step.do(STEP.checkWake(name, wake), D1_STEP, () => this.checkWake(until));
      if (seen.kind !== "open") return seen;
      if (seen.remainingMs < 1000) return null;
      wait = { name: STEP.wokenWait(name, wake), timeout: `${Math.ceil(seen.remainingMs / 1000)} seconds` };
    }
  }

  /** After a wake-up: a claim or a closed request ends the wait; else the time left (D1's deadline). */
  private async checkWake(until: string): Promise<WakeCheck> {
    const row = await store.getRequest(this.ctx.env.DB, this.ctx.params.requestId);
    if (row && row.status !== "pending") return { kind: "closed", status: row.status, at: row.decided_at };
    if (row?.claimed_by) return { kind: "claimed" };
    return { kind: "open", remainingMs: Date.parse(row?.wait_until ?? until) - Date.now() };
  }

  /** Whether D1 says nobody has decided yet: the request is pending and has no claim. */
  private async undecided(): Promise<boolean> {
    const row = await store.getRequest(this.ctx.env.DB, this.ctx.params.requestId);
    return !row || (row.status === "pending" && row.claimed_by === null);
  }

  /** Whether the request has a claim in D1 (checked as a wait runs out, before escalating or expiring). */
  async claimed(tag: `level ${number}` | "at expiry"): Promise<boolean> {
    // Earlier versions recorded the claim itself (or null) as this step's result: truthy means claimed.
    const claim = await this.ctx.step.do(STEP.checkClaim(tag), D1_STEP, async () => {
      const row = await store.getRequest(this.ctx.env.DB, this.ctx.params.requestId);
      return row?.status === "pending" && row.claimed_by !== null;
    });
    return Boolean(claim);
  }
}
