import { introspectWorkflow } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, verifySlackSignature } from "../src/slack/verify";
import { commandBody, newUser, postSigned, postSignedSettled, sign, slackCalls } from "./helpers";

const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(res: Response, status: number, error: RegExp) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: string };
  expect(body.error).toMatch(error);
}

describe("Slack signature verification on every Slack route", () => {
  for (const path of ["/slack/commands", "/slack/interactions"]) {
    describe(path, () => {
      let body: string;
      beforeAll(async () => {
        body = await commandBody(await newUser(), "help");
      });

      it("accepts a correctly signed request", async () => {
        const res = await postSigned(path, path.endsWith("commands") ? body : "payload=%7B%7D");
        // Past the signature check: a usage reply (commands) or a payload error (interactions).
        if (path.endsWith("commands")) {
          expect(res.status).toBe(200);
          expect(((await res.json()) as { text: string }).text).toMatch(/approval @approver/);
        } else {
          await expectRefused(res, 400, /invalid interaction/);
        }
      });

      it("refuses a signature made with another secret", async () => {
        await expectRefused(await postSigned(path, body, { secret: "not-the-secret-at-all" }), 401, /invalid Slack signature/);
      });

      it("refuses a tampered body", async () => {
        const ts = now();
        const signature = await sign(body, ts);
        await expectRefused(await postSigned(path, body.replace("help", "hel p"), { timestamp: ts, signature }), 401, /invalid Slack signature/);
      });

      it("refuses a stale timestamp (older than 5 minutes)", async () => {
        await expectRefused(await postSigned(path, body, { timestamp: now() - 301 }), 401, /stale or future/);
      });

      it("refuses a future timestamp (more than 5 minutes ahead)", async () => {
        await expectRefused(await postSigned(path, body, { timestamp: now() + 301 }), 401, /stale or future/);
      });

      it("refuses a request without the signature header", async () => {
        await expectRefused(await postSigned(path, body, { signature: null }), 401, /missing/);
      });

      it("refuses a request without the timestamp header", async () => {
        const res = await postSigned(path, body, { headers: { "x-slack-request-timestamp": "" } });
        await expectRefused(res, 401, /missing|malformed/);
      });

      it("refuses malformed signatures and timestamps", async () => {
        for (const signature of ["v1=abc", "v0=zz", `v0=${"a".repeat(63)}`, "sha256=deadbeef", ""]) {
          await expectRefused(await postSigned(path, body, { signature }), 401, /malformed|missing/);
        }
        await expectRefused(await postSigned(path, body, { timestamp: "12ab" }), 401, /malformed/);
      });

      it("refuses a body over 1 MiB without reading it all", async () => {
        const big = `text=${"x".repeat(1024 * 1024)}`;
        await expectRefused(await postSigned(path, big), 413, /too large/);
      });

      it("cuts off a streamed body (no Content-Length) once it passes 1 MiB", async () => {
        const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            // 4 MiB on offer: the route must stop reading long before the end.
            if (sent >= 64) return controller.close();
            sent++;
            controller.enqueue(chunk);
          },
        });
        const ts = now();
        const res = await exports.default.fetch(
          new Request(`https://approvals.test${path}`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "x-slack-request-timestamp": String(ts),
              "x-slack-signature": `v0=${"0".repeat(64)}`,
            },
            body,
          }),
        );
        await expectRefused(res, 413, /too large/);
        expect(sent).toBeLessThan(64);
      });
    });
  }

  describe("Slack's ssl_check (unsigned, to the command URL)", () => {
    // @see https://github.com/slackapi/bolt-python/blob/a2f21ae/tests/scenario_tests/test_ssl_check.py
    const unsigned = (path: string, body: string) => postSigned(path, body, { signature: null, headers: { "x-slack-request-timestamp": "" } });

    it("is answered 200 with an empty body before any signature check", async () => {
      const res = await unsigned("/slack/commands", "token=deprecated-verification-token&ssl_check=1");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    });

    it("is only a body of token and ssl_check=1: anything else is checked like every request", async () => {
      await expectRefused(await unsigned("/slack/commands", "token=x&ssl_check=0"), 401, /missing/);
      await expectRefused(await unsigned("/slack/interactions", "token=x&ssl_check=1"), 401, /missing/);
      // A command with ssl_check=1 smuggled in does not skip the signature…
      const command = `${await commandBody(await newUser(), "help")}&ssl_check=1`;
      await expectRefused(await unsigned("/slack/commands", command), 401, /missing/);
      // …and, signed, it is the command it is, not an ssl_check.
      const signed = await postSigned("/slack/commands", command);
      expect(signed.status).toBe(200);
      expect(((await signed.json()) as { text: string }).text).toMatch(/approval @approver/);
    });
  });

  it("starts nothing for a refused request", async () => {
    await using approvals = await introspectWorkflow(env.APPROVAL);
    const user = await newUser();
    const res = await postSignedSettled("/slack/commands", await commandBody(user, `<@${await newUser()}> deploy`), { secret: "wrong-secret-wrong-secret" });
    expect(res.status).toBe(401);
    // The route starts its instance before it answers, and its later work has settled: nothing.
    expect(await approvals.get()).toHaveLength(0);
    expect(await slackCalls(() => true, { match: user.slice(1) })).toEqual([]);
  });

  it("refuses an oversized body sent without Content-Length once the limit (1 MiB) has arrived, without reading the rest", async () => {
    // A chunked body (no Content-Length) of 10 MB, produced only as it is read.
    let sent = 0;
    const chunk = new TextEncoder().encode(`text=${"x".repeat(16 * 1024 - 5)}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const ts = now();
    const request = new Request("https://approvals.test/slack/commands", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(ts), "x-slack-signature": `v0=${"0".repeat(64)}` },
      body,
    });
    expect(request.headers.get("content-length")).toBeNull();
    await expectRefused(await exports.default.fetch(request), 413, /too large/);
    // It stopped after the limit: a few chunks past MAX_BODY_BYTES at most, never the whole body.
    expect(sent).toBeGreaterThan(MAX_BODY_BYTES);
    expect(sent).toBeLessThan(MAX_BODY_BYTES + 8 * chunk.length);
  });

  it("verifySlackSignature matches Slack's documented example", async () => {
    // The example from Slack's "Verifying requests from Slack" guide.
    const secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const timestamp = "1531420618";
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    expect(await verifySlackSignature(secret, timestamp, signature, body, 1531420618)).toEqual({ ok: true });
    expect((await verifySlackSignature(secret, timestamp, signature, `${body}x`, 1531420618)).ok).toBe(false);
  });
});
