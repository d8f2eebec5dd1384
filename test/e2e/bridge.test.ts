// The Socket Mode bridge (`npm run bridge`), end to end: the stand-in serves apps.connections.open
// and a WebSocket that sends Socket Mode envelopes and checks the acks; the bridge (a real
// @slack/bolt app in a child process) forwards each payload to the service as a signed request
// and acks with the route's answer.
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { DeliveryRecord, PageActionAnswer, PageState, SocketModeRecord, StandinMessage } from "../../standin/control.js";
import { startFakeSlack } from "../../standin/server.js";
import type { ApiRequest } from "./api-request";
import { eventually } from "./eventually";
import { getJson, postJson } from "./http";
import { startTinyApp } from "./tiny-app";

const stack = inject("stack");
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Bridge {
  output: string[];
  stop(): Promise<void>;
}

function startBridge(env: Record<string, string>): Bridge {
  const child: ChildProcess = spawn(process.execPath, ["scripts/bridge.js"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout!.on("data", (d) => output.push(...String(d).trim().split("\n")));
  child.stderr!.on("data", (d) => output.push(...String(d).trim().split("\n")));
  const bridge = {
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
  cleanup.push(() => bridge.stop());
  return bridge;
}

const pagePost = (base: string, path: string, body: unknown) => postJson<PageActionAnswer>(`${base}${path}`, body);
const envelopes = (base: string) => getJson<SocketModeRecord>(`${base}/_control/envelopes`);
const pageState = (base: string, user: string) => getJson<PageState>(`${base}/_ui/state?user=${user}`);

describe("npm run bridge", () => {
  it("relays a slash command and an Approve click from Socket Mode to the service and acks with its answers", async () => {
    const base = stack.standinUrl;
    await fetch(`${base}/_control/reset`, { method: "POST" });
    const bridge = startBridge({
      SERVICE_URL: stack.serviceUrl,
      SLACK_API_URL: `${base}/api/`,
      SLACK_APP_TOKEN: stack.appToken,
      SLACK_SIGNING_SECRET: stack.signingSecret,
    });
    await eventually(async () => (await envelopes(base)).connections === 1, "the bridge to connect");

    const sent = await pagePost(base, "/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: "/approval @maria Rotate the database password" });
    expect(sent).toMatchObject({ ok: true });
    const [command] = (await envelopes(base)).envelopes;
    // Acked in time as Slack measures it: the stand-in records an ack only within its 3 s
    // (standin/socket-mode.js ACK_TIMEOUT_MS); a later one would be `operation_timeout`.
    expect(command).toMatchObject({ type: "slash_commands", acked: true });
    expect(command).not.toHaveProperty("error");
    // The ack carries the route's own answer: Slack shows it as the command's reply.
    expect(command?.ackPayload).toMatchObject({ response_type: "ephemeral" });
    const answer = String(command?.ackPayload?.text);
    const id = /req-[a-z0-9]{12}/.exec(answer)![0];
    const requesterView = await pageState(base, "U0REQUESTER");
    // The page shows the ack as the command's ephemeral reply (the receipt DM may already be there too).
    expect(requesterView.items.filter((i) => i.kind === "ephemeral").at(-1)).toMatchObject({
      kind: "ephemeral",
      text: answer,
    });

    const dm = await eventually(
      async () => (await getJson<StandinMessage[]>(`${base}/_control/messages?channel=D0APPROVER`)).find((m) => JSON.stringify(m.blocks).includes(id)),
      "the approver's DM",
    );
    expect(
      await pagePost(base, "/_ui/action", { user: "U0APPROVER", channel: "D0APPROVER", ts: dm.ts, block_id: `decision:${id}`, action_id: "approval_approve" }),
    ).toMatchObject({ ok: true });
    const click = (await envelopes(base)).envelopes[1];
    expect(click).toMatchObject({ type: "interactive", acked: true, ackPayload: {} });
    expect(click).not.toHaveProperty("error");

    const done = await eventually(async () => {
      const body = await getJson<ApiRequest>(`${stack.serviceUrl}/api/requests/${id}`, { authorization: `Bearer ${stack.apiToken}` });
      return body.status === "approved" ? body : undefined;
    }, "the request to be approved");
    expect(done).toMatchObject({ status: "approved", decided_by: "U0APPROVER" });
    const deliveries = await getJson<DeliveryRecord[]>(`${base}/_control/deliveries`);
    expect(deliveries.map((d) => [d.kind, d.via, d.ok])).toEqual([
      ["command", "socket", true],
      ["interaction", "socket", true],
    ]);
    expect(bridge.output.join("\n")).toMatch(/✓ \/approval from U0REQUESTER → \/slack\/commands 200 in \d+ ms, acked/);

    // Once the bridge is gone the stand-in delivers over HTTP again.
    await bridge.stop();
    await eventually(async () => (await envelopes(base)).connections === 0, "the bridge to disconnect");
  });

  it("forwards events as signed JSON, relays in_channel answers, and never acks a route that is too slow", async () => {
    const secret = "bridge-test-secret-0123456789";
    const app = await startTinyApp(secret, async (r) => {
      if (r.form.text === "slow") await new Promise((res) => setTimeout(res, 3200));
      if (r.path === "/slack/commands") return { body: { response_type: "in_channel", text: `Hi <@${r.form.user_id}>` } };
      return {};
    });
    cleanup.push(() => app.close());
    const fake = await startFakeSlack({ token: "xoxb-bridge", appToken: "xapp-1-bridge" });
    cleanup.push(() => fake.close());
    const bridge = startBridge({ SERVICE_URL: app.url, SLACK_API_URL: fake.apiUrl, SLACK_APP_TOKEN: "xapp-1-bridge", SLACK_SIGNING_SECRET: secret });
    await eventually(async () => (await envelopes(fake.url)).connections === 1, "the bridge to connect");

    await pagePost(fake.url, "/_ui/command", { user: "U0ESCALATE", channel: "C0GENERAL", text: "/approval hello" });
    expect(app.received[0]).toMatchObject({
      path: "/slack/commands",
      signatureValid: true,
      form: { command: "/approval", text: "hello", user_id: "U0ESCALATE" },
    });
    const general = await getJson<StandinMessage[]>(`${fake.url}/_control/messages?channel=C0GENERAL`);
    expect(general.map((m) => m.text)).toEqual(["Hi <@U0ESCALATE>"]);

    await pagePost(fake.url, "/_ui/message", { user: "U0ESCALATE", channel: "D0ESCALATE", text: "ping" });
    const event = await eventually(async () => app.received.find((r) => r.path === "/slack/events"), "the event to be forwarded");
    expect(event).toMatchObject({
      signatureValid: true,
      contentType: "application/json",
      json: { type: "event_callback", event: { type: "message", text: "ping", user: "U0ESCALATE" } },
    });
    const eventEnvelope = (await envelopes(fake.url)).envelopes.find((e) => e.type === "events_api");
    expect(eventEnvelope).toMatchObject({ acked: true });

    // A route slower than Slack's 3 s: the bridge does not ack, Slack reports the timeout.
    const slow = await pagePost(fake.url, "/_ui/command", { user: "U0ESCALATE", channel: "C0GENERAL", text: "/approval slow" });
    expect(slow).toMatchObject({ ok: false, error: "operation_timeout" });
    const view = await pageState(fake.url, "U0ESCALATE");
    expect(view.items.at(-1)).toMatchObject({ kind: "ephemeral", text: '/approval failed with the error "operation_timeout"' });
    await eventually(async () => bridge.output.some((l) => l.includes("not acked")), "the bridge to log the timeout");
  });
});
