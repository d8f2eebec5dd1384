import type { ListedRequest, RequestStatus } from "../core/store";

/** Text for Slack: escaping, Block Kit's limits, mentions, dates, and one line per listed request. */

/**
 * Slack's Block Kit limits: section text 3000 chars (we keep a margin), 50 blocks per message or view.
 * @see https://docs.slack.dev/reference/block-kit/blocks/section-block
 * @see https://docs.slack.dev/reference/block-kit/blocks
 */
const SECTION_TEXT_MAX = 2900;
const MAX_BLOCKS = 50;

/** Keeps a block list within Slack's 50, saying how many were left out. */
export function capBlocks(blocks: unknown[]): unknown[] {
  if (blocks.length <= MAX_BLOCKS) return blocks;
  const kept = blocks.slice(0, MAX_BLOCKS - 1);
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: `…and ${blocks.length - kept.length} more` }] }];
}

/**
 * Escapes user text for mrkdwn: Slack treats <...> as links and mentions, so a description such
 * as "<!channel>" must not notify anyone. Slack's own rule: escape &, < and >.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Shortens mrkdwn to `max` characters without cutting an escape (&amp; &lt; &gt;) in half. */
export function truncate(text: string, max = SECTION_TEXT_MAX): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf("&");
  if (amp > cut.length - 5 && !cut.slice(amp).includes(";")) cut = cut.slice(0, amp);
  return `${cut}…`;
}

export const mention = (user: string) => `<@${user}>`;

/** A time shown in each reader's own time zone, with a UTC fallback for old clients. */
export function slackTime(iso: string): string {
  const unix = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${unix}^{date_short_pretty} at {time}|${iso.replace("T", " ").slice(0, 16)} UTC>`;
}
/** A plain_text object (labels, titles, button texts). */
export const plain = (text: string) => ({ type: "plain_text", text });

export const STATUS_EMOJI: Record<RequestStatus, string> = {
  pending: ":hourglass:",
  approved: ":white_check_mark:",
  rejected: ":x:",
  expired: ":hourglass_flowing_sand:",
  cancelled: ":leftwards_arrow_with_hook:",
  failed: ":warning:",
};

/** One request in a list: status, id, (requester,) the description shortened. */
export function listLine(r: ListedRequest, withRequester: boolean): string {
  const who = withRequester ? ` from ${mention(r.requester)}` : "";
  return `${STATUS_EMOJI[r.status]} \`${r.id}\` ${r.status}${who}: ${truncate(escapeText(r.description), 150)}`;
}
