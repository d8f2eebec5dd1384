/**
 * The dashboard's one style sheet, inlined in every page (the CSP allows inline styles; the only
 * script is live.ts, by hash). Colours are variables, set again for a dark colour scheme; the
 * charts (inline SVG) take their fills from the same variables. Contrast of text on its
 * background is at least 4.5:1 in both schemes.
 */
export const CSS = `
:root {
  color-scheme: light dark;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 15px;
  --fg: #1d1c1d; --muted: #595859; --bg: #f7f7f8; --panel: #fff; --line: #e2e2e2; --line-soft: #eee; --head: #fafafa;
  --link: #1264a3; --focus: #1264a3; --brand: #3f0e40; --button: #007a5a; --problem: #a0003b;
  --approved: #2e8a5f; --rejected: #d0335f; --cancelled: #8d8d8d; --expired: #b9b9b9; --failed: #8f1d1d; --pending: #e0a11b;
  --decided: #1264a3; --escalated: #e0a11b; --running: #1264a3; --unconfirmed: #b07c00;
  --pill-pending: #fef3d0; --pill-pending-fg: #7a5600; --pill-approved: #daf2e6; --pill-approved-fg: #006644;
  --pill-rejected: #fde2ea; --pill-rejected-fg: #a0003b; --pill-expired: #ececec; --pill-expired-fg: #505050;
  --pill-failed: #fde2e2; --pill-failed-fg: #9b1c1c; --pill-cancelled: #ececec; --pill-cancelled-fg: #505050;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e8e8ea; --muted: #b0b0b6; --bg: #17171a; --panel: #222226; --line: #3a3a40; --line-soft: #303035; --head: #2a2a2f;
    --link: #7cb8ff; --focus: #7cb8ff; --brand: #2c0a2d; --button: #1f8f6c; --problem: #ff8fb0;
    --approved: #3fb37d; --rejected: #ff5c8a; --cancelled: #8a8a92; --expired: #5e5e66; --failed: #d9534f; --pending: #f0b73a;
    --decided: #5aa2ff; --escalated: #f0b73a; --running: #5aa2ff; --unconfirmed: #d4a017;
    --pill-pending: #4a3a10; --pill-pending-fg: #ffd98a; --pill-approved: #123f2c; --pill-approved-fg: #8fe3b8;
    --pill-rejected: #4d1426; --pill-rejected-fg: #ffb0c6; --pill-expired: #36363c; --pill-expired-fg: #d0d0d6;
    --pill-failed: #4d1818; --pill-failed-fg: #ffb4b4; --pill-cancelled: #36363c; --pill-cancelled-fg: #d0d0d6;
  }
}
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
main:focus { outline: none; }
.skip { position: absolute; left: 8px; top: -48px; background: var(--panel); color: var(--link); padding: 8px 12px; border-radius: 4px; z-index: 10; }
.skip:focus { top: 8px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header { background: var(--brand); padding: 12px 24px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; }
.brand { color: #fff; font-weight: 700; text-decoration: none; }
header nav { display: flex; gap: 16px; }
header nav a { color: #f0e6f0; text-decoration: none; padding: 2px 0; border-bottom: 2px solid transparent; }
header nav a[aria-current="page"] { color: #fff; border-bottom-color: #fff; font-weight: 700; }
header a:focus-visible { outline-color: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 40px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.filters label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); }
.filters input, .filters select { font: inherit; padding: 5px 8px; border: 1px solid #8a8a8a; border-radius: 4px; background: var(--panel); color: var(--fg); min-height: 32px; box-sizing: border-box; }
.filters button { font: inherit; padding: 6px 16px; min-height: 32px; border: 0; border-radius: 4px; background: var(--button); color: #fff; font-weight: 700; cursor: pointer; }
.reset { font-size: 13px; align-self: center; }
.counts { list-style: none; display: flex; gap: 8px; padding: 0; margin: 16px 0 4px; flex-wrap: wrap; }
.count { display: inline-block; padding: 6px 12px; border-radius: 16px; background: var(--panel); border: 1px solid var(--line); text-decoration: none; color: inherit; }
.count.selected { border-color: var(--link); box-shadow: 0 0 0 1px var(--link); }
.summary { color: var(--muted); }
.export { margin-left: 8px; font-weight: 700; }
.live-status { min-height: 1.2em; margin: 8px 0 0; font-size: 13px; color: var(--muted); }
.live-status:not(:empty)::before { content: "● "; color: var(--approved); }
.live-status[data-state="stopped"]::before, .live-status[data-state="done"]::before { color: var(--muted); }
.table-scroll { overflow-x: auto; max-width: 100%; border-radius: 8px; }
table { border-collapse: collapse; width: 100%; background: var(--panel); border: 1px solid var(--line); }
caption { text-align: left; font-weight: 700; padding: 8px 10px; color: var(--muted); }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line-soft); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: var(--head); }
tbody th { font-weight: 400; }
td.what { max-width: 360px; overflow-wrap: anywhere; }
td.time { white-space: nowrap; font-size: 13px; }
td.num { font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-size: 12px; }
.person { white-space: nowrap; }
span.person[title] { text-decoration: underline dotted; text-underline-offset: 3px; }
.status { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 8px; border-radius: 10px; background: var(--pill-expired); color: var(--pill-expired-fg); }
.status.pending { background: var(--pill-pending); color: var(--pill-pending-fg); }
.status.approved { background: var(--pill-approved); color: var(--pill-approved-fg); }
.status.rejected { background: var(--pill-rejected); color: var(--pill-rejected-fg); }
.status.expired { background: var(--pill-expired); color: var(--pill-expired-fg); }
.status.cancelled { background: var(--pill-cancelled); color: var(--pill-cancelled-fg); }
.status.failed { background: var(--pill-failed); color: var(--pill-failed-fg); }
.request, .empty { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 4px 20px 12px; }
.empty { margin-top: 16px; max-width: 760px; line-height: 1.5; }
blockquote { margin: 8px 0 16px; padding-left: 12px; border-left: 4px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: 120px 1fr; gap: 6px 12px; margin: 0; }
dl.fields { margin: 0 0 14px; padding-bottom: 12px; border-bottom: 1px solid var(--line); }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.problem { color: var(--problem); }
.timeline { list-style: none; padding: 0 0 0 16px; border-left: 3px solid var(--line); margin: 0; }
.timeline li { position: relative; padding: 6px 0 10px 12px; }
.timeline li::before { content: ""; position: absolute; left: -24px; top: 10px; width: 11px; height: 11px; border-radius: 50%; background: var(--decided); border: 2px solid var(--bg); }
.timeline li.approved::before { background: var(--approved); }
.timeline li.rejected::before, .timeline li.failed::before { background: var(--rejected); }
.timeline li.escalated::before { background: var(--escalated); }
.timeline .at { display: inline-block; min-width: 170px; color: var(--muted); font-size: 13px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.timeline .detail { color: var(--muted); font-size: 13px; margin-top: 2px; white-space: pre-wrap; overflow-wrap: anywhere; }
.chart-section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 8px; margin-top: 20px; }
.chart-section h2 { margin-top: 12px; }
figure { margin: 0; }
.chart-scroll { overflow-x: auto; }
svg.chart { display: block; width: 100%; max-width: 800px; min-width: 560px; height: auto; font-size: 13px; }
svg.chart text { fill: var(--muted); }
svg.chart text.value { fill: var(--fg); }
svg.chart text.sub { font-size: 12px; }
svg.chart .grid { stroke: var(--line-soft); }
svg.chart .baseline { stroke: var(--muted); }
svg.chart .marker line { stroke: var(--fg); stroke-dasharray: 4 3; stroke-width: 1.5; }
svg.chart .marker text { fill: var(--fg); font-weight: 700; }
.s-approved { fill: var(--approved); background: var(--approved); }
.s-rejected { fill: var(--rejected); background: var(--rejected); }
.s-cancelled { fill: var(--cancelled); background: var(--cancelled); }
.s-expired { fill: var(--expired); background: var(--expired); }
.s-failed { fill: var(--failed); background: var(--failed); }
.s-pending { fill: var(--pending); background: var(--pending); }
.s-decided { fill: var(--decided); background: var(--decided); }
.s-escalated { fill: var(--escalated); background: var(--escalated); }
.a-succeeded { fill: var(--approved); } .a-failed { fill: var(--failed); } .a-unconfirmed { fill: var(--unconfirmed); } .a-running { fill: var(--running); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 0; margin: 6px 0 0; font-size: 13px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--link); }
details table { margin-top: 8px; }
table.numbers { width: auto; min-width: 50%; }
table.requests { min-width: 900px; }
.csv-links { margin: 8px 0 4px; font-size: 13px; }
@media (max-width: 640px) {
  header { padding: 10px 14px; }
  main { padding: 4px 12px 32px; }
  .filters { gap: 8px; }
  .filters label { flex: 1 1 40%; }
  .filters input, .filters select { width: 100%; }
  dl { grid-template-columns: 1fr; gap: 2px; }
  dd { margin-bottom: 8px; }
  .timeline .at { display: block; min-width: 0; }
  .chart-section { padding: 4px 10px 8px; }
}
`;
