// Click route latency against `wrangler dev`: N requests are created and wait for a decision,
// then each gets one signed click, one at a time. Measures the route's answer time (what Slack
// waits for, limit 3 s) and the time from the click until the Slack stand-in receives the
// chat.update that shows the outcome.
import { clickLatency, startBenchStack, writeSection } from "./lib.js";

const N = Number(process.env.CLICKS ?? 200);
const s = await startBenchStack({ port: 8797, fakeSlackPort: 8798 });
try {
  const { answer: a, toUpdate: u, slackCallsPerApproval: slackCalls } = await clickLatency(s, N);
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

Slack API calls per approval: ${slackCalls} (target ≤ 5): chat.postMessage to the approver's user id (Slack picks the DM, no conversations.open), chat.postMessage to the requester's id (receipt with Cancel), chat.update (approver's DM: the outcome), chat.update (receipt), chat.postMessage (outcome to the requester). No users.info: the requester's name comes with the slash command; no history reply in the DM's thread: the updated DM shows the outcome.`,
  );
} finally {
  await s.stop();
}
