import { describe, expect, it } from "vitest";
import { type ApiAnswer, apiCall, apiCreate, approverDm, click, eventually, newUser, type RequestJson, reject, requestJson } from "./helpers";

/**
 * GET /api/requests/:id?wait=&after=: the long poll. Each test holds a poll open and makes the real
 * thing happen (a click, a vote); the poll must still be open before it and answer with it.
 */

/** Starts a long poll; `answered` says whether it has come back yet. */
function poll(path: string) {
  let answered = false;
  const response = apiCall("GET", path).then(async (res) => {
    answered = true;
    return { status: res.status, json: (await res.json()) as RequestJson };
  });
  return { response, answered: () => answered };
}

async function pipelineRequest(approver: string, type?: string) {
  const { status, json } = await apiCreate({
    ...(type ? { type } : { approvers: [approver] }),
    description: "Deploy billing-api v2.5",
    source: { name: "ci" },
  });
  expect(status).toBe(201);
  return json.id!;
}

describe("GET /api/requests/:id?wait=", () => {
  it("answers as soon as the request is decided (an approval)", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver);
    await approverDm(approver);
    const waiting = poll(`/api/requests/${id}?wait=60`);
    // The DM is there and nobody has decided: a pending request keeps the poll open.
    await eventually(async () => (await requestJson(id)).audit.length >= 2, "created and notified");
    expect(waiting.answered()).toBe(false);
    expect((await click(approver, id, "approve")).status).toBe(200);
    const { status, json } = await waiting.response;
    expect(status).toBe(200);
    expect(json).toMatchObject({ id, status: "approved", decided_by: approver, reason: null });
    expect(json.audit.map((e) => e.event)).toEqual(["created", "notified", "approved"]);
  });

  it("a rejection comes back with its reason", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver);
    await approverDm(approver);
    const waiting = poll(`/api/requests/${id}?wait=60`);
    expect((await reject(approver, id, "Not during the freeze")).status).toBe(200);
    expect((await waiting.response).json).toMatchObject({ status: "rejected", decided_by: approver, reason: "Not during the freeze" });
  });

  it("with after=n, answers as soon as the trail has more than n entries: a quorum vote shows while the request stays pending", async () => {
    // expense: 2 of U0QUORUMA/B/C (vitest.config.ts).
    const id = await pipelineRequest("", "expense");
    const seen = await eventually(async () => {
      const r = await requestJson(id);
      return r.audit?.filter((e) => e.event === "notified").length === 3 ? r.audit.length : undefined;
    }, "the three approvers notified");
    const waiting = poll(`/api/requests/${id}?wait=60&after=${seen}`);
    expect(waiting.answered()).toBe(false);
    expect((await click("U0QUORUMA", id, "approve")).status).toBe(200);
    const { json } = await waiting.response;
    expect(json.status).toBe("pending");
    expect(json.audit.at(-1)).toMatchObject({ event: "voted", actor: "U0QUORUMA", detail: "approve" });
    // Without news past `after`, it answers at once only when asked not to wait.
    const now = await apiCall("GET", `/api/requests/${id}?wait=0&after=${json.audit.length}`);
    expect(((await now.json()) as RequestJson).status).toBe("pending");
  });

  it("a decided request answers at once, whatever the wait; an undecided one answers pending when the wait ends", async () => {
    const approver = await newUser();
    const id = await pipelineRequest(approver);
    await approverDm(approver);
    const short = await apiCall("GET", `/api/requests/${id}?wait=1`);
    expect(((await short.json()) as RequestJson).status).toBe("pending");
    expect((await click(approver, id, "approve")).status).toBe(200);
    await eventually(async () => (await requestJson(id)).status === "approved", "the approval");
    // 60 s would time the test out: a decided request does not wait.
    const decided = await apiCall("GET", `/api/requests/${id}?wait=60`);
    expect(((await decided.json()) as RequestJson).status).toBe("approved");
  });

  it("refuses a bad wait or after (400, naming it), and 404s an unknown request even with a wait", async () => {
    for (const [query, path] of [
      ["wait=61", "wait"],
      ["wait=-1", "wait"],
      ["wait=soon", "wait"],
      ["wait=1.5", "wait"],
      ["after=-2", "after"],
      ["after=x", "after"],
    ] as const) {
      const res = await apiCall("GET", `/api/requests/req-abc123def456?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ApiAnswer).issues?.[0]?.path, query).toBe(path);
    }
    const unknown = await apiCall("GET", "/api/requests/req-zzzzzzzzzzzz?wait=60");
    expect(unknown.status).toBe(404);
  });
});
