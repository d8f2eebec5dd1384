// `npm run dev`: the service on http://127.0.0.1:8787 with local D1, KV and Workflows (state kept
// in .wrangler/state, so waiting requests survive a restart), and the local Slack stand-in unless
// .dev.vars configures a real Slack app.
import { startLocalStack } from "./lib/local-stack.js";

const stack = await startLocalStack();
console.log(`
  Approval service  ${stack.url}
  ${stack.realSlack ? "Slack             real workspace (from .dev.vars)" : `Slack stand-in    ${stack.fake.apiUrl}  (calls: ${stack.fake.url}/_control/calls)`}

  Try it:
    npm run slack -- command U0REQUESTER "<@U0APPROVER|maria> Deploy billing-api v2.3"
    npm run slack -- click U0APPROVER <request id> approve
    npm run slack -- show <request id>
`);

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
