import { startLocalStack } from "./lib/local-stack.js";

// PORT / STANDIN_PORT move the service and the stand-in off 8787 / 8790 when those are taken.
const stack = await startLocalStack({ port: Number(process.env.PORT) || undefined, fakeSlackPort: Number(process.env.STANDIN_PORT) || undefined });
if (stack.realSlack) {
  console.log(`
  Approval service  ${stack.url}
  Slack             real workspace (from .dev.vars)
  Audit dashboard   ${stack.url}/dashboard
  Socket Mode       npm run bridge   (SLACK_APP_TOKEN in .dev.vars: no public URL needed)
`);
} else {
  console.log(`
  Open the Slack stand-in:  ${stack.fake.pageUrl}

    1. As Alex (requester), type in #general:  /approval @maria Deploy billing-api v2.3
    2. Switch to Maria (approver): the DM from Approvals has Approve / Reject.
    3. Click Approve, and watch the request finish (both DMs update).

  Approval service  ${stack.url}        (Slack Web API stand-in: ${stack.fake.apiUrl})
  Audit dashboard   ${stack.url}/dashboard
  Socket Mode       npm run bridge   (the page then delivers over the socket, through the bridge)
  Signed requests   npm run slack -- command U0REQUESTER "<@U0APPROVER|maria> Deploy billing-api v2.3"
  Slack's ssl_check POST /slack/commands answered ${stack.sslCheck?.status ?? stack.sslCheck?.error}${stack.sslCheck?.ok ? "" : " (Slack expects 200)"}
`);
}

const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
stack.child.on("exit", (code) => {
  console.error(`wrangler dev exited (${code})`);
  stack.fake?.close().finally(() => process.exit(code ?? 1));
});
