// Acts as Slack against a running `npm run dev`: sends signed slash commands and button clicks,
// and reads a request back from the API.
//   npm run slack -- command <requester> "<@U0APPROVER> what needs approving"
//   npm run slack -- click <user> <request id> approve|reject
//   npm run slack -- show <request id>
import { LOCAL, readDevVars } from "./lib/local-defaults.js";
import { clickForm, commandForm } from "../standin/payloads.js";
import { signedHeaders } from "../standin/signing.js";

const base = process.env.SERVICE_URL ?? `http://127.0.0.1:${LOCAL.port}`;
const devVars = await readDevVars();
const secret = process.env.SLACK_SIGNING_SECRET ?? devVars.SLACK_SIGNING_SECRET ?? LOCAL.vars.SLACK_SIGNING_SECRET;
const apiToken = process.env.API_TOKEN ?? devVars.API_TOKEN ?? LOCAL.vars.API_TOKEN;
const hooks = `http://127.0.0.1:${LOCAL.fakeSlackPort}/hooks`;

async function post(path, body) {
  const res = await fetch(base + path, { method: "POST", headers: await signedHeaders(secret, body), body });
  const text = await res.text();
  console.log(`${res.status} ${text || "(empty: Slack shows nothing)"}`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "command" && args.length === 2) await post("/slack/commands", commandForm(args[0], args[1], { responseUrl: `${hooks}/commands/${Date.now()}` }));
else if (cmd === "click" && args.length === 3 && ["approve", "reject"].includes(args[2])) await post("/slack/interactions", clickForm(args[0], args[1], args[2], { responseUrl: `${hooks}/actions/${Date.now()}` }));
else if (cmd === "show" && args.length === 1) {
  const res = await fetch(`${base}/api/requests/${args[0]}`, { headers: { authorization: `Bearer ${apiToken}` } });
  console.log(res.status, JSON.stringify(await res.json(), null, 2));
} else {
  console.error('usage: npm run slack -- command <requester> "<@U0APPROVER> text" | click <user> <request id> approve|reject | show <request id>');
  process.exit(2);
}
