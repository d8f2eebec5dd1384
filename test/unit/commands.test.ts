import { describe, expect, it } from "vitest";
import { parseRequestText, parseSubcommand } from "../../src/slack/commands";

const TYPES = ["deploy", "expense"];

describe("parseRequestText: `/approval [type] [@approver] what`", () => {
  it("reads the approver as Slack escapes a mention, with or without the name", () => {
    expect(parseRequestText("<@U0MARIA|maria> Deploy billing-api v2.3", TYPES)).toEqual({
      ok: true,
      type: undefined,
      approver: "U0MARIA",
      description: "Deploy billing-api v2.3",
    });
    expect(parseRequestText("  <@W0GRID>   Deploy  ", TYPES)).toEqual({ ok: true, type: undefined, approver: "W0GRID", description: "Deploy" });
  });

  it("reads a first word as the type only when it is one, in any case", () => {
    expect(parseRequestText("Deploy <@U0MARIA> v2.3", TYPES)).toEqual({ ok: true, type: "deploy", approver: "U0MARIA", description: "v2.3" });
    expect(parseRequestText("expense Team dinner, 120 EUR", TYPES)).toEqual({
      ok: true,
      type: "expense",
      approver: undefined,
      description: "Team dinner, 120 EUR",
    });
    expect(parseRequestText("lunch <@U0MARIA> pizza", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
  });

  it("keeps the description's own lines and text (escaping is the renderer's job)", () => {
    expect(parseRequestText("<@U0MARIA> line one\nline <!channel>", TYPES)).toMatchObject({ ok: true, description: "line one\nline <!channel>" });
  });

  it("explains what is missing or too long", () => {
    expect(parseRequestText("Ship billing-api", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
    expect(parseRequestText("@maria Deploy", TYPES)).toEqual({ ok: false, problem: "Start with the approver as a mention, like `@maria`." });
    expect(parseRequestText("<@U0MARIA>", TYPES)).toEqual({ ok: false, problem: "Say what needs approving after the approver." });
    expect(parseRequestText("deploy", TYPES)).toEqual({ ok: false, problem: "Say what needs approving after the approver." });
    expect(parseRequestText(`<@U0MARIA> ${"x".repeat(2001)}`, TYPES)).toEqual({
      ok: false,
      problem: "The description is too long (2001 characters, at most 2000).",
    });
    expect(parseRequestText(`<@U0MARIA> ${"x".repeat(2000)}`, TYPES)).toMatchObject({ ok: true });
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
