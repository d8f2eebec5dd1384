/** Counting approvals against quorums: the arithmetic of a vote, without D1. */

export type QuorumCount = { settled: true } | { settled: false; approvals: number; quorum: number };

/**
 * Whether `voter`'s approval settles the request, given everyone who has approved so far (the
 * voter included). It does when one of the levels the voter belongs to has its quorum, counting
 * only approvals by that level's own approvers. An approver outside every recorded level (should
 * not happen) decides alone, as a level of one. When it does not settle, the progress reported is
 * that of the voter's latest level.
 */
export function approvalSettles(levels: { approvers: string[]; quorum: number }[], approvedBy: string[], voter: string): QuorumCount {
  const counts = levels
    .filter((l) => l.approvers.includes(voter))
    .map((l) => ({ approvals: approvedBy.filter((a) => l.approvers.includes(a)).length, quorum: l.quorum }));
  const latest = counts.at(-1);
  if (!latest || counts.some((c) => c.approvals >= c.quorum)) return { settled: true };
  return { settled: false, ...latest };
}
