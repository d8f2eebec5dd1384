// The cost benchmark's Worker: ours (src/index.ts) unchanged, wrapped so that what an approval
// uses can be counted from outside (bench-only; bundled by bench/direct/stack.js, never deployed).
// - D1: every statement's meta.rows_read / rows_written, summed (first() runs as all() to get its
//   meta: D1's first() runs the whole query too, so the rows counted are the same).
// - KV: get / put / delete / list calls. Analytics Engine: writeDataPoint calls.
// - Workflows: run() calls per class, and the distinct step names each instance used (do, sleep,
//   sleepUntil, waitForEvent), which is what the steps-per-instance limit counts, with the size of
//   the state the engine keeps for them (params, step results, events received, as JSON).
// - Worker requests by route.
// GET /__bench/counters (with the API token) answers the totals so far.
import service, { ActionWorkflow as Action, ApprovalWorkflow as Approval, MaintenanceWorkflow as Maintenance } from "../../src/index";

const counts = {
  requests: {},
  d1: { queries: 0, rowsRead: 0, rowsWritten: 0 },
  kv: { get: 0, put: 0, delete: 0, list: 0 },
  kvKeys: {},
  analytics: 0,
  workflows: {},
};
const ORIGINAL = Symbol("statement");

function addMeta(meta) {
  counts.d1.queries++;
  counts.d1.rowsRead += meta?.rows_read ?? 0;
  counts.d1.rowsWritten += meta?.rows_written ?? 0;
}

function countedStatement(statement) {
  return {
    [ORIGINAL]: statement,
    bind: (...values) => countedStatement(statement.bind(...values)),
    async first(column) {
      const r = await statement.all();
      addMeta(r.meta);
      const row = r.results[0] ?? null;
      return column === undefined ? row : (row?.[column] ?? null);
    },
    async all() {
      const r = await statement.all();
      addMeta(r.meta);
      return r;
    },
    async run() {
      const r = await statement.run();
      addMeta(r.meta);
      return r;
    },
    async raw(options) {
      const r = await statement.all();
      addMeta(r.meta);
      const rows = r.results.map((row) => Object.values(row));
      return options?.columnNames ? [Object.keys(r.results[0] ?? {}), ...rows] : rows;
    },
  };
}

const bound = (target, prop) => {
  const value = Reflect.get(target, prop);
  return typeof value === "function" ? value.bind(target) : value;
};

const countedDb = (db) =>
  new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql) => countedStatement(target.prepare(sql));
      if (prop === "batch")
        return async (statements) => {
          const results = await target.batch(statements.map((s) => s[ORIGINAL] ?? s));
          for (const r of results) addMeta(r.meta);
          return results;
        };
      return bound(target, prop);
    },
  });

const countedKv = (kv) =>
  new Proxy(kv, {
    get(target, prop) {
      const op = { get: "get", getWithMetadata: "get", put: "put", delete: "delete", list: "list" }[prop];
      if (!op) return bound(target, prop);
      return (...args) => {
        counts.kv[op]++;
        // By operation and key prefix (name:, pace:, home: …), to see which flow uses what.
        const what = `${op} ${typeof args[0] === "string" ? args[0].split(":")[0] : "(list)"}`;
        counts.kvKeys[what] = (counts.kvKeys[what] ?? 0) + 1;
        return target[prop](...args);
      };
    },
  });

const countedMetrics = (ae) =>
  ae &&
  new Proxy(ae, {
    get(target, prop) {
      if (prop !== "writeDataPoint") return bound(target, prop);
      return (point) => {
        counts.analytics++;
        return target.writeDataPoint(point);
      };
    },
  });

const countedEnv = (env) => ({ ...env, DB: countedDb(env.DB), KV: countedKv(env.KV), METRICS: countedMetrics(env.METRICS) });

/**
 * The workflow step API, recording for its instance each step's name and the size of what the
 * engine keeps of it (the JSON of its result, or of the event a wait received).
 */
function countedStep(step, workflow, event) {
  const w = (counts.workflows[workflow] ??= { runs: 0, instances: {} });
  w.runs++;
  const instance = (w.instances[event.instanceId] ??= { steps: new Map(), paramsBytes: JSON.stringify(event.payload ?? null).length });
  return new Proxy(step, {
    get(target, prop) {
      if (!["do", "sleep", "sleepUntil", "waitForEvent"].includes(prop)) return bound(target, prop);
      return async (name, ...rest) => {
        const key = `${prop}:${name}`;
        if (!instance.steps.has(key)) instance.steps.set(key, 0);
        const result = await target[prop](name, ...rest);
        instance.steps.set(key, JSON.stringify(result ?? null).length);
        return result;
      };
    },
  });
}

function counted(Base, name) {
  return class extends Base {
    constructor(ctx, env) {
      super(ctx, countedEnv(env));
    }
    run(event, step) {
      return super.run(event, countedStep(step, name, event));
    }
  };
}

export const ApprovalWorkflow = counted(Approval, "ApprovalWorkflow");
export const ActionWorkflow = counted(Action, "ActionWorkflow");
export const MaintenanceWorkflow = counted(Maintenance, "MaintenanceWorkflow");

function snapshot() {
  const workflows = {};
  for (const [name, w] of Object.entries(counts.workflows)) {
    const instances = Object.entries(w.instances).map(([id, i]) => [
      id,
      { steps: i.steps.size, bytes: i.paramsBytes + [...i.steps.values()].reduce((a, b) => a + b, 0) },
    ]);
    workflows[name] = { runs: w.runs, instances: Object.fromEntries(instances) };
  }
  return { ...counts, workflows };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counters") {
      if (request.headers.get("authorization") !== `Bearer ${env.API_TOKEN}`) return new Response("unauthorized", { status: 401 });
      return Response.json(snapshot());
    }
    const route = `${request.method} ${url.pathname.replace(/req-[a-z0-9]{12}/g, ":id")}`;
    counts.requests[route] = (counts.requests[route] ?? 0) + 1;
    return service.fetch(request, countedEnv(env), ctx);
  },
  scheduled: (controller, env, ctx) => service.scheduled(controller, countedEnv(env), ctx),
};
