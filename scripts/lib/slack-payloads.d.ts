export function commandForm(user: string, text: string, opts?: { responseUrl?: string; triggerId?: string }): string;
export function clickForm(user: string, requestId: string, action: "approve" | "reject", opts?: { responseUrl?: string }): string;
