import { DESCRIPTION_MAX } from "./payloads";

/** The text of `/approval …`: a new request, or one of the read-only subcommands. */

export type ParsedRequestText = { ok: true; type: string | undefined; approver: string | undefined; description: string } | { ok: false; problem: string };

/**
 * `/approval [type] [<@U123|maria>] what needs approving`. Slack escapes user mentions as
 * <@U123|name> (or <@U123>) when the command has should_escape. The first word is a type only
 * when it is one of `types`.
 */
export function parseRequestText(text: string, types: string[]): ParsedRequestText {
  let rest = text.trim();
  let type: string | undefined;
  const firstWord = /^([a-z][a-z0-9-]*)(?:\s+|$)/i.exec(rest);
  if (firstWord && types.includes(firstWord[1]!.toLowerCase())) {
    type = firstWord[1]!.toLowerCase();
    rest = rest.slice(firstWord[0].length);
  }
  let approver: string | undefined;
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s*/.exec(rest);
  if (m) {
    approver = m[1];
    rest = rest.slice(m[0].length);
  } else if (!type) {
    return { ok: false, problem: "Start with the approver as a mention, like `@maria`." };
  }
  const description = unescapeCommandText(rest.trim());
  if (!description) return { ok: false, problem: "Say what needs approving after the approver." };
  if (description.length > DESCRIPTION_MAX) {
    return { ok: false, problem: `The description is too long (${description.length} characters, at most ${DESCRIPTION_MAX}).` };
  }
  return { ok: true, type, approver, description };
}

/**
 * Slack sends command text escaped (should_escape): the person's own `&`, `<`, `>` arrive as
 * `&amp;`, `&lt;`, `&gt;` next to Slack's tokens (`<@U…|name>`, `<https://…>`, `<!here>`). The
 * three entities are decoded outside the tokens, so the description is kept as typed (as the
 * modal's is) and escaped once when shown, not shown as `R&amp;D`.
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function unescapeCommandText(text: string): string {
  return text
    .split(/(<[^<>]*>)/)
    .map((part, i) => (i % 2 ? part : part.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")))
    .join("");
}

/** `/approval status <id>` and `/approval list`: read-only subcommands. */
export function parseSubcommand(text: string): { kind: "status"; id: string | undefined } | { kind: "list" } | null {
  const m = /^(status|list)\b\s*(\S*)\s*$/i.exec(text.trim());
  if (!m) return null;
  if (m[1]!.toLowerCase() === "list") return { kind: "list" };
  return { kind: "status", id: m[2] || undefined };
}
