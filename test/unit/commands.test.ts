import { describe, expect, it } from "vitest";
import { readable } from "../../src/core/user-text";
import { parseRequestText, parseSubcommand } from "../../src/slack/commands";

const TYPES = ["deploy", "expense"];
const text = (text: string) => [{ type: "text", text }];

describe("parseRequestText: `/approval [type] [@approver] what`", () => {
  it("reads the approver as Slack escapes a mention, with or without the name", () => {
    expect(parseRequestText("<@U0MARIA|maria> Deploy billing-api v2.3", TYPES)).toEqual({
      ok: true,
      type: undefined,
      approver: "U0MARIA",
      description: text("Deploy billing-api v2.3"),
    });
    expect(parseRequestText("  <@W0GRID>   Deploy  ", TYPES)).toEqual({ ok: true, type: undefined, approver: "W0GRID", description: text("Deploy") });
  });

  it("reads a first word as the type only when it is one, in any case", () => {
    expect(parseRequestText("Deploy <@U0MARIA> v2.3", TYPES)).toEqual({ ok: true, type: "deploy", approver: "U0MARIA", description: text("v2.3") });
    expect(parseRequestText("expense Team dinner, 120 EUR", TYPES)).toEqual({
      ok: true,
      type: "expense",
      approver: undefined,
      description: text("Team dinner, 120 EUR"),
    });
    expect(parseRequestText("lunch <@U0MARIA> pizza", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
  });

  it("keeps the description's lines, decodes Slack's escapes and keeps its tokens as segments", () => {
    const parsed = parseRequestText("<@U0MARIA> line one &amp; &lt;two&gt;\nline <!channel> cc <@U0BOB|bob>", TYPES);
    expect(parsed).toEqual({
      ok: true,
      type: undefined,
      approver: "U0MARIA",
      description: [
        { type: "text", text: "line one & <two>\nline " },
        { type: "broadcast", name: "channel" },
        { type: "text", text: " cc " },
        { type: "user", id: "U0BOB", label: "bob" },
      ],
    });
    expect(parsed.ok && readable(parsed.description)).toBe("line one & <two>\nline @channel cc @bob");
  });

  it("explains what is missing or too long (counted in readable characters)", () => {
    expect(parseRequestText("Ship billing-api", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
    expect(parseRequestText("@maria Deploy", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
    expect(parseRequestText("<@U0MARIA>", TYPES)).toEqual({ ok: false, problem: "Say what needs approving after the approver." });
    expect(parseRequestText("deploy", TYPES)).toEqual({ ok: false, problem: "Say what needs approving after the approver." });
    expect(parseRequestText(`<@U0MARIA> ${"x".repeat(2001)}`, TYPES)).toEqual({
      ok: false,
      problem: "The description is too long (2001 characters, at most 2000).",
    });
    expect(parseRequestText(`<@U0MARIA> ${"&amp;".repeat(2000)}`, TYPES)).toMatchObject({ ok: true });
  });
});

describe("parseSubcommand: `/approval status <id>` and `/approval list`", () => {
  it("recognises both, in any case, and nothing else", () => {
    expect(parseSubcommand("list")).toEqual({ kind: "list" });
    expect(parseSubcommand(" LIST ")).toEqual({ kind: "list" });
    expect(parseSubcommand("status req-abc123def456")).toEqual({ kind: "status", id: "req-abc123def456" });
    expect(parseSubcommand("status")).toEqual({ kind: "status", id: undefined });
    expect(parseSubcommand("status a b")).toBeNull();
    expect(parseSubcommand("listing")).toBeNull();
    expect(parseSubcommand("<@U0MARIA> status of the deploy")).toBeNull();
  });
});
