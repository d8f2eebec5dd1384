import { log } from "./log";

/** The events the service counts (Analytics Engine blob 1; the same counts come from D1 at /api/stats). */
export type MetricEvent = "request_created" | "request_decided" | "request_escalated" | "request_expired" | "action_succeeded" | "action_failed";

/**
 * Writes one Analytics Engine data point: blobs [event, request type, detail], doubles [count,
 * value] (value: e.g. decision latency in seconds), index: the request type. writeDataPoint is
 * fire-and-forget (not awaited); call it inside a step so a replay does not count twice.
 */
export function metric(dataset: AnalyticsEngineDataset | undefined, event: MetricEvent, fields: { type: string; detail?: string; value?: number }): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint({ blobs: [event, fields.type, fields.detail ?? ""], doubles: [1, fields.value ?? 0], indexes: [fields.type] });
  } catch (err) {
    log("warn", "metric not written", { event, error: (err as Error).message });
  }
}
