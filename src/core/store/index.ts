/**
 * The store: every SQL statement of the service, by table (migrations/ has the schema). Writes
 * made from workflow steps are upserts, keyed inserts or conditional updates, so a replayed step
 * changes nothing.
 */
export * from "./actions";
export * from "./audit";
export * from "./delegations";
export * from "./function-runs";
export * from "./keys";
export * from "./listing";
export * from "./live";
export * from "./maintenance";
export * from "./messages";
export * from "./overview";
export * from "./requests";
export * from "./rows";
export * from "./slack-app";
export * from "./stats";
export * from "./votes";
export * from "./waiting";
