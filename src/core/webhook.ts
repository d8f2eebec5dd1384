import { NonRetryableError } from "cloudflare:workflows";
import { z } from "zod";

/**
 * HTTP calls to an action's receiver. Failures are classified for the calling step: a 4xx means
 * the receiver refused the request and no retry will change that (NonRetryableError, with the
 * receiver's message); 408, 429, 5xx and network errors are worth another try.
 */
export class WebhookRetryableError extends Error {
  override name = "WebhookRetryableError";
}

const encoder = new TextEncoder();

/** `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` with the action's secret: what receivers verify. */
export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `v1=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The receiver's own words, shortened: from a JSON {error|message} or the text body. */
async function receiverMessage(res: Response): Promise<string> {
  const text = (await res.text()).slice(0, 2000);
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const m = json.error ?? json.message;
    if (typeof m === "string") return m.slice(0, 300);
  } catch {
    // Not JSON: the text itself, below.
  }
  return text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`;
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new WebhookRetryableError(`network error calling ${new URL(url).host} (${(err as Error).name})`);
  }
  if (res.status >= 200 && res.status < 300) return res;
  const message = await receiverMessage(res);
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    throw new WebhookRetryableError(`receiver answered ${res.status}: ${message}`);
  }
  throw new NonRetryableError(`receiver answered ${res.status}: ${message}`);
}

/** What one call of the webhook came to (recorded in D1 by its idempotency key). */
export const callResultSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("done"), status: z.number().int(), message: z.string() }),
  z.object({ kind: z.literal("accepted"), status: z.number().int(), statusUrl: z.string() }),
]);
export type CallResult = z.infer<typeof callResultSchema>;

/**
 * Calls the action webhook once, signed, with the Idempotency-Key. A 202 with a status URL (body
 * `statusUrl` or the Location header) means the action runs on; the URL must be on the same host
 * as the webhook, so a receiver cannot point us anywhere else.
 */
export async function callWebhook(a: { url: string; method: string; secret: string; idempotencyKey: string; body: string }): Promise<CallResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await send(a.url, {
    method: a.method,
    headers: {
      "content-type": "application/json",
      "idempotency-key": a.idempotencyKey,
      "x-approvals-timestamp": timestamp,
      "x-approvals-signature": await signWebhook(a.secret, timestamp, a.body),
    },
    body: a.body,
  });
  if (res.status === 202) {
    const json = (await res.json().catch(() => ({}))) as { statusUrl?: unknown };
    const raw = typeof json.statusUrl === "string" ? json.statusUrl : res.headers.get("location");
    if (!raw) throw new NonRetryableError("receiver answered 202 without a status URL");
    const statusUrl = new URL(raw, a.url);
    if (statusUrl.origin !== new URL(a.url).origin) throw new NonRetryableError(`status URL on another origin (${statusUrl.origin}) refused`);
    return { kind: "accepted", status: 202, statusUrl: statusUrl.toString() };
  }
  return { kind: "done", status: res.status, message: (await receiverMessage(res)).slice(0, 200) };
}

const statusSchema = z.object({
  state: z.enum(["running", "complete", "failed"]),
  progress: z.number().min(0).max(100).optional(),
  message: z.string().max(500).optional(),
});
export type ActionStatus = z.infer<typeof statusSchema>;

/** One poll of a long-running action's status URL (signed GET with the same idempotency key). */
export async function pollStatus(a: { url: string; secret: string; idempotencyKey: string }): Promise<ActionStatus> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await send(a.url, {
    method: "GET",
    headers: { "idempotency-key": a.idempotencyKey, "x-approvals-timestamp": timestamp, "x-approvals-signature": await signWebhook(a.secret, timestamp, "") },
  });
  const parsed = statusSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new WebhookRetryableError("status URL answered something other than {state, progress?, message?}");
  return parsed.data;
}
