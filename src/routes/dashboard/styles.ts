/** The dashboard's one style sheet, inlined in every page (the CSP allows inline styles and nothing else). */
export const CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1c1d; font-size: 15px; }
body { margin: 0; background: #f7f7f8; }
header { background: #3f0e40; padding: 12px 24px; }
.brand { color: #fff; font-weight: 700; text-decoration: none; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 40px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
a { color: #1264a3; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; padding: 12px; }
.filters label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #616061; }
.filters input, .filters select { font: inherit; padding: 5px 8px; border: 1px solid #bbb; border-radius: 4px; }
.filters button { font: inherit; padding: 6px 16px; border: 0; border-radius: 4px; background: #007a5a; color: #fff; font-weight: 700; }
.reset { font-size: 13px; align-self: center; }
.counts { list-style: none; display: flex; gap: 8px; padding: 0; margin: 16px 0 4px; flex-wrap: wrap; }
.count { display: inline-block; padding: 6px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e2e2; text-decoration: none; color: inherit; }
.count.selected { border-color: #1264a3; box-shadow: 0 0 0 1px #1264a3; }
.summary { color: #616061; }
.export { margin-left: 8px; font-weight: 700; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #616061; background: #fafafa; }
td.what { max-width: 360px; overflow-wrap: anywhere; }
td.time { white-space: nowrap; font-size: 13px; }
.note { color: #616061; font-size: 12px; }
.status { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 8px; border-radius: 10px; background: #eee; }
.status.pending { background: #fef3d0; color: #8a6100; }
.status.approved { background: #daf2e6; color: #006644; }
.status.rejected { background: #fde2ea; color: #a0003b; }
.status.expired { background: #ececec; color: #555; }
.status.failed { background: #fde2e2; color: #9b1c1c; }
.request { background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; padding: 4px 20px 12px; }
blockquote { margin: 8px 0 16px; padding-left: 12px; border-left: 4px solid #ddd; white-space: pre-wrap; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: 120px 1fr; gap: 6px 12px; margin: 0; }
dt { color: #616061; }
dd { margin: 0; }
.problem { color: #a0003b; }
.timeline { list-style: none; padding: 0 0 0 16px; border-left: 3px solid #ddd; margin: 0; }
.timeline li { position: relative; padding: 6px 0 10px 12px; }
.timeline li::before { content: ""; position: absolute; left: -24px; top: 10px; width: 11px; height: 11px; border-radius: 50%; background: #1264a3; border: 2px solid #f7f7f8; }
.timeline li.approved::before { background: #007a5a; }
.timeline li.rejected::before, .timeline li.failed::before { background: #e01e5a; }
.timeline li.escalated::before { background: #ecb22e; }
.timeline .at { display: inline-block; min-width: 170px; color: #616061; font-size: 13px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.timeline .detail { color: #616061; font-size: 13px; margin-top: 2px; white-space: pre-wrap; overflow-wrap: anywhere; }
`;
