import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type ApiAnswer,
  apiCall,
  apiCreate,
  approverDm,
  callsTo,
  click,
  dmOf,
  eventBody,
  eventually,
  forceTimeouts,
  messagesIn,
  newUser,
  postEvent,
  type RequestJson,
  receiverCalls,
  repliesIn,
  requestJson,
  slackCalls,
  slashCommand,
  waitForStatus,
} from "./helpers";

/** POST /api/requests: requests from pipelines, validated at the edge, decided by the policy, idempotent. */

/** The test policy's `expense` type: 2 of these three (vitest.config.ts). */
const EXPENSE_APPROVERS = ["U0QUORUMA", "U0QUORUMB", "U0QUORUMC"];
const source = { name: "github-actions", url: "https://github.com/acme/billing/actions/runs/123", label: "deploy #123" };
const key = () => `test-${crypto.randomUUID()}`;
const blocksText = (m: { blocks: unknown }) => JSON.stringify(m.blocks);

/**
 * The request once its first wait has started: the workflow records that (wait_until) after every
 * DM of the level went out and was recorded, so its messages and "notified" entries are complete;
 * the DM reaching the stand-in comes a moment before its record in D1.
 */
const waiting = (id: string) =>
  eventually(async () => {
    const r = await requestJson(id);
    return r.wait_until ? r : undefined;
  }, "the first wait to start");

describe("POST /api/requests", () => {
  it("asks the approver for a pipeline: 201 with the id, the dashboard link and Location; the DM reads '<source> asks for approval' with its link and fields", async () => {
    const approver = await newUser();
    const { status, json, res } = await apiCreate({
      approvers: [approver],
      description: "Deploy billing-api v2.3 to production",
      source,
      fields: { Environment: "production", Version: "v2.3" },
    });
    expect(status).toBe(201);
    expect(json).toEqual({ id: expect.stringMatching(/^req-[a-z0-9]{12}$/), status: "pending", url: `https://approvals.test/dashboard/requests/${json.id}` });
    expect(res.headers.get("location")).toBe(`/api/requests/${json.id}`);

    const dm = await approverDm(approver);
    const [intro, fields, context] = dm.blocks;
    expect(intro?.text?.text).toBe("*github-actions (deploy #123) asks for approval:*\n>Deploy billing-api v2.3 to production");
    expect(intro?.text?.verbatim).toBe(true);
    // Block Kit section fields, one per field, name in bold.
    expect(fields).toEqual({
      type: "section",
      fields: [
        { type: "mrkdwn", text: "*Environment*\nproduction", verbatim: true },
        { type: "mrkdwn", text: "*Version*\nv2.3", verbatim: true },
      ],
    });
    expect(JSON.stringify(context)).toContain(`Request \`${json.id}\` · <https://github.com/acme/billing/actions/runs/123>`);
    expect(dm.text).toBe("approval requested by github-actions (deploy #123): Deploy billing-api v2.3 to production");

    // No Slack requester: nobody gets a receipt.
    const r = await waiting(json.id!);
    expect(r).toMatchObject({
      id: json.id,
      status: "pending",
      requester: null,
      source,
      fields: { Environment: "production", Version: "v2.3" },
      approvers: [approver],
      description: "Deploy billing-api v2.3 to production",
      reason: null,
      url: json.url,
    });
    expect(r.audit[0]).toMatchObject({ event: "created", actor: "api:github-actions" });
    expect(r.messages.map((m) => m.role)).toEqual([`L1-${approver}`]);
  });

  it("a pipeline's request is decided like any other: the approval closes it, and no outcome DM goes anywhere but the approver's DM", async () => {
    const approver = await newUser();
    const { json } = await apiCreate({ approvers: [approver], description: "Rotate the keys", source: { name: "cron" } });
    await approverDm(approver);
    expect((await click(approver, json.id!, "approve")).status).toBe(200);
    const done = await waitForStatus(json.id!, "approved");
    expect(done).toMatchObject({ decided_by: approver, reason: null, requester: null });
    const dm = (await messagesIn(dmOf(approver))).find((m) => blocksText(m).includes(json.id!))!;
    expect(blocksText(dm)).toContain("*cron asks for approval:*");
    expect(blocksText(dm)).toContain("*Approved* by");
    // Only the approver's DM and its thread were posted to: no requester to send a receipt or an outcome.
    // (A receipt and an outcome DM would name the request; thread replies in the approver's DM do not.)
    const posts = await slackCalls((c) => c.method === "chat.postMessage" && JSON.stringify(c.args).includes(json.id!));
    expect(posts.map((c) => c.args.channel)).toEqual([approver]);
  });

  it("an approved pipeline request runs its type's action: the receiver gets the source and the fields, and no requester", async () => {
    const approver = await newUser();
    const { json } = await apiCreate({ type: "deploy", approvers: [approver], description: "Deploy v9", source, fields: { Environment: "production" } });
    await approverDm(approver);
    expect((await click(approver, json.id!, "approve")).status).toBe(200);
    const [call] = await eventually(async () => {
      const calls = await receiverCalls(json.id!);
      return calls.length ? calls : undefined;
    }, "the webhook call");
    const sent = JSON.parse(call!.body) as Record<string, unknown>;
    expect(sent).toMatchObject({ requestId: json.id, description: "Deploy v9", source, fields: { Environment: "production" }, approvedBy: [approver] });
    expect(sent).not.toHaveProperty("requester");
    await waitForStatus(json.id!, "approved");
  });

  it("with a Slack requester as well: the receipt goes to them, and the messages say who asked through what", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const { json } = await apiCreate({ approvers: [approver], requester, description: "Open the firewall for the audit", source: { name: "terraform" } });
    const dm = await approverDm(approver);
    expect(dm.blocks[0]?.text?.text).toBe(`*<@${requester}> via terraform asks for approval:*\n>Open the firewall for the audit`);
    const receipt = await eventually(async () => (await messagesIn(dmOf(requester))).find((m) => blocksText(m).includes(json.id!)), "the receipt");
    expect(blocksText(receipt)).toContain("Cancel request");
    // The API holder asked, through terraform: the trail says so, not that the person did.
    expect((await requestJson(json.id!)).audit[0]).toMatchObject({ event: "created", actor: "api:terraform" });
  });

  it("a Slack requester named without a source still reads 'via API': the API never speaks as a person", async () => {
    const requester = await newUser();
    const approver = await newUser();
    const { json } = await apiCreate({ approvers: [approver], requester, description: "Grant prod admin" });
    const dm = await approverDm(approver);
    expect(dm.blocks[0]?.text?.text).toBe(`*<@${requester}> via API asks for approval:*\n>Grant prod admin`);
    const row = await requestJson(json.id!);
    expect(row.source).toEqual({ name: "API" });
    expect(row.audit[0]).toMatchObject({ event: "created", actor: "api:API" });
  });

  it("user text in the source and the fields cannot notify anyone, link anywhere or lay out lines", async () => {
    const approver = await newUser();
    const { status, json } = await apiCreate({
      approvers: [approver],
      description: "Ship <!channel> now",
      source: { name: "<!here> *bot*", label: "<@U0BOSS> run" },
      fields: { "<!channel>": "*urgent* <https://evil.example|click>", "Multi\u00a0word": "line one\nline two" },
    });
    expect(status).toBe(201);
    const dm = await approverDm(approver);
    const text = blocksText(dm);
    for (const forbidden of ["<!here>", "<!channel>", "<@U0BOSS>", "<https://evil.example"]) expect(text).not.toContain(forbidden);
    expect(dm.blocks[0]?.text?.text).toBe("*&lt;!here&gt; \u2217bot\u2217 (&lt;@U0BOSS&gt; run) asks for approval:*\n>Ship &lt;!channel&gt; now");
    expect(dm.blocks[1]).toMatchObject({
      fields: [
        { text: "*&lt;!channel&gt;*\n\u2217urgent\u2217 &lt;https://evil.example|click&gt;", verbatim: true },
        { text: "*Multi\u00a0word*\nline one line two", verbatim: true },
      ],
    });
    // The API and the dashboard keep the text as typed.
    expect((await requestJson(json.id!)).source).toEqual({ name: "<!here> *bot*", label: "<@U0BOSS> run" });
  });

  it("the policy decides who approves: a type's own approvers are asked; naming others there, or nobody where the requester must name one, is refused (422)", async () => {
    // expense: level 1 is the policy's quorum of three.
    const { status, json } = await apiCreate({ type: "expense", description: "New laptops for the team", source: { name: "procurement" } });
    expect(status).toBe(201);
    await eventually(async () => (await requestJson(json.id!)).approvers?.length === 3, "the request recorded with the policy's approvers");
    expect((await requestJson(json.id!)).approvers).toEqual(EXPENSE_APPROVERS);

    const friend = await newUser();
    expect(await apiCreate({ type: "expense", approvers: [friend], description: "x" })).toMatchObject({
      status: 422,
      json: { issues: [{ path: "approvers", message: 'the policy names the approvers of type "expense": leave out approvers' }] },
    });
    expect(await apiCreate({ description: "x" })).toMatchObject({
      status: 422,
      json: { issues: [{ path: "approvers", message: 'type "default" leaves the approver to the requester: name at least one in approvers' }] },
    });
    const self = await newUser();
    expect(await apiCreate({ approvers: [self], requester: self, description: "x" })).toMatchObject({ status: 422, json: { issues: [{ path: "approvers" }] } });
    for (const type of ["nope", "constructor", "__proto__", "toString"]) {
      const { status, json } = await apiCreate({ type, approvers: [friend], description: "x" });
      expect(status, type).toBe(422);
      expect(json.issues).toEqual([{ path: "type", message: expect.stringContaining(`unknown request type "${type}"`) }]);
    }
  });

  it("names each bad field (422), refuses what is not JSON (400, 415) and bodies over 64 KiB (413)", async () => {
    const approver = await newUser();
    const ok = { approvers: [approver], description: "Deploy" };
    const cases: [unknown, string, RegExp][] = [
      [{ approvers: [approver] }, "description", /expected string/],
      [{ ...ok, description: "   " }, "description", /must not be empty/],
      [{ ...ok, description: "d".repeat(2001) }, "description", /at most 2000 characters/],
      [{ ...ok, approvers: ["maria"] }, "approvers.0", /not a Slack user id/],
      [{ ...ok, requester: "@alex" }, "requester", /not a Slack user id/],
      [{ ...ok, approver: approver }, "approver", /is not a known field/],
      [{ ...ok, source: { url: "https://x.example" } }, "source.name", /expected string/],
      [{ ...ok, source: { name: "ci", url: "javascript:alert(1)" } }, "source.url", /http\(s\) URL/],
      [{ ...ok, source: { name: "ci", url: "https://github.com@evil.example/run" } }, "source.url", /user name or password/],
      [{ ...ok, source: { name: "ci", url: `https://x.example/${"a".repeat(500)}` } }, "source.url", /at most 500/],
      [{ ...ok, source: { name: "ci", url: "https://x.example/run 5" } }, "source.url", /must not contain spaces/],
      [{ ...ok, source: { name: "c".repeat(51) } }, "source.name", /at most 50/],
      [{ ...ok, source: { name: "ci\nfake line" } }, "source.name", /one line/],
      [{ ...ok, source: { name: "ci", label: "l".repeat(101) } }, "source.label", /at most 100/],
      [{ ...ok, source: { name: "ci", extra: 1 } }, "source.extra", /is not a known field/],
      [{ ...ok, fields: { Environment: "p".repeat(301) } }, "fields.Environment", /at most 300/],
      [{ ...ok, fields: { ["k".repeat(31)]: "v" } }, `fields.${"k".repeat(31)}`, /name: at most 30/],
      [{ ...ok, fields: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`F${i}`, "v"])) }, "fields", /at most 10 fields/],
      [{ ...ok, fields: { Env: 3 } }, "fields.Env", /expected string/],
      [["not", "an", "object"], "(body)", /expected object/],
    ];
    for (const [body, path, message] of cases) {
      const { status, json } = await apiCreate(body);
      expect(status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(json.issues, path).toContainEqual({ path, message: expect.stringMatching(message) });
      expect(json.error).toContain(path);
    }
    // JSON can carry a field named __proto__ (an object literal here cannot): refused, not dropped.
    const proto = await apiCall("POST", "/api/requests", {
      raw: `{"approvers":["${approver}"],"description":"Deploy","fields":{"__proto__":"x","Env":"prod"}}`,
    });
    expect(proto.status).toBe(422);
    expect(((await proto.json()) as ApiAnswer).issues).toContainEqual({ path: "fields.__proto__", message: "is not allowed as a name" });
    // Deeply nested JSON gets the validator's answer, not a stack overflow.
    const deep = await apiCall("POST", "/api/requests", {
      raw: `{"approvers":["${approver}"],"description":"Deploy","fields":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    });
    expect(deep.status).toBe(422);
    const notJson = await apiCall("POST", "/api/requests", { raw: "{description: Deploy" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: expect.stringMatching(/malformed JSON/i) });
    const form = await apiCall("POST", "/api/requests", { raw: "description=Deploy", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    const huge = await apiCreate({ ...ok, fields: { pad: "x".repeat(70_000) } });
    expect(huge).toMatchObject({ status: 413, json: { error: "the body is larger than 64 KiB" } });
    const badKey = await apiCall("POST", "/api/requests", { body: ok, headers: { "idempotency-key": "k".repeat(201) } });
    expect(badKey.status).toBe(400);
    expect(((await badKey.json()) as ApiAnswer).issues).toEqual([{ path: "Idempotency-Key", message: "must be 1 to 200 printable ASCII characters" }]);
  });

  it("needs the token (401); the OpenAPI document is public", async () => {
    const res = await apiCall("POST", "/api/requests", { body: { description: "x" }, token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await apiCall("POST", "/api/requests", { body: { description: "x" }, token: "wrong-token-wrong-token" })).status).toBe(401);
    expect((await apiCall("POST", "/api/requests/req-abc123def456/cancel", { token: null })).status).toBe(401);
    expect((await apiCall("GET", "/api/openapi.json", { token: null })).status).toBe(200);
  });
});

describe("Idempotency-Key", () => {
  it("the same key and body answer 200 with the first request (one request, one DM); key order and surrounding spaces do not matter", async () => {
    const approver = await newUser();
    const k = key();
    const body = { approvers: [approver], description: "Deploy billing-api v2.4", source, fields: { A: "1", B: "2" } };
    const first = await apiCreate(body, k);
    expect(first.status).toBe(201);
    await approverDm(approver);
    const reordered = {
      fields: { B: "2", A: "1" },
      source: { label: source.label, url: source.url, name: source.name },
      description: "Deploy billing-api v2.4 ",
      approvers: [approver],
    };
    const again = await apiCreate(reordered, k);
    expect(again).toMatchObject({ status: 200, json: { id: first.json.id, status: "pending", url: first.json.url } });
    expect(again.res.headers.get("location")).toBeNull();
    const dms = (await callsTo(approver)).filter((c) => c.method === "chat.postMessage" && !c.args.thread_ts);
    expect(dms).toHaveLength(1);
    // Once decided, the same key still answers with that request, and its status.
    expect((await click(approver, first.json.id!, "approve")).status).toBe(200);
    await waitForStatus(first.json.id!, "approved");
    expect(await apiCreate(body, k)).toMatchObject({ status: 200, json: { id: first.json.id, status: "approved" } });
  });

  it("the same key with a different body is refused (422) and starts nothing", async () => {
    const approver = await newUser();
    const k = key();
    const first = await apiCreate({ approvers: [approver], description: "Deploy v1" }, k);
    expect(first.status).toBe(201);
    const other = await apiCreate({ approvers: [approver], description: "Deploy v2" }, k);
    expect(other).toMatchObject({
      status: 422,
      json: { error: `Idempotency-Key: Idempotency-Key "${k}" was used with a different body`, issues: [{ path: "Idempotency-Key" }] },
    });
  });

  it("a retry with the key finds its request even after the policy changed (no 422 from today's policy)", async () => {
    const approver = await newUser();
    const k = key();
    const body = { type: "deploy", approvers: [approver], description: "Deploy v1" };
    const first = await apiCreate(body, k);
    expect(first.status).toBe(201);
    const policy = JSON.parse(env.POLICY_JSON!);
    policy.types.deploy.levels[0].approvers = ["U0QUORUMA"];
    // The same body now breaks the policy (it names approvers where the policy does)...
    const fresh = await apiCreate(body, undefined, { POLICY_JSON: JSON.stringify(policy) });
    expect(fresh.status).toBe(422);
    // ...but the retry with its key gets the request it started.
    const again = await apiCreate(body, k, { POLICY_JSON: JSON.stringify(policy) });
    expect(again).toMatchObject({ status: 200, json: { id: first.json.id, status: "pending" } });
  });

  it("concurrent calls with one key start one request", async () => {
    const approver = await newUser();
    const k = key();
    const body = { approvers: [approver], description: "Deploy at once" };
    const answers = await Promise.all(Array.from({ length: 5 }, () => apiCreate(body, k)));
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    await approverDm(approver);
    const r: RequestJson = await waiting(answers[0]!.json.id!);
    expect(r.audit.filter((e) => e.event === "notified")).toHaveLength(1);
  });

  it("without a key every call is a new request", async () => {
    const approver = await newUser();
    const body = { approvers: [approver], description: "Twice" };
    const [a, b] = [await apiCreate(body), await apiCreate(body)];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.id).not.toBe(b.json.id);
  });
});

describe("a pipeline's request in every message", () => {
  it("the reminder, the escalation DM, the App Home, /approval status, the dashboard page and the CSV name the source and show the fields", async () => {
    // chain: level 1 named (reminder after 20 minutes), level 2 U0LEVELTWO (vitest.config.ts); its first waits run out at once.
    await using _timeouts = await forceTimeouts("decision-1", "decision-1-after-reminder");
    const approver = await newUser();
    const { json } = await apiCreate({ type: "chain", approvers: [approver], description: "Migrate the billing DB", source, fields: { Window: "22:00 UTC" } });
    const id = json.id!;
    const dm = await approverDm(approver);

    const reminder = await eventually(async () => (await repliesIn(dmOf(approver), dm.ts)).find((m) => m.text.includes("Reminder")), "the reminder");
    expect(reminder.text).toBe(`:bell: Reminder: github-actions (deploy #123) is still waiting for your decision on \`${id}\`.`);

    const escalated = await eventually(
      async () => (await messagesIn(dmOf("U0LEVELTWO"))).find((m) => blocksText(m).includes(id) && blocksText(m).includes("Escalated to you")),
      "the escalation DM",
    );
    expect(blocksText(escalated)).toContain("*github-actions (deploy #123) asks for approval (Three-level chain):*");
    expect(blocksText(escalated)).toContain("*Window*\\n22:00 UTC");

    // The approver opens the App Home: the request waits for them there, with its source and fields.
    expect((await postEvent(eventBody({ type: "app_home_opened", user: approver, tab: "home" }))).status).toBe(200);
    const home = await eventually(
      async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === approver)).find((c) => JSON.stringify(c.args.view).includes(id)),
      "the App Home",
    );
    const homeText = JSON.stringify(home.args.view);
    expect(homeText).toContain(`\`${id}\` pending from github-actions (deploy #123): Migrate the billing DB`);
    expect(homeText).toContain("Window: 22:00 UTC");

    const status = await slashCommand(approver, `status ${id}`);
    expect(status.body.text).toContain("Window: 22:00 UTC");
    expect(status.body.text).toContain(`Requested by github-actions (deploy #123) (<${source.url}>)`);

    const page = await (await apiCall("GET", `/dashboard/requests/${id}`)).text();
    expect(page).toContain(`<a class="source" href="${source.url}" rel="noopener noreferrer nofollow">github-actions (deploy #123)</a>`);
    expect(page).toMatch(/<dt>Window<\/dt><dd>22:00 UTC<\/dd>/);
    const csv = await (await apiCall("GET", `/dashboard/export.csv?type=chain`)).text();
    const row = csv.split("\r\n").find((l) => l.startsWith(`"${id}"`))!;
    // Every cell quoted. No requester id; the requester's name column says who asked; then the source and the fields.
    expect(row).toMatch(new RegExp(`^"${id}","chain","pending","","${approver} U0LEVELTWO","2",`));
    expect(row.endsWith(`,"github-actions (deploy #123)","${approver}; U0LEVELTWO","","github-actions","deploy #123","${source.url}","Window=22:00 UTC"`)).toBe(
      true,
    );

    // The overview's pending list and its CSV (issue 15) say who asked in the same way: the source, no requester id.
    const overview = await (await apiCall("GET", `/dashboard/overview?approver=${approver}`)).text();
    const start = overview.indexOf(`<tr data-id="${id}">`);
    expect(start).toBeGreaterThan(0);
    const pendingRow = overview.slice(start, overview.indexOf("</tr>", start));
    expect(pendingRow).toContain(`<a class="source" href="${source.url}" rel="noopener noreferrer nofollow">github-actions (deploy #123)</a>`);
    const pendingCsv = (await (await apiCall("GET", `/dashboard/overview.csv?chart=pending&approver=${approver}`)).text()).split("\r\n");
    expect(pendingCsv[1]).toMatch(new RegExp(`^"${id}","chain","Three-level chain","","github-actions \\(deploy #123\\)","${approver} U0LEVELTWO",`));
  });
});
