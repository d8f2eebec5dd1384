import type { ContextBlock, KnownBlock, MrkdwnElement, PlainTextElement } from "@slack/types";
import { apiActorName, isApiActor } from "../core/ids";
import { type Fields, type Source, sourceTitle } from "../core/request-source";
import type { ListedRequest, RequestStatus } from "../core/store";
import { plainUserText, type Segment, storedUserText, type UserText } from "../core/user-text";

/** Text for Slack: escaping, user text, Block Kit's limits, mentions, dates, and one line per listed request. */

/**
 * Slack's Block Kit limits: section text 3000 chars (we keep a margin), 50 blocks per message or view.
 * @see https://docs.slack.dev/reference/block-kit/blocks/section-block
 * @see https://docs.slack.dev/reference/block-kit/blocks
 */
const SECTION_TEXT_MAX = 2900;
const MAX_BLOCKS = 50;

/** Keeps a block list within Slack's 50, saying how many were left out. */
export function capBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= MAX_BLOCKS) return blocks;
  const kept = blocks.slice(0, MAX_BLOCKS - 1);
  return [...kept, context(`…and ${blocks.length - kept.length} more`)];
}

/**
 * Escapes text for mrkdwn: Slack reads <…> as links and mentions, so text such as "<!channel>"
 * must not notify anyone. Slack's own rule: escape &, < and >, and only those.
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Shortens mrkdwn to `max` characters without cutting a token (`<@U…>`, `<url|label>`, a date) or
 * an escape (&amp; &lt; &gt;) or a character in half; a cut never leaves an empty quote line.
 */
export function truncate(text: string, max = SECTION_TEXT_MAX): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const open = cut.lastIndexOf("<");
  if (open > cut.lastIndexOf(">")) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf("&");
  if (amp > cut.length - 5 && !cut.slice(amp).includes(";")) cut = cut.slice(0, amp);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.replace(/\n>?$/, "")}…`;
}

/**
 * Formatting characters have no escape in mrkdwn (a backslash shows as itself), so in one-line
 * contexts user text gets look-alikes Slack never reads as formatting, as jsx-slack does.
 * @see https://github.com/slackhq/slack-api-docs/issues/34 (Slack: "The backslash won't escape the formatting")
 * @see https://github.com/yhatt/jsx-slack/blob/main/docs/about-escape-and-exact-mode.md
 */
const LOOKALIKE: Record<string, string> = { "*": "\u2217", _: "\u02cd", "~": "\u223c", "`": "\u02cb" };

/**
 * Where user text goes: `quote`, a block quote (every line starts with `>`, so the text's own lines
 * and formatting stay inside it; a ``` fence, which could run past the quote, is broken); `line`,
 * one line (new lines become spaces and formatting characters look-alikes), so the text cannot lay
 * out a line of its own.
 */
export type UserTextPlace = "quote" | "line";

function plainMrkdwn(text: string, place: UserTextPlace): string {
  const escaped = escapeText(text.replace(/\r\n?/g, "\n"));
  if (place === "quote") return escaped.replace(/```/g, "\u02cb\u02cb\u02cb").replace(/\n/g, "\n>");
  // An underscore inside a word (snake_case, :white_check_mark:) never starts italics: kept.
  return escaped.replace(/\s*\n\s*/g, " ").replace(/[*~`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => LOOKALIKE[c]!);
}

/** Links Slack opens: the web and mail. Any other scheme is shown as text. */
const LINKABLE = /^(https?:\/\/|mailto:)/i;

function segmentMrkdwn(s: Segment, place: UserTextPlace): string {
  switch (s.type) {
    case "text":
      return plainMrkdwn(s.text, place);
    case "user":
      return `<@${s.id}>`;
    case "channel":
      return `<#${s.id}>`;
    case "link": {
      if (!LINKABLE.test(s.url)) return plainMrkdwn(s.label ? `${s.label} (${s.url})` : s.url, place);
      const label = s.label && s.label !== s.url ? `|${plainMrkdwn(s.label, "line")}` : "";
      return `<${escapeText(s.url).replace(/\|/g, "%7C")}${label}>`;
    }
    case "broadcast":
      // The word, never `<!here>`: nobody is notified by what a requester typed.
      return plainMrkdwn(`@${s.name}`, place);
    case "usergroup":
      return plainMrkdwn(s.label ? (s.label.startsWith("@") ? s.label : `@${s.label}`) : `@${s.id}`, place);
  }
}

/**
 * User text as mrkdwn, the one way it enters a Slack message: escaped once (`&` `<` `>` show as
 * typed), people and channels as mentions, http(s) and mail links as links, @here and user groups
 * as words; laid out for `place` and cut to `max`.
 */
export function userText(text: UserText, place: UserTextPlace, max?: number): string {
  const out = (place === "quote" ? ">" : "") + text.map((s) => segmentMrkdwn(s, place)).join("");
  return max ? truncate(out, max) : out;
}

/** A plain text that does not come from a person (a receiver's message, an error) placed like user text. */
export const foreignText = (text: string, max?: number) => userText(storedUserText(text, null), "line", max);

export const mention = (user: string) => `<@${user}>`;

/**
 * Who acted: a person's mention, or, for a pipeline acting over the API (`api:<source name>`),
 * the source's name as text with "(API)": never a mention, since nobody is behind it in Slack.
 */
export const actorText = (actor: string) => (isApiActor(actor) ? `${userText(plainUserText(apiActorName(actor)), "line")} (API)` : mention(actor));

/** An API request's source on one line, as user text: "github-actions (deploy #123)". */
export const sourceText = (source: Source) => userText(plainUserText(sourceTitle(source)), "line");

/** The source's link (its run's page), shown as the address itself so nothing hides where it goes; "" without one. */
export const sourceLink = (source: Source) => (source.url ? userText([{ type: "link", url: source.url }], "line") : "");

/**
 * A request's fields as Block Kit section fields: the name in bold, the value below it, both user
 * text on one line; Block Kit allows 10 fields of 2000 characters each.
 * @see https://docs.slack.dev/reference/block-kit/blocks/section-block (fields)
 */
export function fieldsText(fields: Fields | null | undefined): string[] {
  return Object.entries(fields ?? {})
    .slice(0, 10)
    .map(([name, value]) => truncate(`*${userText(plainUserText(name), "line")}*\n${userText(plainUserText(value), "line") || "–"}`, 2000));
}

/** The fields on one line, for lists and ephemeral answers: "Environment: production · Version: v2.3". */
export const fieldsLine = (fields: Fields | null | undefined, max = 300) =>
  truncate(
    Object.entries(fields ?? {})
      .map(([name, value]) => `${userText(plainUserText(name), "line")}: ${userText(plainUserText(value), "line")}`)
      .join(" · "),
    max,
  );

/**
 * A person or a user group the service asked (S…: Slack shows the group's handle). Only ever for
 * approvers the policy, a command's mention or a workflow step named, never for what someone typed.
 * @see https://docs.slack.dev/messaging/formatting-message-text ("Mentioning groups": <!subteam^ID>)
 */
export const approverMention = (id: string) => (/^S[A-Z0-9]{2,}$/.test(id) ? `<!subteam^${id}>` : mention(id));

/** A time shown in each reader's own time zone, with a UTC fallback for old clients. */
export function slackTime(iso: string): string {
  const unix = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${unix}^{date_short_pretty} at {time}|${iso.replace("T", " ").slice(0, 16)} UTC>`;
}

/** A plain_text object (labels, titles, button texts). */
export const plain = (text: string): PlainTextElement => ({ type: "plain_text", text });

/**
 * A mrkdwn object. `verbatim`: Slack does not auto-link or auto-parse mentions in it (text that
 * holds user text), while our own `<@…>` and `<url>` tokens still work.
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 */
export const md = (text: string, verbatim = false): MrkdwnElement => (verbatim ? { type: "mrkdwn", text, verbatim } : { type: "mrkdwn", text });

/** A context block of one mrkdwn line. */
export const context = (text: string, verbatim = false): ContextBlock => ({ type: "context", elements: [md(text, verbatim)] });

export const STATUS_EMOJI: Record<RequestStatus, string> = {
  pending: ":hourglass:",
  approved: ":white_check_mark:",
  rejected: ":x:",
  expired: ":hourglass_flowing_sand:",
  cancelled: ":leftwards_arrow_with_hook:",
  failed: ":warning:",
};

/** One request in a list: status, id, (requester or source,) the description on one line, shortened. */
export function listLine(r: ListedRequest, withRequester: boolean): string {
  const from = r.requester ? mention(r.requester) : r.source ? sourceText(r.source) : "";
  const who = withRequester && from ? ` from ${from}` : "";
  return `${STATUS_EMOJI[r.status]} \`${r.id}\` ${r.status}${who}: ${userText(storedUserText(r.description, r.description_rich), "line", 150)}`;
}
