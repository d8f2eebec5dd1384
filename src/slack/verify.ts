import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadConfig } from "../config";
import type { AppEnv } from "../env";
import { sslCheck } from "./ssl-check";

/**
 * The largest body Slack's routes read: 1 MiB. A view payload carries the whole view (Slack
 * takes views up to 250 kB: `view_too_large`), form-encoded into `payload=`, which can triple
 * its size (a modal with a large static_select is over 80 KiB); anything larger is not Slack.
 * @see https://docs.slack.dev/reference/methods/views.open (view_too_large: "greater than 250kb")
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Slack's own guidance: refuse requests whose timestamp is more than 5 minutes off.
 * @see https://docs.slack.dev/authentication/verifying-requests-from-slack
 */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, compared in
 * constant time by crypto.subtle.verify, with the timestamp within 5 minutes of now.
 */
export async function verifySlackSignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifyResult> {
  if (!timestamp || !signature) return { ok: false, reason: "missing Slack signature headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed X-Slack-Request-Timestamp" };
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: "stale or future X-Slack-Request-Timestamp" };
  }
  const m = /^v0=([0-9a-f]{64})$/.exec(signature);
  if (!m) return { ok: false, reason: "malformed X-Slack-Signature" };
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), hexToBytes(m[1]!), encoder.encode(`v0:${timestamp}:${rawBody}`));
  return valid ? { ok: true } : { ok: false, reason: "invalid Slack signature" };
}

/**
 * The middleware of every Slack route, in order: the settings (a ConfigError answers 503), a body
 * of at most 1 MiB (413: refused unread when Content-Length says so, cut off while streaming
 * otherwise), Slack's unsigned ssl_check (200, nothing else done; ssl-check.ts), and Slack's
 * signature over the body (401). Hono keeps the verified body, so the route's validator parses
 * exactly what was signed. None of them ever answers 500.
 */
export function slackSignature(): MiddlewareHandler<AppEnv>[] {
  return [
    async (c, next) => {
      loadConfig(c.env);
      await next();
    },
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: "request body too large" }, 413) }),
    sslCheck,
    async (c, next) => {
      const result = await verifySlackSignature(
        loadConfig(c.env).SLACK_SIGNING_SECRET,
        c.req.header("x-slack-request-timestamp"),
        c.req.header("x-slack-signature"),
        await c.req.text(),
      );
      if (!result.ok) return c.json({ error: result.reason }, 401);
      await next();
    },
  ];
}
