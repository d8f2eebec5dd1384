import { z } from "zod";

/**
 * Workflow versions: the rule that lets the code change while instances wait (docs/architecture.md,
 * "Changing a workflow while instances wait"). Every instance's params carry the version of the
 * workflow structure it was created with (`v`); a structural change (a step added before a wait,
 * a step removed or renamed, a step's result or an event's shape changed) raises WORKFLOW_VERSION
 * and branches with `since(params, n)`, so instances created before it keep their own path. Params
 * without `v` were created before this rule existed: version 1, the structure this code runs.
 */

/** The version new instances are created with. Raise it with a structural change (one bump per deploy). */
export const WORKFLOW_VERSION = 1;

/**
 * The newest version whose path this code has: WORKFLOW_VERSION, except in the first deploy of an
 * "expand, then switch" change, which ships the new path while still creating the old version, so
 * that rolling back the switch lands on code that knows the new version (docs/architecture.md).
 */
export const NEWEST_VERSION = 1;

/**
 * The oldest version whose path this code still has. Code for a version is removed (and this
 * raised) only when no instance of it remains: `npm run instances` or `GET /api/instances`.
 */
export const OLDEST_VERSION = 1;

/** The `v` of workflow params and event payloads: absent in what was created before versions existed. */
export const versionField = z.number().int().min(1).optional();

/** An instance's version: its params' `v`, or 1 for params created before the rule. */
export const versionOf = (params: { v?: number | undefined }): number => params.v ?? 1;

/**
 * True when the instance was created at version `n` or later: the branch of a structural change.
 * `if (since(params, 2)) await announce()` runs the new step for new instances only; instances
 * created before it replay without it. Never edit the path of an older version; add a branch.
 */
export const since = (params: { v?: number | undefined }, n: number): boolean => versionOf(params) >= n;

/**
 * True when this code is older than the instance (it was created by a newer deploy, then the code
 * was rolled back): the instance runs the newest path this code has, which the runbook weighs.
 */
export const newerThanCode = (params: { v?: number | undefined }): boolean => versionOf(params) > NEWEST_VERSION;
