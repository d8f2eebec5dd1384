import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  approverDm,
  captureLogs,
  click,
  eventually,
  injectFaults,
  newUser,
  postTo,
  receiverCalls,
  reject,
  requestJson,
  scriptReceiver,
  startRequest,
  startTyped,
  waitForStatus,
} from "./helpers";

/**
 * README: "Logs are one JSON line per event with ids and step names, never tokens, secrets or
 * bodies." The Worker and its workflows run in the test's isolate, so their console is captured
 * across whole flows: approved with an action, rejected with a reason, refused clicks, failed.
 */
describe("the Worker's logs", () => {
  it("carry ids and step names, never a token, a secret, a request's text or a body, across approve, reject and failure", async () => {
    using logs = captureLogs();
    // Text that only ever travels in bodies: the command's, the modal's, the webhook's.
    const description = "Deploy zebra-4471 with the quokka flag";
    const reason = "Marmalade-8813 is not ready";
    const hooks: string[] = [];

    // Approved, with an action: the webhook body carries the description.
    const deployer = await newUser();
    const approved = await startTyped(await newUser(), "deploy", deployer, description);
    await approverDm(deployer);
    await scriptReceiver(approved, [{ status: 200, body: { message: "deployed" } }]);
    hooks.push((await click(await newUser(), approved, "approve")).hook); // refused: not an approver
    hooks.push((await click(deployer, approved, "approve")).hook);
    const done = await eventually(async () => {
      const r = await requestJson(approved);
      return r.action_status === "succeeded" && r.workflow.status === "complete" && r;
    }, "the action");
    expect(JSON.parse((await receiverCalls(approved))[0]!.body).description).toBe(description);
    expect(done.status).toBe("approved");

    // Rejected with a reason.
    const rejecter = await newUser();
    const rejected = await startRequest(await newUser(), rejecter, description);
    await approverDm(rejecter);
    await reject(rejecter, rejected, reason);
    await waitForStatus(rejected, "rejected");

    // Failed: Slack refuses the DM.
    const unlucky = await newUser();
    await injectFaults("chat.postMessage", postTo(unlucky), [{ error: "invalid_auth" }]);
    const failed = await startRequest(await newUser(), unlucky, description);
    await waitForStatus(failed, "failed");

    // What was logged: one JSON object per line, with the ids and steps of these flows…
    const lines = logs.lines.filter((l) => l.startsWith("{"));
    const events = lines.map((l) => JSON.parse(l) as { level: string; message: string; requestId?: string; step?: string });
    const messages = (id: string) => events.filter((e) => e.requestId === id).map((e) => e.message);
    // Every line keeps its own level (no field overwrites it: "approver notified" once read level 1).
    expect(events.filter((e) => !["debug", "info", "warn", "error"].includes(e.level))).toEqual([]);
    expect(messages(approved)).toEqual(
      expect.arrayContaining([
        "request created",
        "request recorded",
        "approver notified",
        "click refused",
        "decision forwarded",
        "request approved",
        "action webhook called",
        "action succeeded",
      ]),
    );
    expect(messages(rejected)).toEqual(expect.arrayContaining(["decision forwarded", "request rejected"]));
    expect(messages(failed)).toEqual(expect.arrayContaining(["approval failed"]));
    expect(events.filter((e) => e.requestId === failed && e.message === "approval failed")).toEqual([
      expect.objectContaining({ level: "error", instanceId: failed, error: "Slack chat.postMessage failed: invalid_auth" }),
    ]);

    // …and none of the secrets, nor the text and URLs that travel only in bodies.
    const secrets = [env.SLACK_BOT_TOKEN!, env.SLACK_SIGNING_SECRET!, env.API_TOKEN!, env.TEST_WEBHOOK_SECRET];
    const forbidden = [...secrets, description, "zebra-4471", reason, "Marmalade", ...hooks];
    for (const line of logs.lines) for (const text of forbidden) expect(line, "a log line").not.toContain(text);
    expect(logs.lines.join("\n")).not.toMatch(/xox[abp]-|v0=[0-9a-f]{16}|v1=[0-9a-f]{16}|trigger_id|response_url=|payload=/);
  });
});
