/**
 * The demo page's HTML shell and its small stylesheet; the React app mounts into `#root`.
 * @module
 */

const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #667085; --line: #e4e7ec; --bg: #f6f7fb; --card: #fff;
  --accent: #4f46e5; --ok: #12b76a; --warn: #f79009; --bad: #f04438; --idle: #98a2b3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 48px; }
header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; margin-bottom: 8px; }
h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
h1 small { font-weight: 500; color: var(--muted); font-size: 15px; margin-left: 6px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 12px; }
.lede { color: var(--muted); margin: 0 0 22px; max-width: 760px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.pill { display: inline-flex; align-items: center; gap: 8px; padding: 4px 12px 4px 10px; border-radius: 999px;
  font-size: 13px; font-weight: 600; background: #fff; border: 1px solid var(--line); }
.pill::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: var(--dot); }
.pill[data-status="open"] { --dot: var(--ok); color: #067647; }
.pill[data-status="connecting"] { --dot: var(--warn); color: #b54708; }
.pill[data-status="reconnecting"] { --dot: var(--warn); color: #b54708; }
.pill[data-status="reconnecting"]::before { animation: pulse 1s ease-in-out infinite; }
.pill[data-status="closed"] { --dot: var(--bad); color: #b42318; }
@keyframes pulse { 50% { opacity: .25; } }
.grid { display: grid; grid-template-columns: 340px 1fr; gap: 20px; align-items: start; }
@media (max-width: 820px) { .grid { grid-template-columns: 1fr; } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 18px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.stack > * + * { margin-top: 20px; }
.items { list-style: none; margin: 0; padding: 0; }
.items li { display: flex; justify-content: space-between; align-items: center; padding: 7px 0; border-top: 1px solid var(--line); }
.items li:first-child { border-top: 0; }
.items .name { font-weight: 500; }
.items .sub { color: var(--muted); font-size: 12px; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 9px; border-radius: 999px; background: #eef2ff; color: var(--accent); }
.badge.session_updated { background: #eef2ff; color: #4338ca; }
.badge.workspace_updated { background: #ecfdf3; color: #067647; }
.badge.notification { background: #fdf2fa; color: #c11574; }
form label { display: block; font-size: 13px; font-weight: 600; margin: 0 0 4px; }
form .row { margin-bottom: 12px; }
select, input, button { width: 100%; font: inherit; padding: 8px 10px; border-radius: 9px; border: 1px solid #d0d5dd; background: #fff; }
button { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
.form-note { color: var(--muted); font-size: 12px; margin: 8px 0 0; min-height: 18px; }
.notice { display: flex; gap: 12px; align-items: flex-start; background: #fffaeb; border: 1px solid #fedf89; color: #93370d;
  border-radius: 12px; padding: 12px 14px; margin-bottom: 20px; }
.notice strong { display: block; }
.notice + .notice { margin-top: -8px; }
.notice button { width: auto; padding: 4px 10px; background: transparent; color: inherit; border-color: #fec84b; margin-left: auto; }
.events-head { display: flex; justify-content: space-between; align-items: baseline; }
.events { list-style: none; margin: 0; padding: 0; max-height: 620px; overflow: auto; }
.events li { display: grid; grid-template-columns: 96px 104px 140px 1fr 92px; gap: 10px; align-items: center;
  padding: 9px 4px; border-top: 1px solid var(--line); animation: arrive .5s ease-out; }
.events li:first-child { border-top: 0; }
.events .id, .events .topic { color: var(--muted); overflow: hidden; text-overflow: ellipsis; }
.events .payload { overflow-wrap: anywhere; font-size: 12.5px; }
.events .time { color: var(--muted); text-align: right; }
.events li.marker { display: block; text-align: center; color: #93370d; background: #fffaeb; font-size: 13px; border-radius: 8px; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
@keyframes arrive { from { background: #eef2ff; } to { background: transparent; } }
`

/** The page: a shell that loads `/app.js`. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>durable-sse demo</title>
<style>${STYLE}</style>
</head>
<body>
<main id="root"><p class="lede">Loading…</p></main>
<script type="module" src="/app.js"></script>
</body>
</html>
`
}
