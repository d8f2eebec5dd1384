import { newRequestId } from "./ids";
import { activeDelegationOf, type DelegationRow, delegationsTo, endDelegation, startDelegation, waitingFor } from "./store";

/**
 * Delegation: "while I am away, requests that would go to me also go to Bob". The rules, in one
 * place for the command (`/approval delegate …`) and the App Home's modal:
 * - one delegation per person at a time (a new one replaces the old), to someone else, ending on
 *   a day from tomorrow up to a year ahead (it holds through that day, UTC);
 * - a delegate cannot delegate onwards, and nobody delegates to someone who is away themselves,
 *   so a request never passes more than one hand (and resolution is one hop: levels take the
 *   delegates of the people asked, never a delegate's delegate);
 * - it applies to the levels that start while it holds; requests already waiting stay with the
 *   person they were sent to (their DMs went out), and a delegate's click counts only while the
 *   delegation holds (store/votes.ts).
 */

const MAX_DAYS_AHEAD = 366;

export type DelegationResult =
  | { ok: true; delegation: DelegationRow; replaced: DelegationRow | null; waiting: number }
  | { ok: false; problem: string; field: "delegate" | "until" };

/** The exclusive end of a delegation "until <day>": the start of the next day, UTC. Null for a date that does not exist. */
export function delegationEnd(day: string): string | null {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(start) || new Date(start).toISOString().slice(0, 10) !== day) return null;
  return new Date(start + 86_400_000).toISOString();
}

/** The day a delegation's exclusive end stands for (what the person typed). */
export const delegationLastDay = (until: string) => new Date(Date.parse(until) - 1).toISOString().slice(0, 10);

export async function delegate(db: D1Database, principal: string, to: string, day: string, now = new Date()): Promise<DelegationResult> {
  const at = now.toISOString();
  const until = delegationEnd(day);
  if (!until) return { ok: false, problem: `${day} is not a date: use YYYY-MM-DD, like 2026-12-24.`, field: "until" };
  if (until <= at) return { ok: false, problem: "Pick today or a later day: the delegation holds through that day (UTC).", field: "until" };
  if (Date.parse(until) - now.getTime() > MAX_DAYS_AHEAD * 86_400_000) return { ok: false, problem: "At most a year ahead.", field: "until" };
  if (to === principal) return { ok: false, problem: "Pick someone else: you can't delegate to yourself.", field: "delegate" };
  const [refused, mine] = await Promise.all([oneHandRefusal(db, principal, to, at), activeDelegationOf(db, principal, at)]);
  if (refused) return refused;
  // The store checks the rule again inside its write: a delegation written since (someone
  // delegating to the principal at this moment) refuses this one, with the same words.
  const delegation = await startDelegation(db, { id: `dlg-${newRequestId().slice(4)}`, principal, delegate: to, until, created_at: at });
  if (delegation === "concurrent")
    return { ok: false, problem: "Another delegation of yours was set at the same moment: look at your App Home.", field: "delegate" };
  if (delegation === "one_hand")
    return (await oneHandRefusal(db, principal, to, at)) ?? { ok: false, problem: "Something changed at the same moment: try again.", field: "delegate" };
  const waiting = (await waitingFor(db, principal, 100)).length;
  return { ok: true, delegation, replaced: mine, waiting };
}

/** Why the one-hand rule refuses `principal` → `to` now (they stand in for someone, or `to` is away), or null. */
async function oneHandRefusal(db: D1Database, principal: string, to: string, at: string): Promise<Extract<DelegationResult, { ok: false }> | null> {
  const [covering, theirs] = await Promise.all([delegationsTo(db, principal, at), activeDelegationOf(db, to, at)]);
  if (covering.length) {
    return {
      ok: false,
      problem: `You stand in for <@${covering[0]!.principal}> until ${delegationLastDay(covering[0]!.until)}: a delegate cannot delegate onwards.`,
      field: "delegate",
    };
  }
  if (theirs) return { ok: false, problem: `<@${to}> is away too (their requests go to <@${theirs.delegate}>): pick someone else.`, field: "delegate" };
  return null;
}

/** Ends the person's delegation; the one ended, or null. */
export async function undelegate(db: D1Database, principal: string, now = new Date()): Promise<DelegationRow | null> {
  return endDelegation(db, principal, now.toISOString());
}

/** What the App Home and `/approval delegate` show: my delegation, and whom I stand in for. */
export async function delegationState(db: D1Database, user: string, now = new Date()): Promise<{ mine: DelegationRow | null; covering: DelegationRow[] }> {
  const at = now.toISOString();
  const [mine, covering] = await Promise.all([activeDelegationOf(db, user, at), delegationsTo(db, user, at)]);
  return { mine, covering };
}
