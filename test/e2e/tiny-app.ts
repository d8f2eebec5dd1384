// A minimal Slack app over HTTP for testing the stand-in itself (modals, signatures): it checks
// Slack's v0 signature with standin/signing.js and answers with what the test asks.
import { createServer, type Server } from "node:http";
import type { BlockAction, EnvelopedEvent, ViewClosedAction, ViewSubmitAction } from "@slack/bolt";
import { slackSignature } from "../../standin/signing.js";

/** The interaction payloads the stand-in delivers (bolt's types of Slack's shapes). */
export type SlackInteraction = BlockAction | ViewSubmitAction | ViewClosedAction;

export interface Received {
  path: string;
  /** The request's headers, names in lower case. */
  headers: Record<string, string>;
  signatureValid: boolean;
  contentType: string;
  form: Record<string, string>;
  /** A form's `payload` field, parsed: an interaction. */
  payload?: SlackInteraction;
  /** A JSON body, parsed: any Events API body (an event_callback, app_rate_limited, …); see eventEnvelope. */
  json?: unknown;
}

/** A request that carried an interaction of the type the test expects; anything else fails the test here. */
export function withPayload<T extends SlackInteraction["type"]>(
  r: Received | undefined,
  type: T,
): Received & { payload: Extract<SlackInteraction, { type: T }> } {
  if (r?.payload?.type !== type) throw new Error(`expected a ${type} payload, got ${JSON.stringify(r?.payload)}`);
  return r as Received & { payload: Extract<SlackInteraction, { type: T }> };
}

/** The event_callback a request carried; anything else fails the test here. */
export function eventEnvelope(r: Received | undefined): EnvelopedEvent {
  const json = r?.json;
  if (typeof json !== "object" || json === null || (json as { type?: unknown }).type !== "event_callback")
    throw new Error(`expected an event_callback, got ${JSON.stringify(json)}`);
  return json as EnvelopedEvent;
}

export interface TinyAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function startTinyApp(
  secret: string,
  answer: (r: Received) => Promise<TinyAnswer> | TinyAnswer,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const ts = String(req.headers["x-slack-request-timestamp"] ?? "");
    const expected = await slackSignature(secret, ts, raw);
    const contentType = String(req.headers["content-type"] ?? "");
    const form = contentType.includes("x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(raw)) : {};
    const r: Received = {
      path: req.url ?? "",
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      signatureValid: expected === req.headers["x-slack-signature"] && Math.abs(Date.now() / 1000 - Number(ts)) < 300,
      contentType,
      form,
      payload: form.payload ? JSON.parse(form.payload) : undefined,
      json: contentType.includes("json") ? JSON.parse(raw) : undefined,
    };
    received.push(r);
    const out = r.signatureValid ? await answer(r) : { status: 401, body: { error: "invalid signature" } };
    const body = out.body === undefined ? "" : JSON.stringify(out.body);
    res.writeHead(out.status ?? 200, { ...(body ? { "content-type": "application/json" } : {}), ...out.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
