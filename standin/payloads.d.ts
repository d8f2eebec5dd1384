export const VERIFICATION_TOKEN: string;
export const CLICKED_TS: string;
export interface CommandOptions {
  /** The response_url and trigger_id the stand-in issued (standin/control.js). */
  responseUrl: string;
  triggerId: string;
  channelId?: string;
  channelName?: string;
  userName?: string;
  command?: string;
}
export function commandPayload(user: string, text: string, opts: CommandOptions): Record<string, string>;
export function commandForm(user: string, text: string, opts: CommandOptions): string;
export function blockActionsPayload(p: {
  user: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  message?: object;
  actions: object[];
  responseUrl: string;
  triggerId: string;
  isEphemeral?: boolean;
}): Record<string, any>;
export function viewBlockActionsPayload(p: {
  user: string;
  userName?: string;
  view: { id: string };
  actions: object[];
  triggerId: string;
}): Record<string, any>;
export function interactionForm(payload: object): string;
export function clickForm(
  user: string,
  requestId: string,
  action: "approve" | "reject" | "cancel",
  opts: { responseUrl: string; triggerId: string; messageTs?: string },
): string;
export function viewSubmissionForm(
  user: string,
  view: { id: string; callback_id: string; private_metadata?: string },
  values: Record<
    string,
    { type: string; value?: string | null; selected_user?: string | null; selected_option?: { value: string } | null; selected_date?: string | null }
  >,
  triggerId: string,
): string;
export function viewSubmissionPayload(p: { user: string; userName?: string; view: object; values: object; triggerId: string }): Record<string, any>;
export function viewClosedPayload(p: { user: string; userName?: string; view: object }): Record<string, any>;
export function eventCallback(event: object, opts?: { eventId?: string; botUser?: string }): Record<string, any>;
export function functionBlockActionsPayload(p: {
  user: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  message?: object;
  actions: object[];
  execution: { id: string; callback_id: string; inputs: object };
  token?: string;
  pointer: string;
}): Record<string, any>;
