import { z } from "zod";

/**
 * User text: what a person wrote (a request's description), in one representation whatever it
 * came through. The slash command's text is parsed from Slack's escaped form into segments
 * (slack/escaped-text.ts); the modal and the API give plain text, one text segment. D1 keeps the
 * readable form (`readable`: what the dashboard, the API, the CSV and the webhook show) and, when
 * there is more than text, the segments too, so Slack messages keep mentions and links
 * (slack/mrkdwn.ts `userText`).
 */

/** Ids are checked here so that no segment can carry markup into a message (they are written into `<@…>`). */
const userIdPattern = /^[UW][A-Z0-9]{2,}$/;
const channelIdPattern = /^[CG][A-Z0-9]{2,}$/;
const userGroupIdPattern = /^S[A-Z0-9]{2,}$/;

const label = z.string().max(500).optional();

export const segmentSchema = z.discriminatedUnion("type", [
  /** Text as the person typed it (never escaped). */
  z.object({ type: z.literal("text"), text: z.string() }),
  /** A mention of a person (`label`: the name Slack sent with it, if any). */
  z.object({ type: z.literal("user"), id: z.string().regex(userIdPattern), label }),
  z.object({ type: z.literal("channel"), id: z.string().regex(channelIdPattern), label }),
  /** A link; `label` is the text shown for it when it differs from the address. */
  z.object({ type: z.literal("link"), url: z.string().min(1).max(3000), label }),
  /** @here, @channel, @everyone: shown as words, never a notification. */
  z.object({ type: z.literal("broadcast"), name: z.enum(["here", "channel", "everyone"]) }),
  /** A user group (`label` such as "@oncall"): shown as words, never a notification. */
  z.object({ type: z.literal("usergroup"), id: z.string().regex(userGroupIdPattern), label }),
]);
export type Segment = z.infer<typeof segmentSchema>;

export const userTextSchema = z.array(segmentSchema).max(2000);
export type UserText = Segment[];

/** Plain text (the modal, the API, a reject reason, a receiver's message): one text segment. */
export function plainUserText(text: string): UserText {
  return text ? [{ type: "text", text }] : [];
}

/** Whether the text holds more than words (mentions, links…), i.e. is worth storing as segments. */
export const isRich = (t: UserText): boolean => t.some((s) => s.type !== "text");

/** The stored form: the segments when stored, else the readable text as plain text (older rows and instances). */
export const storedUserText = (readableText: string, rich: UserText | null | undefined): UserText => rich ?? plainUserText(readableText);

/** An address without its scheme, as people type it (`example.com/x`, `bob@example.com`). */
const withoutScheme = (url: string) => url.replace(/^(https?:\/\/|mailto:)/i, "");

function readableLink(url: string, text: string | undefined): string {
  const bare = withoutScheme(url);
  // A mail link reads as the address; a label that is only the address adds nothing.
  if (!text || text === url || text === bare) return /^mailto:/i.test(url) ? bare : url;
  // A label that differs says where the link really goes, so nobody is misled by it.
  return `${text} (${/^mailto:/i.test(url) ? bare : url})`;
}

function readableSegment(s: Segment): string {
  switch (s.type) {
    case "text":
      return s.text;
    case "user":
      return `@${s.label || s.id}`;
    case "channel":
      return `#${s.label || s.id}`;
    case "link":
      return readableLink(s.url, s.label);
    case "broadcast":
      return `@${s.name}`;
    case "usergroup":
      return s.label ? (s.label.startsWith("@") ? s.label : `@${s.label}`) : `@${s.id}`;
  }
}

/**
 * The readable text: what D1, the API, the dashboard, the CSV and webhook bodies hold. People as
 * `@name` (or `@U…` when Slack sent no name), channels `#name`, links as the address (`label
 * (address)` when the label differs), @here and user groups as the words.
 */
export function readable(t: UserText): string {
  return t.map(readableSegment).join("");
}

/** The text with leading and trailing white space of its outer text segments removed. */
export function trimUserText(t: UserText): UserText {
  const out = t.map((s) => ({ ...s }));
  const first = out[0];
  if (first?.type === "text") first.text = first.text.trimStart();
  const last = out.at(-1);
  if (last?.type === "text") last.text = last.text.trimEnd();
  return out.filter((s) => s.type !== "text" || s.text !== "");
}
