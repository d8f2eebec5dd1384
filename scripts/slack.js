// Acts as Slack against a running `npm run dev`: sends signed slash commands and button clicks,
// with the trigger_id and response_url the local Slack stand-in issued (it accepts no other), and
// reads a request back from the API.
//   npm run slack -- command <requester> "<@U0APPROVER> what needs approving"
//   npm run slack -- click <user> <request id> approve|reject
//   npm run slack -- show <request id>

import { standinControl } from "../standin/control.js";
import { clickForm, commandForm } from "../standin/payloads.js";
import { signedHeaders } from "../standin/signing.js";
import { LOCAL, readDevVars } from "./lib/local-defaults.js";

const base = process.env.SERVICE_URL ?? `http://127.0.0.1:${process.env.PORT || LOCAL.port}`;
const standinUrl = process.env.STANDIN_URL ?? `http://127.0.0.1:${process.env.STANDIN_PORT || LOCAL.fakeSlackPort}`;
const standin = standinControl(standinUrl);
const devVars = await readDevVars();
const secret = process.env.SLACK_SIGNING_SECRET ?? devVars.SLACK_SIGNING_SECRET ?? LOCAL.vars.SLACK_SIGNING_SECRET;
const apiToken = process.env.API_TOKEN ?? devVars.API_TOKEN ?? LOCAL.vars.API_TOKEN;

async function post(path, body) {
  const res = await fetch(base + path, { method: "POST", headers: await signedHeaders(secret, body), body });
  const text = await res.text();
  console.log(`${res.status} ${text || "(empty: Slack shows nothing)"}`);
}

async function command(user, text) {
  const [triggerId, responseUrl] = await Promise.all([standin.triggerId(user), standin.responseUrl({ user, channel: "C0GENERAL", kind: "commands" })]);
  await post("/slack/commands", commandForm(user, text, { triggerId, responseUrl }));
}

/** A click on the request's DM to `user` (the stand-in's copy of it says which message). */
async function click(user, id, action) {
  const channel = `D${user.slice(1)}`;
  const messages = await (await fetch(`${standinUrl}/_control/messages?channel=${channel}`)).json();
  const dm = messages.find((m) => JSON.stringify(m.blocks).includes(id));
  const [triggerId, responseUrl] = await Promise.all([standin.triggerId(user), standin.responseUrl({ user, channel, kind: "actions", messageTs: dm?.ts })]);
  await post("/slack/interactions", clickForm(user, id, action, { triggerId, responseUrl, messageTs: dm?.ts }));
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "command" && args.length === 2) await command(args[0], args[1]);
else if (cmd === "click" && args.length === 3 && ["approve", "reject"].includes(args[2])) await click(args[0], args[1], args[2]);
else if (cmd === "show" && args.length === 1) {
  const res = await fetch(`${base}/api/requests/${args[0]}`, { headers: { authorization: `Bearer ${apiToken}` } });
  console.log(res.status, JSON.stringify(await res.json(), null, 2));
} else {
  console.error('usage: npm run slack -- command <requester> "<@U0APPROVER> text" | click <user> <request id> approve|reject | show <request id>');
  process.exit(2);
}
