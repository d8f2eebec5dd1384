// Click route latency against `wrangler dev`: N requests are created and wait for a decision,
// then each gets one signed click, one at a time. Measures the route's answer time (what Slack
// waits for, limit 3 s) and the time from the click until the Slack stand-in receives the
// chat.update that shows the outcome.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "../scripts/lib/local-stack.js";
import { signedHeaders } from "../standin/signing.js";
import { slackBodies, summary, writeSection } from "./lib.js";

const N = Number(process.env.CLICKS ?? 200);
const dir = await mkdtemp(join(tmpdir(), "approvals-bench-"));
const stack = await startLocalStack({ port: 8797, fakeSlackPort: 8798, persistTo: dir, quiet: true, forceFakeSlack: true });
const { commandBody, clickBody } = slackBodies(stack.fake);
const post = async (path, body) => {
  const res = await fetch(stack.url + path, { method: "POST", headers: await signedHeaders(stack.signingSecret, body), body });
  return { status: res.status, text: await res.text() };
};

try {
  const ids = [];
  for (let i = 0; i < N; i++) {
    const approver = `U0APPR${i}`;
    const { text } = await post("/slack/commands", commandBody(`U0REQ${i}`, `<@${approver}> bench request ${i}`));
    ids.push({ id: /`(req-[a-z0-9]{12})`/.exec(text)[1], approver });
  }
  // Wait until every approver's DM is out, so each click finds a waiting workflow.
  const deadline = Date.now() + 120_000;
  while (stack.fake.state.messages.length < N) {
    if (Date.now() > deadline) throw new Error(`only ${stack.fake.state.messages.length}/${N} DMs were sent`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const answer = [];
  const toUpdate = [];
  for (const { id, approver } of ids) {
    const channel = `D${approver.slice(1)}`;
    const body = clickBody(approver, id, "approve");
    const sent = Date.now();
    const t0 = performance.now();
    const { status } = await post("/slack/interactions", body);
    answer.push(performance.now() - t0);
    if (status !== 200) throw new Error(`click answered ${status}`);
    while (!stack.fake.state.calls.some((c) => c.method === "chat.update" && c.args.channel === channel)) {
      if (Date.now() - sent > 30_000) throw new Error(`no chat.update for ${id}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    toUpdate.push(stack.fake.state.calls.find((c) => c.method === "chat.update" && c.args.channel === channel).at - sent);
  }
  // Let the last requester DMs go out before counting Slack calls.
  const settle = Date.now() + 60_000;
  for (let last = -1; stack.fake.state.calls.length !== last && Date.now() < settle; ) {
    last = stack.fake.state.calls.length;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const a = summary(answer);
  const u = summary(toUpdate);
  const slackCalls = stack.fake.state.calls.length / N;
  console.log(`click route answer (ms): ${JSON.stringify(a)}`);
  console.log(`click → chat.update (ms): ${JSON.stringify(u)}`);
  console.log(`Slack API calls per approval: ${slackCalls}`);
  await writeSection(
    "Click route latency (wrangler dev, sequential)",
    `${N} waiting requests, one signed click each, sent one after another from a second process.

| measure | n | p50 ms | p95 ms | p99 ms | max ms |
| --- | --- | --- | --- | --- | --- |
| click route answer (Slack needs < 3000) | ${a.n} | ${a.p50} | ${a.p95} | ${a.p99} | ${a.max} |
| click → chat.update received by Slack | ${u.n} | ${u.p50} | ${u.p95} | ${u.p99} | ${u.max} |

Slack API calls per approval: ${slackCalls}: users.info (requester's name; cached in KV for a day, so a repeat requester costs 6), chat.postMessage to the approver's user id (Slack picks the DM, no conversations.open), chat.postMessage to the requester's id (receipt with Cancel), chat.update (approver's DM), chat.postMessage (history reply in its thread), chat.update (receipt), chat.postMessage (outcome to the requester).`,
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
