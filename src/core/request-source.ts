import { z } from "zod";

/**
 * Who asks when nobody in Slack does (a pipeline, a script: the `source` of a request made with
 * POST /api/requests), and the named values shown with a request (`fields`). Both are user text:
 * Slack messages show them only through slack/mrkdwn.ts `userText`, the dashboard escapes them.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const ONE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
const oneLine = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`).regex(ONE_LINE, "must be one line of text (no control characters)");

/**
 * A link Slack and the dashboard may show: http(s) only (no `javascript:` or other scheme reaches
 * a message or a page), no user name or password (`https://github.com@evil.example/` reads as
 * GitHub but goes elsewhere), and no white space (a URL parser accepts `https://a.example/x y`,
 * but Slack's `<…>` link would end at the space).
 */
const httpLink = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(500, "at most 500 characters")
  .regex(/^\S+$/, "must not contain spaces (encode them as %20)")
  .refine((u) => {
    const url = new URL(u);
    return !url.username && !url.password;
  }, "must not hold a user name or password");

export const sourceSchema = z.strictObject({
  /** The system that asks, e.g. "github-actions". */
  name: oneLine(50),
  /** Where its run can be seen, e.g. the pipeline run's page. */
  url: httpLink.optional(),
  /** Which run, e.g. "deploy #123". */
  label: oneLine(100).optional(),
});
export type Source = z.infer<typeof sourceSchema>;

export const MAX_FIELDS = 10;
export const fieldsSchema = z
  .record(oneLine(30), z.string().max(300, "at most 300 characters"))
  .refine((f) => Object.keys(f).length <= MAX_FIELDS, `at most ${MAX_FIELDS} fields`);
/** Named values in the order given, e.g. {"Environment": "production"}. */
export type Fields = z.infer<typeof fieldsSchema>;

/** "github-actions (deploy #123)": the source's name and label, as plain text. */
export const sourceTitle = (s: Source): string => (s.label ? `${s.name} (${s.label})` : s.name);
