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
}
export function standinControl(url: string): StandinControl;
