import { readable, trimUserText, type UserText } from "../core/user-text";
import { parseEscapedText } from "./escaped-text";
import { DESCRIPTION_MAX } from "./payloads";

/** The text of `/approval …`: a new request, or one of the read-only subcommands. */

export type ParsedRequestText = { ok: true; type: string | undefined; approver: string | undefined; description: UserText } | { ok: false; problem: string };

/**
 * `/approval [type] [<@U123|maria>] what needs approving`, as Slack sends it escaped
 * (should_escape): the approver is the mention the text starts with (after the type), the rest is
 * the description as user text (mentions, links, the person's own `& < >`). The first word is a
 * type only when it is one of `types`.
 */
export function parseRequestText(text: string, types: string[]): ParsedRequestText {
  const segments = trimUserText(parseEscapedText(text));
  let type: string | undefined;
  const head = segments[0];
  if (head?.type === "text") {
    const firstWord = /^([a-z][a-z0-9-]*)(?:\s+|$)/i.exec(head.text);
    if (firstWord && types.includes(firstWord[1]!.toLowerCase())) {
      type = firstWord[1]!.toLowerCase();
      segments[0] = { type: "text", text: head.text.slice(firstWord[0].length) };
    }
  }
  const rest = trimUserText(segments);
  let approver: string | undefined;
  const first = rest[0];
  if (first?.type === "user") {
    approver = first.id;
    rest.shift();
  } else if (!type) {
    return { ok: false, problem: "Start with the approver as a mention, like `@maria`." };
  }
  const description = trimUserText(rest);
  const length = readable(description).length;
  if (length === 0) return { ok: false, problem: "Say what needs approving after the approver." };
  if (length > DESCRIPTION_MAX) {
    return { ok: false, problem: `The description is too long (${length} characters, at most ${DESCRIPTION_MAX}).` };
  }
  return { ok: true, type, approver, description };
}

/** `/approval status <id>` and `/approval list`: read-only subcommands. */
export function parseSubcommand(text: string): { kind: "status"; id: string | undefined } | { kind: "list" } | null {
  const m = /^(status|list)\b\s*(\S*)\s*$/i.exec(text.trim());
  if (!m) return null;
  if (m[1]!.toLowerCase() === "list") return { kind: "list" };
  return { kind: "status", id: m[2] || undefined };
}
