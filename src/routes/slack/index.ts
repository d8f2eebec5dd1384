import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { slackSignature } from "../../slack/verify";
import { commandRoutes } from "./commands";
import { eventRoutes } from "./events";
import { interactionRoutes } from "./interactions";

/**
 * Slack's routes (Slack wants an answer within 3 s: https://docs.slack.dev/interactivity/handling-user-interaction).
 * Each one is thin: verify the signature (middleware), parse and classify at the
 * edge (one validator per route), authorise against D1, then create a workflow instance, send it
 * an event or open a modal, and answer within 3 s.
 */
export const slackRoutes = new Hono<AppEnv>();
// Every route below is signed by Slack: the signature is checked before anything else.
slackRoutes.use("*", ...slackSignature());
slackRoutes.route("/", commandRoutes);
slackRoutes.route("/", interactionRoutes);
slackRoutes.route("/", eventRoutes);
