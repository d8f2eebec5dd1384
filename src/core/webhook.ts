import { NonRetryableError } from "cloudflare:workflows";
import { z } from "zod";
import { readCapped } from "./capped-body";

/**
 * HTTP calls to an action's receiver. Failures are classified for the calling step: a 4xx means
 * the receiver refused the request and no retry will change that (NonRetryableError, with the
 * receiver's message); 408, 429, 5xx and network errors are worth another try.
 */
export class WebhookRetryableError extends Error {
  override name = "WebhookRetryableError";
}

const encoder = new TextEncoder();

/** Everything a receiver acts on, which the signature covers. */
export interface SignedCall {
  method: string;
  /** The path and query the request is sent to, as on its request line (`/hooks/approved?x=1`). */
  path: string;
  idempotencyKey: string;
  /** Unix seconds, as sent in X-Approvals-Timestamp. */
  timestamp: string;
  /** The raw body ("" for a status poll). */
  body: string;
}

/**
 * The canonical string we sign (README, "Actions"): `v2`, the timestamp, the method, the path and
 * query, the Idempotency-Key and the raw body, one per line. None of the first five can hold a
 * line break, so no part can be shifted into another.
 */
export const webhookSigningString = (c: SignedCall): string => ["v2", c.timestamp, c.method.toUpperCase(), c.path, c.idempotencyKey, c.body].join("\n");

/** `v2=` + hex HMAC-SHA256 of the canonical string with the action's secret: what receivers verify. */
export async function signWebhook(secret: string, call: SignedCall): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(webhookSigningString(call)));
  return `v2=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The signed headers of one call to `url`. */
async function signedHeaders(url: string, secret: string, c: Omit<SignedCall, "path" | "timestamp">): Promise<Record<string, string>> {
  const { pathname, search } = new URL(url);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    "idempotency-key": c.idempotencyKey,
    "x-approvals-timestamp": timestamp,
    "x-approvals-signature": await signWebhook(secret, { ...c, path: pathname + search, timestamp }),
  };
}

/** The most of a receiver's answer we read: what we keep of it (a message, a status, a URL) fits easily. */
const MAX_ANSWER_BYTES = 8 * 1024;

/** A receiver's answer: its status and headers, and its body read once, at most MAX_ANSWER_BYTES. */
interface Answer {
  res: Response;
  read(): Promise<string>;
}

/** The receiver's own words, shortened: from a JSON {error|message} or the text body. */
async function receiverMessage(answer: Answer): Promise<string> {
  const text = (await answer.read()).slice(0, 2000);
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const m = json.error ?? json.message;
    if (typeof m === "string") return m.slice(0, 300);
  } catch {
    // Not JSON (or cut short): the text itself, below.
  }
  return text.trim().slice(0, 300) || answer.res.statusText || `HTTP ${answer.res.status}`;
}

/** A JSON answer; undefined if it is not JSON (or longer than we read). */
async function receiverJson(answer: Answer): Promise<unknown> {
  try {
    return JSON.parse(await answer.read());
  } catch {
    return undefined;
  }
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  // Aborted once the answer is read (or cut): that closes the connection, so a receiver that
  // keeps writing is not read, nor kept waiting, any further.
  const done = new AbortController();
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.any([done.signal, AbortSignal.timeout(15_000)]) });
  } catch (err) {
    throw new WebhookRetryableError(`network error calling ${new URL(url).host} (${(err as Error).name})`);
  }
  const answer: Answer = {
    res,
    read: async () => {
      try {
        return await readCapped(res, MAX_ANSWER_BYTES);
      } catch {
        return ""; // the connection failed mid-answer: what status it had is what we know
      } finally {
        done.abort();
      }
    },
  };
  if (res.status >= 200 && res.status < 300) return answer;
  const message = await receiverMessage(answer);
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
  const answer = await send(a.url, {
    method: a.method,
    headers: {
      "content-type": "application/json",
      ...(await signedHeaders(a.url, a.secret, { method: a.method, idempotencyKey: a.idempotencyKey, body: a.body })),
    },
    body: a.body,
  });
  const { res } = answer;
  if (res.status === 202) {
    const json = ((await receiverJson(answer)) ?? {}) as { statusUrl?: unknown };
    const raw = typeof json.statusUrl === "string" ? json.statusUrl : res.headers.get("location");
    if (!raw) throw new NonRetryableError("receiver answered 202 without a status URL");
    const statusUrl = new URL(raw, a.url);
    if (statusUrl.origin !== new URL(a.url).origin) throw new NonRetryableError(`status URL on another origin (${statusUrl.origin}) refused`);
    return { kind: "accepted", status: 202, statusUrl: statusUrl.toString() };
  }
  return { kind: "done", status: res.status, message: (await receiverMessage(answer)).slice(0, 200) };
}

const statusSchema = z.object({
  state: z.enum(["running", "complete", "failed"]),
  progress: z.number().min(0).max(100).optional(),
  message: z.string().max(500).optional(),
});
export type ActionStatus = z.infer<typeof statusSchema>;

/** One poll of a long-running action's status URL (a GET with the same idempotency key, signed the same way). */
export async function pollStatus(a: { url: string; secret: string; idempotencyKey: string }): Promise<ActionStatus> {
  const res = await send(a.url, {
    method: "GET",
    headers: await signedHeaders(a.url, a.secret, { method: "GET", idempotencyKey: a.idempotencyKey, body: "" }),
  });
  const parsed = statusSchema.safeParse(await receiverJson(res));
  if (!parsed.success) throw new WebhookRetryableError("status URL answered something other than {state, progress?, message?}");
  return parsed.data;
}
