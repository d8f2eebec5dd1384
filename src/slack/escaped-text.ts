import type { Segment, UserText } from "../core/user-text";

/**
 * Slack's escaped text, as a slash command with `should_escape` (our manifest sets it) sends it,
 * parsed into user text (core/user-text.ts). The person's own `&`, `<`, `>` arrive as `&amp;`,
 * `&lt;`, `&gt;` ("three characters … and only three"); what Slack recognised arrives as a token:
 * `<@U…|name>` or `<@U…>`, `<#C…|name>`, `<https://…>` or `<https://…|label>` (an `&` inside stays
 * `&amp;`), `<!here>` `<!channel>` `<!everyone>` (maybe with `|label`), `<!subteam^S…|@handle>`,
 * and other `<!…>` commands Slack may add (`<!date^…|fallback>`), kept as their readable fallback.
 * Tokens are found first; entities are decoded only between them and inside them, `&amp;` last.
 * @see https://api.slack.com/reference/surfaces/formatting#escaping
 * @see https://api.slack.com/docs/formatting
 * @see https://github.com/slackapi/node-slack-sdk/blob/4322e14/packages/web-api/src/types/request/manifest.ts (should_escape)
 * @see https://github.com/litaio/lita-slack/pull/64 (user groups arrive as `<!subteam^ID|@handle>`; more `!` commands may come)
 */

const TOKEN = /<([^<>]*)>/g;

/** The three entities Slack encodes, decoded (`&amp;` last, so `&amp;lt;` stays `&lt;`). */
export const decodeEntities = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

function token(inner: string): Segment {
  const bar = inner.indexOf("|");
  const body = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : decodeEntities(inner.slice(bar + 1)) || undefined;
  const withLabel = label === undefined ? {} : { label };
  let m: RegExpExecArray | null;
  if ((m = /^@([UW][A-Z0-9]{2,})$/.exec(body))) return { type: "user", id: m[1]!, ...withLabel };
  if ((m = /^#([CG][A-Z0-9]{2,})$/.exec(body))) return { type: "channel", id: m[1]!, ...withLabel };
  if ((m = /^!(here|channel|everyone)$/.exec(body))) return { type: "broadcast", name: m[1] as "here" | "channel" | "everyone" };
  if ((m = /^!subteam\^(S[A-Z0-9]{2,})$/.exec(body))) return { type: "usergroup", id: m[1]!, ...withLabel };
  // Any other `<!…>` (a date, a command Slack adds later): its fallback text, or the token as it came.
  if (body.startsWith("!")) return { type: "text", text: label ?? `<${decodeEntities(inner)}>` };
  if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(body)) return { type: "link", url: decodeEntities(body), ...withLabel };
  return { type: "text", text: `<${decodeEntities(inner)}>` };
}

/** Slack's escaped text (a slash command's `text`) as user text. */
export function parseEscapedText(text: string): UserText {
  const out: UserText = [];
  const push = (s: Segment) => {
    const prev = out.at(-1);
    if (s.type === "text" && prev?.type === "text") prev.text += s.text;
    else if (s.type !== "text" || s.text) out.push(s);
  };
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    push({ type: "text", text: decodeEntities(text.slice(last, m.index)) });
    push(token(m[1]!));
    last = m.index + m[0].length;
  }
  push({ type: "text", text: decodeEntities(text.slice(last)) });
  return out;
}
