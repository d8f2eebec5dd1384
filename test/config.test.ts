import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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
  for (const [name, extra, message] of bad) {
    it(`names the bad setting: ${name}`, () => {
      expect(() => load(extra)).toThrow(ConfigError);
      expect(() => load(extra)).toThrow(message);
    });
  }

  it("never puts a secret's value in the error", () => {
    // Each secret is bad (too short), so each is named; none of the values may appear.
    const secrets = { SLACK_SIGNING_SECRET: "sig-9Qx", SLACK_BOT_TOKEN: "xoxb-7Z", API_TOKEN: "api-token-4Wm" };
    const thrown = (() => {
      try {
        load({ ...secrets, APPROVAL_TIMEOUT: "never" });
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect(message).toMatch(/SLACK_SIGNING_SECRET is too short.*SLACK_BOT_TOKEN is too short.*API_TOKEN must be at least 16.*APPROVAL_TIMEOUT/);
    for (const value of Object.values(secrets)) expect(message).not.toContain(value);
  });
});

describe("a setting that does not validate, seen from outside", () => {
  it("answers 503 naming the setting on every surface: JSON for Slack and the API, a page for the dashboard", async () => {
    // The real Worker, given an env whose timeout is not a duration (a fresh object: config is cached per env).
    const broken = { ...env, APPROVAL_TIMEOUT: "tomorrow" } as Env;
    const call = (path: string, init: RequestInit = {}) => worker.fetch(new Request(`https://approvals.test${path}`, init), broken, createExecutionContext());
    for (const path of ["/slack/commands", "/slack/interactions", "/slack/events"]) {
      const res = await call(path, { method: "POST", body: "x" });
      expect(res.status, path).toBe(503);
      expect(await res.json(), path).toEqual({ error: expect.stringMatching(/^Invalid configuration: APPROVAL_TIMEOUT expected a duration/) });
    }
    const api = await call("/api/stats", { headers: { authorization: `Bearer ${env.API_TOKEN}` } });
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: string }).error).toMatch(/APPROVAL_TIMEOUT/);
    const dashboard = await call("/dashboard");
    expect(dashboard.status).toBe(503);
    expect(dashboard.headers.get("content-type")).toMatch(/^text\/html/);
    expect(dashboard.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await dashboard.text()).toContain("Dashboard unavailable");
  });
});
