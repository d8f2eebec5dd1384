import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../src/config";
import type { Env } from "../src/env";
import worker from "../src/index";

const base = { SLACK_SIGNING_SECRET: "a-signing-secret", SLACK_BOT_TOKEN: "xoxb-a-token" };
const load = (extra: Record<string, unknown>) => loadConfig({ ...base, ...extra } as unknown as Env);

describe("configuration", () => {
  it("applies the documented defaults", () => {
    expect(load({})).toMatchObject({
      SLACK_API_URL: "https://slack.com/api/",
      APPROVAL_TIMEOUT: "24 hours",
      ESCALATION_TIMEOUT: "24 hours",
      ESCALATION_USER: undefined,
    });
  });

  it("accepts settings as wrangler --var passes them", () => {
    expect(load({ SLACK_API_URL: "http://127.0.0.1:8790/api", LOCAL_DEV: "true", APPROVAL_TIMEOUT: "30 seconds", ESCALATION_USER: "U0ESC" })).toMatchObject({
      SLACK_API_URL: "http://127.0.0.1:8790/api/",
      APPROVAL_TIMEOUT: "30 seconds",
      ESCALATION_USER: "U0ESC",
    });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["missing signing secret", { SLACK_SIGNING_SECRET: undefined }, /SLACK_SIGNING_SECRET is missing/],
    ["missing bot token", { SLACK_BOT_TOKEN: undefined }, /SLACK_BOT_TOKEN is missing/],
    ["bad timeout", { APPROVAL_TIMEOUT: "tomorrow" }, /APPROVAL_TIMEOUT expected a duration/],
    ["bad escalation timeout", { ESCALATION_TIMEOUT: "5 fortnights" }, /ESCALATION_TIMEOUT/],
    ["bad escalation user", { ESCALATION_USER: "@boss" }, /ESCALATION_USER expected a Slack user id/],
    ["bad API URL", { SLACK_API_URL: "ftp://slack" }, /SLACK_API_URL/],
    [
      "plain http API URL outside local dev (the bot token would travel in clear)",
      { SLACK_API_URL: "http://slack.example/api/" },
      /SLACK_API_URL must be https/,
    ],
    ["short API token", { API_TOKEN: "short" }, /API_TOKEN must be at least 16/],
  ];
  /** The ConfigError a load throws. */
  const failure = (extra: Record<string, unknown>): ConfigError => {
    try {
      load(extra);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    return expect.unreachable("no ConfigError");
  };
  for (const [name, extra, detail] of bad) {
    it(`names the bad setting in the error's detail (for the log): ${name}`, () => {
      expect(failure(extra).detail).toMatch(detail);
    });
  }

  it("never puts a setting's name in the error's message (what callers may see), nor a secret's value anywhere", () => {
    const err = failure({ SLACK_BOT_TOKEN: "xoxb", APPROVAL_TIMEOUT: "never" });
    expect(err.message).not.toMatch(/SLACK_BOT_TOKEN|APPROVAL_TIMEOUT/);
    expect(err.detail).toMatch(/SLACK_BOT_TOKEN.*APPROVAL_TIMEOUT/);
    expect(`${err.message} ${err.detail}`).not.toContain("xoxb");
    // Each secret is bad (too short), so each is named in the detail; none of the values appears.
    const secrets = { SLACK_SIGNING_SECRET: "sig-9Qx", SLACK_BOT_TOKEN: "xoxb-7Z", API_TOKEN: "api-token-4Wm" };
    const all = failure({ ...secrets, APPROVAL_TIMEOUT: "never" });
    expect(all.detail).toMatch(/SLACK_SIGNING_SECRET is too short.*SLACK_BOT_TOKEN is too short.*API_TOKEN must be at least 16.*APPROVAL_TIMEOUT/);
    for (const value of Object.values(secrets)) expect(`${all.message} ${all.detail}`).not.toContain(value);
  });
});

describe("a setting that does not validate, seen from outside", () => {
  it("answers a generic 503 on every surface, naming no setting; the log has the detail", async () => {
    // The real Worker, given an env whose timeout is not a duration (a fresh object: config is cached per env).
    const broken = { ...env, APPROVAL_TIMEOUT: "tomorrow" } as Env;
    const call = (path: string, init: RequestInit = {}) => worker.fetch(new Request(`https://approvals.test${path}`, init), broken, createExecutionContext());
    const logged: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((line: unknown) => void logged.push(String(line))),
    );
    try {
      for (const path of ["/slack/commands", "/slack/interactions", "/slack/events"]) {
        const res = await call(path, { method: "POST", body: "x" });
        expect(res.status, path).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text), path).toEqual({ error: "service unavailable: its configuration is invalid" });
      }
      const api = await call("/api/stats", { headers: { authorization: `Bearer ${env.API_TOKEN}` } });
      expect(api.status).toBe(503);
      expect(await api.text()).not.toMatch(/APPROVAL_TIMEOUT|duration/);
      const dashboard = await call("/dashboard");
      expect(dashboard.status).toBe(503);
      expect(dashboard.headers.get("content-type")).toMatch(/^text\/html/);
      expect(dashboard.headers.get("content-security-policy")).toContain("default-src 'none'");
      const page = await dashboard.text();
      expect(page).toContain("Dashboard unavailable");
      expect(page).not.toMatch(/APPROVAL_TIMEOUT|duration/);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const details = logged.filter((l) => l.includes("APPROVAL_TIMEOUT expected a duration"));
    expect(details.length).toBeGreaterThanOrEqual(5);
    expect(JSON.parse(details[0]!)).toMatchObject({ level: "error", message: "invalid configuration" });
  });
});
