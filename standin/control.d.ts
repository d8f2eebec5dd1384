import type { Block, KnownBlock } from "@slack/types";

/** The first attempt of an event delivery (later retries are in GET /_control/deliveries). */
export interface EventDelivery {
  event_id?: string;
  delivered: boolean;
  status?: number;
  error?: string;
}
export interface StandinControl {
  addUser(id: string, profile?: { name?: string; real_name?: string; tz?: string }): Promise<{ id: string; name: string; real_name: string }>;
  triggerId(user: string): Promise<string>;
  responseUrl(context: { user: string; channel: string; kind?: "commands" | "actions"; messageTs?: string }): Promise<string>;
  addToken(token: string, scopes: string[]): Promise<unknown>;
  deliverEvent(event: object): Promise<EventDelivery>;
  deliverEventBody(body: object): Promise<EventDelivery>;
  setEventRetryDelays(delaysMs: number[]): Promise<unknown>;
  sslCheck(): Promise<DeliveryRecord>;
  reset(): Promise<unknown>;
  executeFunction(inputs: Record<string, unknown>, opts?: { callback_id?: string; user?: string }): Promise<{ execution_id: string; token: string; body: any }>;
  functionToken(executionId: string): Promise<string>;
  functions(): Promise<FunctionExecution[]>;
  setFunctionSettings(settings: { jitTokenTtlMs?: number; botTokenCompletes?: boolean }): Promise<unknown>;
  setUsergroup(id: string, users: string[]): Promise<unknown>;
}
/** A Workflow Builder step run as the stand-in records it (GET /_control/functions). */
export interface FunctionExecution {
  id: string;
  callback_id: string;
  workflow_execution_id: string;
  /** The page's workflow that ran the step (standin/functions.js WORKFLOWS), null for a run from a test. */
  workflow: string | null;
  user: string | null;
  status: "running" | "completed" | "failed";
  inputs: Record<string, unknown>;
  outputs: Record<string, string> | null;
  error: string | null;
  completions: { method: string; via: "bot" | "workflow"; at: number; error?: string }[];
  startedAt: number;
  /** What the page's workflow did after the step (its branch, a failure told by Slackbot). */
  log: string[];
}
export function standinControl(url: string): StandinControl;

// ---- what the control endpoints answer (JSON), for the tests that read them over HTTP

/** One attempt to deliver to the app (GET /_control/deliveries; standin/delivery.js records it). */
export interface DeliveryRecord {
  seq: number;
  at: number;
  kind: "command" | "interaction" | "event" | "ssl_check";
  /** The command, the interaction's or event's type. */
  type?: string;
  user?: string;
  via: "http" | "socket" | "none";
  path?: string;
  /** The app's HTTP status (over HTTP). */
  status?: number;
  ms?: number;
  /** Set once the attempt has ended. */
  ok?: boolean;
  error?: string;
  /** Over Socket Mode: the envelope and how long its ack took. */
  envelope_id?: string;
  ackMs?: number;
  /** Events: the event_id, which retry this is (0 the first attempt) and why. */
  event_id?: string;
  retry_num?: number;
  retry_reason?: string;
  /** The app answered X-Slack-No-Retry: 1. */
  no_retry?: boolean;
  retry_scheduled_in_ms?: number;
  /** The ssl_check's answer (its first 200 characters). */
  answer?: string;
}

/** A Socket Mode envelope sent to the app and its ack (GET /_control/envelopes; standin/socket-mode.js). */
export interface SocketEnvelope {
  envelope_id: string;
  type: "slash_commands" | "interactive" | "events_api";
  sentAt: number;
  acked: boolean;
  ackMs?: number;
  /** The ack's payload (a command's answer, a modal's response_action). */
  ackPayload?: Record<string, unknown>;
  error?: string;
}

export interface SocketModeRecord {
  connections: number;
  envelopes: SocketEnvelope[];
}

/** A message as the stand-in keeps it (GET /_control/messages?channel=…; the Web API and the page post them). */
export interface StandinMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: (KnownBlock | Block)[];
  /** How often chat.update or a response_url replaced it. */
  updated: number;
  thread_ts?: string;
  metadata?: unknown;
  bot_id?: string;
  user?: string;
  username?: string;
  function_execution_id?: string;
}

/** An ephemeral message, seen by `user` only (GET /_control/ephemerals). */
export interface StandinEphemeral {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: (KnownBlock | Block)[];
  /** Who shows it: the app, or Slackbot (USLACKBOT) for Slack's own answers. */
  source: string;
  at: number;
}

/** What the page shows one person (GET /_ui/state?user=…; standin/ui.js snapshot), the parts tests read named. */
export interface PageState {
  version: number;
  me: string;
  /** Their channels' messages and their own ephemerals, oldest first. */
  items: (({ kind: "message" } & StandinMessage) | ({ kind: "ephemeral" } & StandinEphemeral))[];
  /** The modal on top of their stack. */
  modal: { id: string; depth: number; view: Record<string, unknown> } | null;
  connection: { via: "http" | "socket" | "none"; target: string };
  [part: string]: unknown;
}

/** What a page action (POST /_ui/command, /_ui/action, …) answers: Slack's ok, or the error the person is shown. */
export interface PageActionAnswer {
  ok: boolean;
  error?: string;
  /** A modal submission the app refused: its errors by block_id. */
  errors?: Record<string, string>;
  /** A command: the text delivered; a DM: whether the app took it. */
  delivered?: string | boolean;
}
