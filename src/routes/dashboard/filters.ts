import type { Context } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { userId } from "../../core/ids";
import { REQUEST_STATUSES } from "../../core/store";

const dateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date like 2026-05-01")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a date");
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);

/** The list's filters from the query string; a blank field means "any". */
const filterSchema = z.object({
  status: z.preprocess(blankToUndefined, z.enum(REQUEST_STATUSES).optional()),
  type: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, "a request type such as deploy")
      .optional(),
  ),
  requester: z.preprocess(blankToUndefined, userId.optional()),
  approver: z.preprocess(blankToUndefined, userId.optional()),
  from: z.preprocess(blankToUndefined, dateOnly.optional()),
  to: z.preprocess(blankToUndefined, dateOnly.optional()),
});
export type Filters = z.infer<typeof filterSchema>;

/**
 * Validates the filters at the edge; `invalid` answers a bad one (the page shows the form again,
 * the export a line of text). The route reads the result with `c.req.valid("query")`.
 */
export const validFilters = (invalid: (c: Context, problem: string, raw: Record<string, string>) => Response | Promise<Response>) =>
  validator("query", (query, c) => {
    const parsed = filterSchema.safeParse(query);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    return invalid(c, `${issue.path.join(".")}: ${issue.message}`, c.req.query());
  });
