import type { Fields } from "../../core/request-source";
import type { FilteredRequest } from "../../core/store";
import { type Labels, personText, requesterText } from "./labels";

/**
 * A sign that makes a spreadsheet read a cell as a formula, at the start of the text or right
 * after anything a spreadsheet may split cells on or quote with: `,` `;` tab, line breaks, `"`.
 * A program set to another separator (Excel with `;` in many locales) splits `x;=1+1;y` into
 * three cells, the middle one a formula, whatever the quoting says.
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
const FORMULA_AFTER_SEPARATOR = /(^|[,;\t\r\n"])([=+\-@])/g;

/**
 * A CSV cell: always quoted (inner quotes doubled), and never read as a formula: a `'` goes
 * before every formula sign that could start a cell, and before a tab or carriage return that
 * starts the text.
 */
export function csvCell(value: string | null | undefined): string {
  let v = (value ?? "").replace(FORMULA_AFTER_SEPARATOR, "$1'$2");
  if (/^[\t\r]/.test(v)) v = `'${v}`;
  return `"${v.replace(/"/g, '""')}"`;
}

const HEADER = ["id", "type", "status", "requester", "approvers", "level", "decided_by", "decided_at", "created_at", "updated_at", "error", "description"];
/** Added after the original columns (a script reading by position keeps working): names next to the ids. */
const LABEL_HEADER = ["type_title", "requester_name", "approver_names", "decided_by_name"];
/** Added last (issue 13): who asked over the API, and the request's fields as "Name=value" lines. */
const SOURCE_HEADER = ["source_name", "source_label", "source_url", "fields"];

/**
 * The export: a header line, then one line per request (RFC 4180 line ends), every cell quoted.
 * With labels, each line also has the type's title and the people's names (the id for a person
 * never seen, as the pages show it; approver names separated by "; ", since names have spaces).
 */
export function requestsCsv(rows: FilteredRequest[], labels?: Labels): string {
  const lines = [(labels ? [...HEADER, ...LABEL_HEADER, ...SOURCE_HEADER] : HEADER).map(csvCell).join(",")];
  for (const r of rows) {
    lines.push(
      [
        r.id,
        r.type,
        r.status,
        r.requester ?? "",
        r.approvers.join(" "),
        String(r.level),
        r.decided_by,
        r.decided_at,
        r.created_at,
        r.updated_at,
        r.error,
        r.description,
        ...(labels ? [...labelCells(r, labels), ...sourceCells(r)] : []),
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

const labelCells = (r: FilteredRequest, labels: Labels): string[] => [
  labels.typeTitle(r.type) ?? "",
  requesterText(labels, r.requester, r.source),
  r.approvers.map((a) => personText(labels, a)).join("; "),
  r.decided_by ? personText(labels, r.decided_by) : "",
];

const sourceCells = (r: FilteredRequest): string[] => [r.source?.name ?? "", r.source?.label ?? "", r.source?.url ?? "", fieldLines(r.fields)];

/** Fields as one cell: one "Name=value" per line (a cell may hold line breaks; it is quoted). */
const fieldLines = (fields: Fields | null) =>
  Object.entries(fields ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join("\n");

/** A table as CSV: the overview's charts' numbers (/dashboard/overview.csv). */
export function tableCsv(header: string[], rows: (string | number | null)[][]): string {
  return `${[header, ...rows].map((cells) => cells.map((c) => csvCell(c === null ? "" : String(c))).join(",")).join("\r\n")}\r\n`;
}
