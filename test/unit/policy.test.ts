import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config";
import { defaultType, findType, loadPolicy, PolicyError, parsePolicy, type RequestTypePolicy, requestTypes, resolveLevels } from "../../src/core/policy";

const config = (escalation?: string) => ({ APPROVAL_TIMEOUT: "4 hours", ESCALATION_TIMEOUT: "1 day", ESCALATION_USER: escalation }) as unknown as Config;
const type = (t: Partial<RequestTypePolicy> & Pick<RequestTypePolicy, "levels">): RequestTypePolicy => ({ title: "T", allowSelfApproval: false, ...t });

describe("resolveLevels: one request's approver chain", () => {
  const open = type({
    levels: [
      { approvers: [], wait: "30 minutes", quorum: 1 },
      { approvers: ["U0ONCALL1", "U0ONCALL2"], wait: "2 hours", quorum: 1 },
    ],
  });

  it("puts the named approver in place of an empty level 1; later levels keep theirs; reminders default to half of each wait", () => {
    expect(resolveLevels(open, "U0REQ", "U0MARIA")).toEqual({
      ok: true,
      levels: [
        { approvers: ["U0MARIA"], wait: "30 minutes", quorum: 1, reminder: "900 seconds" },
        { approvers: ["U0ONCALL1", "U0ONCALL2"], wait: "2 hours", quorum: 1, reminder: "3600 seconds" },
      ],
    });
  });

  it("uses the type's reminder for every level when it sets one", () => {
    const r = resolveLevels({ ...open, reminder: "10 minutes" }, "U0REQ", "U0MARIA");
    expect(r.ok && r.levels.map((l) => l.reminder)).toEqual(["10 minutes", "10 minutes"]);
  });

  it("needs a named approver when level 1 lists none", () => {
    expect(resolveLevels(open, "U0REQ", undefined)).toEqual({ ok: false, code: "no_approver", problem: "Name the approver as a mention, like `@maria`." });
  });

  it("refuses a mention where the policy names the approvers (nobody routes a request to a friend)", () => {
    const fixed = type({ levels: [{ approvers: ["U0SEC1"], wait: "4 hours", quorum: 1 }] });
    expect(resolveLevels(fixed, "U0REQ", "U0FRIEND")).toEqual({
      ok: false,
      code: "policy_approvers",
      problem: "This request type's approvers are set by the policy: leave out the @mention.",
    });
    expect(resolveLevels(fixed, "U0REQ", undefined)).toMatchObject({ ok: true, levels: [{ approvers: ["U0SEC1"] }] });
  });

  it("never lets requesters approve their own request unless the type allows it", () => {
    expect(resolveLevels(open, "U0REQ", "U0REQ")).toEqual({ ok: false, code: "own_request", problem: "You can't approve your own request: ask someone else." });
    const quorum = type({ levels: [{ approvers: ["U0REQ", "U0B"], wait: "1 day", quorum: 2 }] });
    expect(resolveLevels(quorum, "U0REQ", undefined)).toEqual({
      ok: false,
      code: "own_request",
      problem: "You can't approve your own request, and nobody else is listed to approve it.",
    });
    // The requester leaves a later level; a level that can no longer reach its quorum is dropped.
    const chain = type({
      levels: [
        { approvers: ["U0A"], wait: "1 hour", quorum: 1 },
        { approvers: ["U0REQ"], wait: "1 hour", quorum: 1 },
        { approvers: ["U0REQ", "U0C"], wait: "1 hour", quorum: 1 },
      ],
    });
    const r = resolveLevels(chain, "U0REQ", undefined);
    expect(r.ok && r.levels.map((l) => l.approvers)).toEqual([["U0A"], ["U0C"]]);
    const self = type({ allowSelfApproval: true, levels: [{ approvers: [], wait: "1 hour", quorum: 1 }] });
    expect(resolveLevels(self, "U0REQ", "U0REQ")).toMatchObject({ ok: true, levels: [{ approvers: ["U0REQ"] }] });
  });

  it("a named approver stands alone at level 1 (quorum 1)", () => {
    const quorum = type({ levels: [{ approvers: [], wait: "1 day", quorum: 1 }] });
    const r = resolveLevels(quorum, "U0REQ", "U0MARIA");
    expect(r.ok && r.levels[0]!.quorum).toBe(1);
  });

  it("approvers named over the API: any one of them decides; none may override the policy's; without a requester nobody is left out", () => {
    const r = resolveLevels(open, undefined, ["U0MARIA", "U0SAM", "U0MARIA"]);
    expect(r.ok && r.levels[0]).toMatchObject({ approvers: ["U0MARIA", "U0SAM"], quorum: 1 });
    const fixed = type({ levels: [{ approvers: ["U0SEC1"], wait: "4 hours", quorum: 1 }] });
    expect(resolveLevels(fixed, undefined, ["U0FRIEND"])).toMatchObject({ ok: false, code: "policy_approvers" });
    const fixedChain = resolveLevels(fixed, undefined, []);
    expect(fixedChain.ok && fixedChain.levels.map((l) => l.approvers)).toEqual([["U0SEC1"]]);
    expect(resolveLevels(open, undefined, undefined)).toMatchObject({ ok: false, code: "no_approver" });
    // The requester among several named approvers is left out; alone, refused.
    const without = resolveLevels(open, "U0REQ", ["U0REQ", "U0SAM"]);
    expect(without.ok && without.levels[0]!.approvers).toEqual(["U0SAM"]);
    expect(resolveLevels(open, "U0REQ", ["U0REQ"])).toMatchObject({ ok: false, code: "own_request" });
  });
});

describe("findType and the built-in default type", () => {
  const policy = parsePolicy({ types: { deploy: { title: "Production deploy", levels: [{ wait: "30 minutes" }] } } });

  it("finds a policy type by name, and nothing for an unknown one", () => {
    expect(findType(policy, config(), "deploy")?.title).toBe("Production deploy");
    expect(findType(policy, config(), "nope")).toBeUndefined();
  });

  it("the default type: the named approver for APPROVAL_TIMEOUT, then ESCALATION_USER if set", () => {
    expect(findType(policy, config(), "default")).toEqual(defaultType(config()));
    expect(defaultType(config()).levels).toEqual([{ approvers: [], wait: "4 hours", quorum: 1 }]);
    expect(defaultType(config("U0ESC")).levels).toEqual([
      { approvers: [], wait: "4 hours", quorum: 1 },
      { approvers: ["U0ESC"], wait: "1 day", quorum: 1 },
    ]);
  });

  it("names from Object's prototype are no type (own properties only)", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) expect(findType(policy, config(), name), name).toBeUndefined();
  });

  it("a policy's own default type replaces the built-in one", () => {
    const own = parsePolicy({ types: { default: { title: "Ours", levels: [{ approvers: ["U0BOSS"], wait: "1 hour" }] } } });
    expect(findType(own, config("U0ESC"), "default")?.title).toBe("Ours");
  });

  it("requestTypes lists the types a requester names (not the default)", () => {
    const json = JSON.stringify({
      types: { default: { title: "D", levels: [{ approvers: ["U0B"], wait: "1 hour" }] }, deploy: { title: "Deploy", levels: [{ wait: "1 hour" }] } },
    });
    expect(requestTypes({ POLICY_JSON: json })).toEqual([{ name: "deploy", title: "Deploy" }]);
  });
});

describe("parsing the policy", () => {
  it("fills the documented defaults", () => {
    expect(
      parsePolicy({ types: { x: { title: "X", levels: [{ wait: "1 hour" }], action: { url: "https://a.example/h", secret: "X_WEBHOOK_SECRET" } } } }).types.x,
    ).toEqual({
      title: "X",
      levels: [{ approvers: [], wait: "1 hour", quorum: 1 }],
      allowSelfApproval: false,
      action: { url: "https://a.example/h", method: "POST", secret: "X_WEBHOOK_SECRET", timeout: "1 hour" },
    });
  });

  it("names the bad field, or (root), and keeps subcommand names free", () => {
    expect(() => parsePolicy([])).toThrow("(root): ");
    // zod reports a refused record key as "Invalid key in record"; the path names the type.
    expect(() => parsePolicy({ types: { list: { title: "L", levels: [{ wait: "1 hour" }] } } })).toThrow(/types\.list: /);
    expect(() => parsePolicy({ types: { Deploy: { title: "D", levels: [{ wait: "1 hour" }] } } })).toThrow(/types\.Deploy: /);
  });

  it("an action URL is https, or http to localhost or 127.0.0.1 exactly, and never carries credentials", () => {
    const withUrl = (url: string) => ({ types: { x: { title: "X", levels: [{ wait: "1 hour" }], action: { url, secret: "X_WEBHOOK_SECRET" } } } });
    for (const ok of [
      "https://deploy.example/hooks/approved",
      "https://deploy.example:8443/h?x=1",
      "http://localhost:8080/hook",
      "http://127.0.0.1/hook",
      "http://localhost/",
    ]) {
      expect(parsePolicy(withUrl(ok)).types.x!.action!.url, ok).toBe(ok);
    }
    for (const bad of [
      // The real host of these two is evil.example, over plain http.
      "http://localhost:@evil.example/hook",
      "http://127.0.0.1:1@evil.example/hook",
      "https://user:pass@deploy.example/hook",
      "https://token@deploy.example/hook",
      "http://deploy.example/hook",
      "http://localhost.evil.example/hook",
      "http://127.0.0.1.evil.example/hook",
      "http://[::1]/hook",
      "ftp://deploy.example/hook",
      "javascript:alert(1)",
    ]) {
      expect(() => parsePolicy(withUrl(bad)), bad).toThrow(/types\.x\.action\.url: /);
    }
  });

  it("POLICY_JSON that is not JSON is a PolicyError, not a crash", () => {
    expect(() => loadPolicy({ POLICY_JSON: "{not json" })).toThrow(PolicyError);
    expect(() => loadPolicy({ POLICY_JSON: "{not json" })).toThrow("Invalid POLICY_JSON: not JSON");
  });
});
