import { describe, expect, it } from "vitest";
import { approvalSettles } from "../../src/core/quorum";

const level = (approvers: string[], quorum: number) => ({ approvers, quorum });

describe("approvalSettles: does this approval decide the request?", () => {
  it("a level of one: the approval settles it", () => {
    expect(approvalSettles([level(["U0A"], 1)], ["U0A"], "U0A")).toEqual({ settled: true });
  });

  it("2 of 3: the first approval is progress, the second settles", () => {
    const levels = [level(["U0A", "U0B", "U0C"], 2)];
    expect(approvalSettles(levels, ["U0A"], "U0A")).toEqual({ settled: false, approvals: 1, quorum: 2 });
    expect(approvalSettles(levels, ["U0A", "U0C"], "U0C")).toEqual({ settled: true });
  });

  it("counts approvals within the voter's own level only", () => {
    const levels = [level(["U0A1", "U0A2"], 2), level(["U0B1", "U0B2"], 2)];
    // Both level-1 approvers approved, but that does not count toward level 2's quorum.
    expect(approvalSettles(levels, ["U0A1", "U0A2", "U0B1"], "U0B1")).toEqual({ settled: false, approvals: 1, quorum: 2 });
    expect(approvalSettles(levels, ["U0A1", "U0B1", "U0B2"], "U0B2")).toEqual({ settled: true });
  });

  it("an approver in two levels settles it when either level reaches its quorum; progress is the latest level's", () => {
    const levels = [level(["U0A", "U0X"], 2), level(["U0X", "U0B", "U0C"], 3)];
    expect(approvalSettles(levels, ["U0A", "U0X"], "U0X")).toEqual({ settled: true });
    expect(approvalSettles(levels, ["U0X"], "U0X")).toEqual({ settled: false, approvals: 1, quorum: 3 });
  });

  it("an approver outside every recorded level decides alone", () => {
    expect(approvalSettles([level(["U0A", "U0B"], 2)], ["U0Z"], "U0Z")).toEqual({ settled: true });
    expect(approvalSettles([], ["U0Z"], "U0Z")).toEqual({ settled: true });
  });
});
