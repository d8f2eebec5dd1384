export interface StandinControl {
  addUser(id: string, profile?: { name?: string; real_name?: string; tz?: string }): Promise<{ id: string; name: string; real_name: string }>;
  triggerId(user: string): Promise<string>;
  responseUrl(context: { user: string; channel: string; kind?: "commands" | "actions"; messageTs?: string }): Promise<string>;
  addToken(token: string, scopes: string[]): Promise<unknown>;
  reset(): Promise<unknown>;
}
export function standinControl(url: string): StandinControl;
