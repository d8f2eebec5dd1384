import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiRoutes } from "../src/routes/api";
import { type ApiAnswer, apiCall, apiCreate, approverDm, eventually, newUser, requestJson, waitForStatus } from "./helpers";

/**
 * GET /api/openapi.json against the routes it describes: every route is in it, what it says a
 * request must be is what the routes refuse, and what the routes answer matches it (validated
 * with the document's own JSON Schemas, through zod's fromJSONSchema).
 */

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: Json }[];
  requestBody?: { content: { "application/json": { schema: Json } } };
  responses: Record<string, { content?: { "application/json": { schema: Json } } }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

async function document(): Promise<Document> {
  const res = await apiCall("GET", "/api/openapi.json", { token: null });
  expect(res.status).toBe(200);
  return res.json();
}

/** A schema with every `$ref` to a component replaced by the component (the document's refs are not recursive). */
function resolve(schema: unknown, doc: Document): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolve(s, doc));
  if (!schema || typeof schema !== "object") return schema;
  const ref = (schema as Json).$ref;
  if (typeof ref === "string") return resolve(doc.components.schemas[ref.replace("#/components/schemas/", "")], doc);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v, doc)]));
}

/** The document's schema of an operation's answer, as a validator. */
function answerSchema(doc: Document, path: string, method: string, status: number) {
  const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.["application/json"].schema;
  expect(schema, `${method} ${path} ${status} in the document`).toBeDefined();
  return z.fromJSONSchema(resolve(schema, doc) as Parameters<typeof z.fromJSONSchema>[0]);
}

const expectMatches = (schema: z.ZodType, value: unknown, what: string) => {
  const r = schema.safeParse(value);
  expect(r.success ? [] : r.error.issues, what).toEqual([]);
};

describe("the OpenAPI document", () => {
  it("describes every route of the API (and nothing else), each behind the bearer token but the document itself", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const routes = apiRoutes.routes
      .filter((r) => r.method !== "ALL" && r.path !== "/api/openapi.json")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
    expect(documented.sort()).toEqual([
      "get /api/instances",
      "get /api/requests/{id}",
      "get /api/stats",
      "post /api/requests",
      "post /api/requests/{id}/cancel",
      "post /api/requests/{id}/wake",
    ]);
    for (const [path, ops] of Object.entries(doc.paths)) for (const op of Object.values(ops)) expect(op.security, path).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("a request the document's NewRequest schema forbids is refused, naming the field; its example is accepted", async () => {
    const doc = await document();
    const body = resolve(doc.paths["/api/requests"]!.post!.requestBody!.content["application/json"].schema, doc) as {
      properties: Record<string, Json>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(body.required).toEqual(["description"]);
    expect(body.additionalProperties).toBe(false);
    const approver = await newUser();
    const valid = { approvers: [approver], description: "Deploy billing-api v2.3 to production" };
    // Every example in the schema, put together, is a valid request.
    const example = Object.fromEntries(Object.entries(body.properties).map(([k, p]) => [k, p.example]));
    delete example.type; // the example type is the shipped policy's, not the test policy's
    expect((await apiCreate({ ...example, approvers: [approver], requester: undefined })).status).toBe(201);

    const violations: [string, unknown][] = [];
    for (const [name, p] of Object.entries(body.properties)) {
      if (typeof p.maxLength === "number") violations.push([name, { ...valid, [name]: "x".repeat(p.maxLength + 1) }]);
      if (typeof p.pattern === "string") violations.push([name, { ...valid, [name]: "not valid!" }]);
      if (typeof p.maxItems === "number") violations.push([name, { ...valid, [name]: Array.from({ length: p.maxItems + 1 }, () => approver) }]);
      if (p.type === "object" && p.additionalProperties === false)
        violations.push([`${name}.extra`, { ...valid, [name]: { ...(p.example as Json), extra: 1 } }]);
    }
    violations.push(["description", { approvers: [approver] }], ["extra", { ...valid, extra: true }]);
    // What the document's limits gave: each is a refusal the route must make.
    expect(violations.map(([path]) => path).sort()).toEqual(["approvers", "description", "description", "extra", "requester", "source.extra", "type"]);
    for (const [path, request] of violations) {
      const { status, json } = await apiCreate(request);
      expect(status, path).toBe(422);
      expect(
        json.issues?.map((i) => i.path),
        path,
      ).toContain(path);
    }
  });

  it("the query and path parameters it declares are the ones checked (400 beyond their limits)", async () => {
    const doc = await document();
    const params = doc.paths["/api/requests/{id}"]!.get!.parameters!;
    expect(params.map((p) => `${p.in}:${p.name}`).sort()).toEqual(["path:id", "query:after", "query:wait"]);
    const wait = params.find((p) => p.name === "wait")!.schema;
    expect(wait).toMatchObject({ minimum: 0, maximum: 60 });
    expect((await apiCall("GET", `/api/requests/req-abc123def456?wait=${(wait.maximum as number) + 1}`)).status).toBe(400);
    const id = params.find((p) => p.name === "id")!.schema;
    expect(new RegExp(id.pattern as string).test("req-abc123def456")).toBe(true);
    expect((await apiCall("GET", "/api/requests/REQ-ABC")).status).toBe(400);
    const header = doc.paths["/api/requests"]!.post!.parameters!.find((p) => p.in === "header")!;
    expect(header.name).toBe("Idempotency-Key");
  });

  it("the routes answer what it says: created, read, waited for, cancelled, refused, conflicting, stats", async () => {
    const doc = await document();
    const approver = await newUser();
    const created = await apiCreate({ approvers: [approver], description: "Deploy", source: { name: "ci" }, fields: { Env: "prod" } });
    // The validators bite: a wrong shape does not pass.
    expect(answerSchema(doc, "/api/requests", "post", 201).safeParse({ ...created.json, id: "req-1" }).success).toBe(false);
    expect(answerSchema(doc, "/api/requests/{id}", "get", 200).safeParse({ id: created.json.id, status: "pending" }).success).toBe(false);
    expectMatches(answerSchema(doc, "/api/requests", "post", 201), created.json, "201");
    // Read at once (possibly before the workflow recorded it), then recorded.
    const first = await apiCall("GET", `/api/requests/${created.json.id}`);
    expectMatches(answerSchema(doc, "/api/requests/{id}", "get", 200), await first.json(), "200 at once");
    await approverDm(approver);
    const read = await apiCall("GET", `/api/requests/${created.json.id}?wait=0`);
    expectMatches(answerSchema(doc, "/api/requests/{id}", "get", 200), await read.json(), "200");
    const listed = await apiCall("GET", "/api/instances?instances=1&limit=5");
    expectMatches(answerSchema(doc, "/api/instances", "get", 200), await listed.json(), "instances 200");
    const badQuery = await apiCall("GET", "/api/instances?limit=0");
    expect(badQuery.status).toBe(400);
    expectMatches(answerSchema(doc, "/api/instances", "get", 400), await badQuery.json(), "instances 400");
    const woken = await apiCall("POST", `/api/requests/${created.json.id}/wake`);
    expect(woken.status).toBe(202);
    expectMatches(answerSchema(doc, "/api/requests/{id}/wake", "post", 202), await woken.json(), "wake 202");
    const cancelled = await apiCall("POST", `/api/requests/${created.json.id}/cancel`, { body: { reason: "aborted" } });
    expectMatches(answerSchema(doc, "/api/requests/{id}/cancel", "post", 200), await cancelled.json(), "cancel 200");
    await waitForStatus(created.json.id!, "cancelled");
    const done = await apiCall("GET", `/api/requests/${created.json.id}?wait=60`);
    expectMatches(answerSchema(doc, "/api/requests/{id}", "get", 200), await done.json(), "200 cancelled");
    const again = await apiCall("POST", `/api/requests/${created.json.id}/cancel`);
    expect(again.status).toBe(409);
    expectMatches(answerSchema(doc, "/api/requests/{id}/cancel", "post", 409), await again.json(), "409");
    await eventually(async () => (await requestJson(created.json.id!)).workflow?.status === "complete", "the cancelled request's instance to finish");
    const finished = await apiCall("POST", `/api/requests/${created.json.id}/wake`);
    expect(finished.status).toBe(409);
    expectMatches(answerSchema(doc, "/api/requests/{id}/wake", "post", 409), await finished.json(), "wake 409");
    const refused = await apiCreate({ description: "" });
    expectMatches(answerSchema(doc, "/api/requests", "post", 422), refused.json satisfies ApiAnswer, "422");
    const missing = await apiCall("GET", "/api/requests/req-zzzzzzzzzzzz");
    expectMatches(answerSchema(doc, "/api/requests/{id}", "get", 404), await missing.json(), "404");
    const unauthorised = await apiCall("GET", "/api/stats", { token: null });
    expectMatches(answerSchema(doc, "/api/stats", "get", 401), await unauthorised.json(), "401");
    const stats = await apiCall("GET", "/api/stats");
    expectMatches(answerSchema(doc, "/api/stats", "get", 200), await stats.json(), "stats");
  });
});
