/**
 * Structured logging: one JSON line per event. Callers pass ids and step names, never tokens,
 * secrets or request bodies. In workflows, call it inside a step so a replay does not repeat it.
 */
type Level = "debug" | "info" | "warn" | "error";

export interface LogFields {
  requestId?: string;
  instanceId?: string;
  step?: string;
  durationMs?: number;
  /** The line's own keys: a field must not overwrite them (an approval level is `approvalLevel`). */
  level?: never;
  message?: never;
  time?: never;
  [key: string]: string | number | boolean | null | undefined;
}

export function log(level: Level, message: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
