import { describe, expect, it } from "vitest";
import { apiGet, approverDm, click, eventually, newUser, requestJson, scriptReceiver, startTyped } from "./helpers";

describe("the CSV export with text a webhook receiver chose", () => {
  it("quotes the receiver's error and neutralises a formula after a semicolon (Excel in ;-separator locales)", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const id = await startTyped(requester, "deploy", approver, "Deploy billing-api v2.3");
    await approverDm(approver);
    await scriptReceiver(id, [{ status: 400, body: { error: "refused;=1+1;@SUM(A1)" } }]);
    await click(approver, id, "approve");
    const failed = await eventually(async () => {
      const r = await requestJson(id);
      return r.status === "failed" && r.workflow.status !== "running" ? r : undefined;
    }, "the failed action");
    expect(failed.error).toMatch(/receiver answered 400: refused;=1\+1;@SUM\(A1\)$/);

    const res = await apiGet(`/dashboard/export.csv?requester=${requester}`);
    expect(res.status).toBe(200);
    const [, row] = (await res.text()).split("\r\n");
    expect(row).toContain(`receiver answered 400: refused;'=1+1;'@SUM(A1)",`);
    // No cell in the line starts a formula after a separator any spreadsheet may use.
    expect(row).not.toMatch(/(^|[,;\t"])[=+\-@]/);
  });
});
