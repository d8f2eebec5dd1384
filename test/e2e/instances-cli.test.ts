// `npm run instances` (scripts/instances.js) as an operator runs it: the real script, against the
// real `wrangler dev` of the e2e stack, listing waiting instances by version and waking them.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { eventually } from "./eventually";

const stack = inject("stack");
const SCRIPT = fileURLToPath(new URL("../../scripts/instances.js", import.meta.url).href);

function instances(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, APPROVALS_URL: "", APPROVALS_TOKEN: "" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const asOperator = (...args: string[]) => instances("--url", stack.serviceUrl, "--token", stack.apiToken, ...args);

const pagePost = async (path: string, body: unknown): Promise<unknown> =>
  (await fetch(`${stack.standinUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();

/** `/approval` typed on the stand-in's page by Alex for Maria; the request id and Maria's DM from Slack's records. */
async function request(text: string): Promise<{ id: string; ts: string }> {
  await pagePost("/_ui/command", { user: "U0REQUESTER", channel: "C0GENERAL", text: `/approval @maria ${text}` });
  const dm = await eventually(async () => {
    const messages: { ts: string; blocks: unknown }[] = await (await fetch(`${stack.standinUrl}/_control/messages?channel=D0APPROVER`)).json();
    return messages.find((m) => JSON.stringify(m.blocks).includes(text) && JSON.stringify(m.blocks).includes("approval_approve"));
  }, `the DM for "${text}"`);
  return { id: /req-[a-z0-9]{12}/.exec(JSON.stringify(dm.blocks))![0], ts: dm.ts };
}

describe("npm run instances", () => {
  it("lists the waiting instances by version, wakes them, and stops listing a decided one", async () => {
    const r = await request(`instances listing ${Date.now()}`);
    const json = await eventually(async () => {
      const { code, out } = asOperator("--json", "--limit", "500");
      expect(code).toBe(0);
      const body = JSON.parse(out);
      return body.instances.some((i: { id: string; waitUntil: string | null }) => i.id === r.id && i.waitUntil) ? body : undefined;
    }, "the request to wait");
    expect(json.code).toEqual({ version: 1, newest: 1, oldest: 1 });
    expect(json.instances.find((i: { id: string }) => i.id === r.id)).toMatchObject({ version: 1, status: "pending", level: 1 });

    const text = asOperator("--version", "1", "--limit", "500");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Code: creates version 1; has the paths of versions 1 to 1\.$/m);
    expect(text.out).toMatch(/^ {2}version 1: \d+ waiting, the oldest created \d{4}-\d\d-\d\dT/m);
    expect(text.out).toContain(`${r.id}  1  pending   1`);

    const woken = asOperator("--version", "1", "--limit", "500", "--wake");
    expect(woken.code).toBe(0);
    expect(woken.out).toMatch(/^Woken: (\d+) of \1\.$/m);

    await pagePost("/_ui/action", { user: "U0APPROVER", channel: "D0APPROVER", ts: r.ts, block_id: `decision:${r.id}`, action_id: "approval_approve" });
    await eventually(
      async () => (JSON.parse(asOperator("--json", "--limit", "500").out).instances.some((i: { id: string }) => i.id === r.id) ? undefined : true),
      "the request to leave the list",
    );
  });

  it("says what is wrong: options (exit 2), the token or the service (exit 1)", () => {
    const missing = instances("--url", stack.serviceUrl);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--url and --token (or APPROVALS_URL and APPROVALS_TOKEN) are required");
    expect(instances("--nonsense").code).toBe(2);
    const wrong = instances("--url", stack.serviceUrl, "--token", "not-the-token-0123456789");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("answered 401: missing or invalid bearer token");
    const bad = asOperator("--version", "0");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("answered 400: invalid query: version:");
    const away = instances("--url", "http://127.0.0.1:9", "--token", "x");
    expect(away.code).toBe(1);
    expect(away.err).toContain("could not reach http://127.0.0.1:9");
  });
});
