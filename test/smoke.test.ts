import { describe, expect, it } from "vitest";
import { approverDm, click, newUser, startRequest, waitForStatus } from "./helpers";

describe("smoke", () => {
  it("approves", async () => {
    const requester = newUser();
    const approver = newUser();
    const id = await startRequest(requester, approver);
    await approverDm(approver);
    const r = await click(approver, id, "approve");
    expect(r.status).toBe(200);
    const body = await waitForStatus(id, "approved");
    console.log(JSON.stringify(body, null, 1));
  });
});
