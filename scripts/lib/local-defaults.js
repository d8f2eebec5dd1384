// Settings `npm run dev` uses when no Slack workspace is configured in .dev.vars: the service
// talks to the local Slack stand-in, and these values are safe to publish (local only).
export const LOCAL = {
  port: 8787,
  fakeSlackPort: 8790,
  // The app-level token the stand-in's apps.connections.open accepts (`npm run bridge`).
  appToken: "xapp-1-local-dev-app-token",
  vars: {
    SLACK_SIGNING_SECRET: "local-dev-signing-secret",
    SLACK_BOT_TOKEN: "xoxb-local-dev-token",
    API_TOKEN: "local-dev-api-token-0123456789",
    ESCALATION_USER: "U0ESCALATE",
    APPROVAL_TIMEOUT: "2 minutes",
    ESCALATION_TIMEOUT: "2 minutes",
  },
};

/** Reads KEY=value lines of a .dev.vars file (missing file → {}). */
export async function readDevVars(path = ".dev.vars") {
  const { readFile } = await import("node:fs/promises");
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return {};
  }
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
  }
  return vars;
}
