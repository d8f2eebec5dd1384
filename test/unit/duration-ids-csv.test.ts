import { describe, expect, it } from "vitest";
import { duration, durationMs } from "../../src/core/duration";
import { configuredUserId, derivedRequestId, newRequestId, requestId, userId } from "../../src/core/ids";
import { csvCell, requestsCsv } from "../../src/routes/dashboard/csv";

describe("durations, as Workflows waits take them", () => {
  it("accepts `<n> <unit>[s]` and converts to milliseconds", () => {
    expect(duration.parse(" 30 minutes ")).toBe("30 minutes");
    expect(["1 second", "30 seconds", "4 hours", "1 day", "2 weeks"].map((d) => durationMs(duration.parse(d)))).toEqual([
      1000, 30_000, 14_400_000, 86_400_000, 1_209_600_000,
    ]);
  });

  it("refuses anything else with the expected form in the message", () => {
    for (const bad of ["soon", "4h", "1.5 hours", "-1 hour", "1 fortnight", "hours"]) {
      expect(duration.safeParse(bad).error?.issues[0]?.message, bad).toBe('expected a duration like "30 minutes", "4 hours" or "2 days"');
    }
    expect(() => durationMs("soon" as never)).toThrow("not a duration: soon");
  });
});

describe("the id kernel", () => {
  it("new request ids have the request-id form and differ", () => {
    const ids = Array.from({ length: 50 }, newRequestId);
    for (const id of ids) expect(requestId.parse(id)).toBe(id);
    expect(new Set(ids).size).toBe(50);
  });

  it("a derived id is the same for the same source, and a request id", async () => {
    const a = await derivedRequestId("view:V0123");
    expect(await derivedRequestId("view:V0123")).toBe(a);
    expect(await derivedRequestId("view:V0124")).not.toBe(a);
    expect(requestId.safeParse(a).success).toBe(true);
  });

  it("user ids: U… or W…, upper case; operators get a message saying what is expected", () => {
    for (const ok of ["U0123ABCD", "W0GRID", "U0A"]) expect(userId.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["u0123", "C0123", "U0", "<!channel>", "U0123 ", "@maria"]) expect(userId.safeParse(bad).success, bad).toBe(false);
    expect(configuredUserId.safeParse("maria").error?.issues[0]?.message).toBe("expected a Slack user id such as U0123ABCD");
    for (const bad of ["req-ABC123def456", "req-abc123", "req-abc123def4567", "../../etc"]) expect(requestId.safeParse(bad).success, bad).toBe(false);
  });
});

describe("CSV export cells", () => {
  it("quotes every cell, doubling quotes inside", () => {
    expect(csvCell("plain")).toBe(`"plain"`);
    expect(csvCell(null)).toBe(`""`);
    expect(csvCell('say "hi", then\nleave')).toBe(`"say ""hi"", then\nleave"`);
  });

  it("neutralises a formula at the start of the cell", () => {
    for (const formula of ["=SUM(A1)", "+1", "-1", "@cmd"]) expect(csvCell(formula), formula).toBe(`"'${formula}"`);
    for (const control of ["\tx", "\rx"]) expect(csvCell(control), JSON.stringify(control)).toBe(`"'${control}"`);
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
  });

  it("neutralises a formula after any separator a spreadsheet may split on (, ; tab newline) or a quote", () => {
    // Excel with ";" as its list separator splits `x;=1+1;y` into three cells: the middle one a formula.
    expect(csvCell("x;=1+1;y")).toBe(`"x;'=1+1;y"`);
    expect(csvCell("a,+1")).toBe(`"a,'+1"`);
    expect(csvCell("a\t-1")).toBe(`"a\t'-1"`);
    expect(csvCell("line one\n@SUM(A1)")).toBe(`"line one\n'@SUM(A1)"`);
    expect(csvCell("a\r\n=1")).toBe(`"a\r\n'=1"`);
    expect(csvCell('say "=1+1"')).toBe(`"say ""'=1+1"""`);
    // Text chosen by a webhook receiver, stored as the request's error.
    expect(csvCell('receiver answered 400: ok;=HYPERLINK("http://evil.example")')).toBe(`"receiver answered 400: ok;'=HYPERLINK(""http://evil.example"")"`);
    // Signs inside words and numbers are left alone.
    expect(csvCell("billing-api v2.3 - hotfix, 3+4=7 @ noon")).toBe(`"billing-api v2.3 - hotfix, 3+4=7 @ noon"`);
  });

  it("one header line, one line per request, CRLF line ends", () => {
    const row = {
      id: "req-abc123def456",
      type: "default",
      requester: "U0A",
      description: "x",
      source: null,
      fields: null,
      approvers: ["U0B", "U0C"],
      level: 2,
      status: "approved" as const,
      decided_by: "U0C",
      decided_at: "t2",
      error: null,
      created_at: "t0",
      updated_at: "t2",
    };
    expect(requestsCsv([row])).toBe(
      `"id","type","status","requester","approvers","level","decided_by","decided_at","created_at","updated_at","error","description"\r\n` +
        `"req-abc123def456","default","approved","U0A","U0B U0C","2","U0C","t2","t0","t2","","x"\r\n`,
    );
  });
});
