import { introspectWorkflowInstance } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { derivedRequestId, newRequestId } from "../src/core/ids";
import type { WaitingRequest } from "../src/core/store";
import { ActionWorkflow } from "../src/workflows/action";
import { ApprovalWorkflow } from "../src/workflows/approval";
import type { ApprovalParams } from "../src/workflows/approval-params";
import { APPROVAL_STEPS as STEP } from "../src/workflows/step-names";
import { NEWEST_VERSION, OLDEST_VERSION, WORKFLOW_VERSION } from "../src/workflows/versions";
import {
  apiCall,
  apiCreate,
  apiGet,
  approverDm,
  click,
  eventually,
  newUser,
  postEvent,
  receiverCalls,
  recordWorkflowSteps,
  requestJson,
  scriptReceiver,
  standin,
  startRequest,
  startTyped,
  submitView,
  waitForStatus,
} from "./helpers";

/** GET /api/instances as an operator reads it. */
interface InstancesJson {
  code: { version: number; newest: number; oldest: number };
  status: string;
  versions: { version: number; waiting: number; oldestCreatedAt: string; newerThanCode?: true }[];
  instances: (WaitingRequest & { workflow?: { status: string } | null })[];
  truncated: boolean;
}

async function instances(query = ""): Promise<InstancesJson> {
  const res = await apiGet(`/api/instances${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Params as startRequest makes them for the default type, without `v` (as before versions) unless given. */
function params(requester: string, approver: string, v?: number): ApprovalParams {
  return {
    ...(v === undefined ? {} : { v }),
    requestId: newRequestId(),
    type: "default",
    title: "Approval",
    requester,
    description: "Rotate the billing DB credentials",
    levels: [{ approvers: [approver], wait: "1 hour", quorum: 1, reminder: null }],
    allowSelf: false,
    createdAt: new Date().toISOString(),
  };
}

const postWake = (id: string, token: string | null = env.API_TOKEN!) =>
  exports.default.fetch(
    new Request(`https://approvals.test/api/requests/${id}/wake`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} }),
  );

describe("workflow versions: every instance knows the version it was created with", () => {
  it("a request started now carries this code's version: in its params (so in D1) and in the listing while it waits", async () => {
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    expect((await requestJson(id)).workflow_version).toBe(WORKFLOW_VERSION);

    const listed = await instances(`?version=${WORKFLOW_VERSION}&limit=500`);
    expect(listed.code).toEqual({ version: WORKFLOW_VERSION, newest: NEWEST_VERSION, oldest: OLDEST_VERSION });
    expect(listed.instances.find((r) => r.id === id)).toMatchObject({ version: WORKFLOW_VERSION, status: "pending", level: 1, type: "default" });
    expect(listed.versions.find((v) => v.version === WORKFLOW_VERSION)!.waiting).toBeGreaterThanOrEqual(1);

    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    // Decided and finished: no longer waiting, so no longer listed.
    expect((await instances(`?version=${WORKFLOW_VERSION}&limit=500`)).instances.map((r) => r.id)).not.toContain(id);
  });

  it("params without a version (created before versions) and params of a version newer than this code (a rollback) take their own paths", async () => {
    const [requester, before, after] = [await newUser(), await newUser(), await newUser()];
    const old = params(requester, before);
    const newer = params(requester, after, NEWEST_VERSION + 1);
    await using oldInstance = await introspectWorkflowInstance(env.APPROVAL, old.requestId);
    await using newerInstance = await introspectWorkflowInstance(env.APPROVAL, newer.requestId);
    await env.APPROVAL.create({ id: old.requestId, params: old });
    await env.APPROVAL.create({ id: newer.requestId, params: newer });

    // The newer instance notes, once, that it runs on older code; then both wait for a decision.
    expect(await newerInstance.waitForStepResult({ name: STEP.noteOlderCode(NEWEST_VERSION) })).toBeNull();
    await oldInstance.waitForStepResult({ name: STEP.startWait(STEP.decisionWait(1)) });
    await newerInstance.waitForStepResult({ name: STEP.startWait(STEP.decisionWait(1)) });
    expect((await requestJson(old.requestId)).workflow_version).toBe(1);
    expect((await requestJson(newer.requestId)).workflow_version).toBe(NEWEST_VERSION + 1);

    // The operator sees both, by version; the newer one is flagged.
    const listed = await instances("?limit=500");
    expect(listed.instances.find((r) => r.id === old.requestId)).toMatchObject({ version: 1, status: "pending" });
    expect(listed.instances.find((r) => r.id === newer.requestId)).toMatchObject({ version: NEWEST_VERSION + 1, status: "pending" });
    expect(listed.versions.find((v) => v.version === NEWEST_VERSION + 1)).toMatchObject({ newerThanCode: true });
    expect(listed.versions.find((v) => v.version === 1)).not.toHaveProperty("newerThanCode");

    await click(before, old.requestId, "approve");
    await click(after, newer.requestId, "approve");
    await oldInstance.waitForStatus("complete");
    await newerInstance.waitForStatus("complete");
    expect(await oldInstance.getOutput()).toMatchObject({ status: "approved", decidedBy: before });
    expect(await newerInstance.getOutput()).toMatchObject({ status: "approved", decidedBy: after });
    // Only the newer one's trail says it ran on older code.
    const olderCode = (id: string) => requestJson(id).then((r) => r.audit.filter((a) => a.event === "older-code"));
    expect(await olderCode(old.requestId)).toEqual([]);
    expect(await olderCode(newer.requestId)).toEqual([
      expect.objectContaining({ detail: `a version ${NEWEST_VERSION + 1} instance on code for version ${NEWEST_VERSION}` }),
    ]);
    // The request's page says so too, with the instance's version.
    const page = await (await apiCall("GET", `/dashboard/requests/${newer.requestId}`)).text();
    expect(page).toContain("ran on older code (a rollback)");
    expect(page).toContain(`complete, version ${NEWEST_VERSION + 1}`);
  });
});

const recorded = async (id: string) =>
  eventually(async () => {
    const r = await requestJson(id);
    return r.workflow_version === undefined ? undefined : r;
  }, `${id} recorded`);

describe("the version on every way in and every event", () => {
  it("a request made by slash command, the modal, the API or a Workflow Builder step carries this code's version: params, D1, the listing", async () => {
    using steps = recordWorkflowSteps(ApprovalWorkflow);
    const [requester, approver] = [await newUser(), await newUser()];
    const bySlash = await startRequest(requester, approver);

    const view = { id: `V${crypto.randomUUID().slice(0, 10).toUpperCase()}`, callback_id: "approval_new" };
    const values = {
      type: { type: "static_select", selected_option: { value: "default" } },
      approver: { type: "users_select", selected_user: approver },
      description: { type: "plain_text_input", value: "Rotate the staging keys" },
    };
    expect(await submitView(requester, view, values)).toEqual({ status: 200, body: null });
    const byModal = await derivedRequestId(`view:${view.id}`);

    const byApi = (await apiCreate({ approvers: [approver], description: "Deploy billing-api v2.4", source: { name: "ci" } })).json.id!;

    const run = await standin.executeFunction({ requester, approvers: [approver], description: "Open the firewall for the audit", type: null });
    expect((await postEvent(run.body)).status).toBe(200);
    const byStep = await derivedRequestId(`function:${run.execution_id}`);

    const ids = { bySlash, byModal, byApi, byStep };
    for (const [way, id] of Object.entries(ids)) {
      expect((await recorded(id)).workflow_version, way).toBe(WORKFLOW_VERSION);
      expect(steps.paramsOf(id), way).toMatchObject({ v: WORKFLOW_VERSION });
    }
    expect(steps.paramsOf(byStep)).toMatchObject({ slackFunction: { executionId: run.execution_id } });
    const listed = await instances(`?version=${WORKFLOW_VERSION}&limit=500`);
    for (const [way, id] of Object.entries(ids))
      expect(
        listed.instances.find((r) => r.id === id),
        way,
      ).toMatchObject({ version: WORKFLOW_VERSION });
    for (const id of Object.values(ids)) await apiCall("POST", `/api/requests/${id}/cancel`);
  });

  it("events carry their sender's version: a click, the API's cancel, an operator's wake-up, the action's result; the action runs its parent's version", async () => {
    using approvals = recordWorkflowSteps(ApprovalWorkflow);
    using actions = recordWorkflowSteps(ActionWorkflow);
    const received = (id: string) => approvals.of(id, "waitForEvent").flatMap((c) => (c.received ? [c.received.payload] : []));

    // Woken by an operator, then approved by a click; the action reports its result.
    const [requester, approver] = [await newUser(), await newUser()];
    const deploy = await startTyped(requester, "deploy", approver, "deploy billing-api v2.4");
    await scriptReceiver(deploy, [{ status: 200 }]);
    await approverDm(approver);
    expect((await postWake(deploy)).status).toBe(202);
    await eventually(async () => received(deploy).length === 1, "the wake-up to be received");
    await click(approver, deploy, "approve");
    const done = await eventually(async () => {
      const r = await requestJson(deploy);
      return r.action_status === "succeeded" && r.workflow?.status === "complete" ? r : undefined;
    }, "the action to finish");
    expect(done.status).toBe("approved");
    expect(received(deploy)).toEqual([
      expect.objectContaining({ v: WORKFLOW_VERSION, decision: "wake" }),
      expect.objectContaining({ v: WORKFLOW_VERSION, decision: "approve", user: approver }),
      expect.objectContaining({ v: WORKFLOW_VERSION, state: "succeeded" }),
    ]);
    expect(actions.paramsOf(`${deploy}-action`)).toMatchObject({ v: WORKFLOW_VERSION, requestId: deploy });

    // Cancelled by a pipeline.
    const byApi = (await apiCreate({ approvers: [approver], description: "Deploy billing-api v2.5", source: { name: "ci" } })).json.id!;
    await recorded(byApi);
    expect((await apiCall("POST", `/api/requests/${byApi}/cancel`)).status).toBe(200);
    await waitForStatus(byApi, "cancelled");
    expect(received(byApi)).toEqual([expect.objectContaining({ v: WORKFLOW_VERSION, decision: "cancel", user: "api:ci" })]);
  });
});

describe("GET /api/instances", () => {
  it("needs the token, refuses what it does not know, and asks each instance when told to", async () => {
    expect((await apiGet("/api/instances", null)).status).toBe(401);
    for (const bad of ["?status=done", "?version=0", "?version=x", "?limit=0", "?limit=501", "?instances=yes"]) {
      const res = await apiGet(`/api/instances${bad}`);
      expect(res.status, bad).toBe(400);
      // The API's own refusal: what was wrong, by the parameter's name.
      expect(((await res.json()) as { error: string }).error).toMatch(/^invalid query: (status|version|limit|instances): /);
    }
    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await approverDm(approver);
    const checked = await instances("?instances=1&limit=500");
    expect(checked.instances.length).toBeLessThanOrEqual(50);
    const all = await instances("?limit=500");
    const mine = all.instances.findIndex((r) => r.id === id);
    expect(mine).toBeGreaterThanOrEqual(0);
    // The local engine reports a waiting instance as running.
    if (mine < 50) expect(["waiting", "running"]).toContain(checked.instances.find((r) => r.id === id)?.workflow?.status);
    expect((await instances("?limit=1")).instances).toHaveLength(1);
    expect((await instances("?limit=1")).truncated).toBe(all.instances.length > 1);
  });
});

describe("POST /api/requests/:id/wake", () => {
  it("wakes a waiting instance (which reads D1 and waits on), and says why it cannot wake anything else", async () => {
    expect((await postWake("req-000000000000", null)).status).toBe(401);
    expect((await postWake("not-a-request")).status).toBe(400);
    expect((await postWake(newRequestId())).status).toBe(404);

    const approver = await newUser();
    const id = await startRequest(await newUser(), approver);
    await using instance = await introspectWorkflowInstance(env.APPROVAL, id);
    await approverDm(approver);
    await instance.waitForStepResult({ name: STEP.startWait(STEP.decisionWait(1)) });
    const woken = await postWake(id);
    expect(woken.status).toBe(202);
    const answer = (await woken.json()) as { woken: boolean; workflow: { status: string } };
    expect(answer.woken).toBe(true);
    expect(["waiting", "running"]).toContain(answer.workflow.status);
    // Nothing to decide: the wait goes on for the time it has left.
    const seen = (await instance.waitForStepResult({ name: STEP.checkWake(STEP.decisionWait(1), 1) })) as { kind: string; remainingMs: number };
    expect(seen.kind).toBe("open");
    expect(seen.remainingMs).toBeGreaterThan(25 * 60_000);
    expect((await requestJson(id)).status).toBe("pending");

    await click(approver, id, "approve");
    await waitForStatus(id, "approved");
    await instance.waitForStatus("complete");
    const late = await postWake(id);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: "its instance is complete: nothing to wake" });
    await eventually(async () => (await requestJson(id)).status === "approved", "the request to stay approved");
  });

  it("wakes a running action's child too (the local engine forgets a sleeping instance's timer across a restart); the action still runs once", async () => {
    const approver = await newUser();
    const id = await startTyped(await newUser(), "deploy", approver, "a long deploy");
    // The receiver takes the job (202) and says it is complete at the first poll.
    await scriptReceiver(id, [{ status: 202, statusSequence: [{ state: "complete", message: "deployed" }] }]);
    await approverDm(approver);
    await click(approver, id, "approve");
    await eventually(async () => ((await receiverCalls(id)).length > 0 ? true : undefined), "the webhook call");
    const woken = await postWake(id);
    expect(woken.status).toBe(202);
    const answer = (await woken.json()) as { woken: boolean; action?: { woken: boolean; workflow: { status: string } } };
    // The parent waits for the action's result; the child sleeps until its first poll.
    expect(answer.woken).toBe(true);
    expect(answer.action?.woken).toBe(true);
    const done = await eventually(async () => {
      const r = await requestJson(id);
      return r.action_status === "succeeded" && r.workflow?.status === "complete" ? r : undefined;
    }, "the action to finish");
    expect(done.status).toBe("approved");
    expect((await receiverCalls(id)).filter((c) => c.method === "POST")).toHaveLength(1);
  });
});
