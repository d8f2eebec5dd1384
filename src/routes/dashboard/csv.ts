import type { FilteredRequest } from "../../core/store";

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(value: string | null | undefined): string {
  let v = value ?? "";
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const HEADER = ["id", "type", "status", "requester", "approvers", "level", "decided_by", "decided_at", "created_at", "updated_at", "error", "description"];

/** The export: a header line, then one line per request (RFC 4180 line ends). */
export function requestsCsv(rows: FilteredRequest[]): string {
  const lines = [HEADER.join(",")];
  for (const r of rows) {
    lines.push(
      [
        r.id,
        r.type,
        r.status,
        r.requester,
        r.approvers.join(" "),
        String(r.level),
        r.decided_by,
        r.decided_at,
        r.created_at,
        r.updated_at,
        r.error,
        r.description,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
