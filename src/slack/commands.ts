import { readable, trimUserText, type UserText } from "../core/user-text";
import { parseEscapedText } from "./escaped-text";
import { DESCRIPTION_MAX } from "./payloads";

/** The text of `/approval …`: a new request, or one of the read-only subcommands. */

export type ParsedRequestText = { ok: true; type: string | undefined; approver: string | undefined; description: UserText } | { ok: false; problem: string };

/**
 * `/approval [type] [<@U123|maria>] what needs approving`, as Slack sends it escaped
 * (should_escape): the approver is the mention the text starts with (after the type): a person,
 * or a user group (`<!subteam^S…|@oncall>`: each member is asked), the rest is
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
  if (first?.type === "user" || first?.type === "usergroup") {
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

export type Subcommand =
  | { kind: "status"; id: string | undefined }
  | { kind: "list" }
  /** `/approval delegate <@bob> until 2026-12-24`: a delegation; `off` ends it; alone, shows it. */
  | { kind: "delegate"; to: string; until: string }
  | { kind: "delegate_off" }
  | { kind: "delegate_show" }
  | { kind: "delegate_usage" };

/** `/approval status <id>`, `/approval list` (read-only) and `/approval delegate …`. */
export function parseSubcommand(text: string): Subcommand | null {
  const delegate = /^delegate\b\s*([\s\S]*)$/i.exec(text.trim());
  if (delegate) {
    const rest = delegate[1]!.trim();
    if (!rest) return { kind: "delegate_show" };
    if (/^off$/i.test(rest)) return { kind: "delegate_off" };
    const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s+until\s+(\d{4}-\d{2}-\d{2})$/i.exec(rest);
    return m ? { kind: "delegate", to: m[1]!, until: m[2]! } : { kind: "delegate_usage" };
  }
  const m = /^(status|list)\b\s*(\S*)\s*$/i.exec(text.trim());
  if (!m) return null;
  if (m[1]!.toLowerCase() === "list") return { kind: "list" };
  return { kind: "status", id: m[2] || undefined };
}
