export function commandForm(user: string, text: string, opts?: { responseUrl?: string; triggerId?: string }): string;
export function clickForm(user: string, requestId: string, action: "approve" | "reject" | "cancel", opts?: { responseUrl?: string }): string;
export function viewSubmissionForm(
  user: string,
  view: { id: string; callback_id: string; private_metadata?: string },
  values: Record<string, { type: string; value?: string | null; selected_user?: string | null; selected_option?: { value: string } | null; selected_date?: string | null }>,
): string;
