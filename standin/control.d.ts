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
  sslCheck(): Promise<Record<string, unknown>>;
  reset(): Promise<unknown>;
  executeFunction(inputs: Record<string, unknown>, opts?: { callback_id?: string; user?: string }): Promise<{ execution_id: string; token: string; body: any }>;
  functionToken(executionId: string): Promise<string>;
  functions(): Promise<FunctionExecution[]>;
  setFunctionSettings(settings: { jitTokenTtlMs?: number; botTokenCompletes?: boolean }): Promise<unknown>;
  setUsergroup(id: string, users: string[]): Promise<unknown>;
}
/** A Workflow Builder step run as the stand-in records it. */
export interface FunctionExecution {
  id: string;
  callback_id: string;
  status: "running" | "completed" | "failed";
  inputs: Record<string, unknown>;
  outputs: Record<string, string> | null;
  error: string | null;
  completions: { method: string; via: "bot" | "workflow"; at: number; error?: string }[];
}
export function standinControl(url: string): StandinControl;
