import { z } from "zod";

export type DurationLabel = `${number} ${"second" | "minute" | "hour" | "day" | "week"}${"" | "s"}`;

const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
const PATTERN = /^(\d+) (second|minute|hour|day|week)s?$/;

/** A Workflows duration such as "30 seconds", "4 hours" or "2 days" (what step.sleep and waits accept). */
export const duration = z
  .string()
  .trim()
  .regex(PATTERN, 'expected a duration like "30 minutes", "4 hours" or "2 days"')
  .transform((s) => s as DurationLabel);

export function durationMs(d: DurationLabel): number {
  const m = PATTERN.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
