/**
 * The console's stylesheet and its one small script, served from /assets/ (kept in code, so the compiled
 * lib/ carries them with nothing to copy). The script only refreshes regions marked data-live; every page
 * works without it (a noscript refresh stands in).
 */

export const CONSOLE_CSS = `
:root { --ink:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#f6f8fa; --brand:#0b3d91; --focus:#ffbf47;
  --ok:#1a7f37; --ok-bg:#dafbe1; --warn:#7d4e00; --warn-bg:#fff1c2; --bad:#a40e26; --bad-bg:#ffebe9; --info:#0550ae; --info-bg:#ddf4ff; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--ink); background:#fff; line-height:1.45; }
a { color: var(--info); }
a:focus-visible, button:focus-visible, input:focus-visible, main:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .9em; background: var(--bg); padding: 0 .25em; border-radius: 3px; overflow-wrap: anywhere; }
.skip-link { position:absolute; left:-999px; top:0; background:#fff; padding:.5rem 1rem; z-index:10; }
.skip-link:focus { left: .5rem; }
.visually-hidden { position:absolute !important; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
.top { background: var(--brand); color:#fff; }
.top-inner, .attention-inner, main { max-width: 1280px; margin: 0 auto; padding: 0 1.25rem; }
.top-inner { display:flex; align-items:center; gap: 1.5rem; min-height: 3.25rem; flex-wrap: wrap; }
.brand { margin:0; font-weight:700; }
.brand a { color:#fff; text-decoration:none; }
.namespace { font-weight:400; opacity:.85; font-size:.85rem; margin-left:.35rem; }
nav ul { list-style:none; display:flex; gap:.25rem; margin:0; padding:0; flex-wrap: wrap; }
nav a { color:#fff; text-decoration:none; padding:.9rem .75rem; display:inline-block; border-bottom: 3px solid transparent; }
nav a:hover { background: rgba(255,255,255,.12); }
nav a[aria-current="page"] { border-bottom-color: #fff; font-weight: 600; }
.count { display:inline-block; min-width:1.4em; padding:0 .4em; border-radius:1em; background:#ffd33d; color:#1b1f24; font-weight:700; font-size:.8rem; text-align:center; }
.signout { margin-left:auto; }
.link-button { background:none; border:1px solid rgba(255,255,255,.6); color:#fff; border-radius:4px; padding:.3rem .7rem; cursor:pointer; font:inherit; }
.attention { background: var(--warn-bg); border-bottom: 1px solid #e3c26a; color: var(--warn); }
.attention-inner { padding-top:.6rem; padding-bottom:.6rem; }
.attention a { color: var(--warn); font-weight:600; }
main { padding-top: 1rem; padding-bottom: 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .6rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
.lede { color: var(--muted); margin-top: 0; max-width: 60rem; }
.empty { color: var(--muted); background: var(--bg); border: 1px dashed var(--line); border-radius: 6px; padding: .9rem 1rem; }
.muted { color: var(--muted); }
.small { font-size: .82rem; font-weight: 400; }
.count-muted { color: var(--muted); font-weight: 400; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; font-size: .93rem; }
th, td { text-align:left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--bg); font-size: .82rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
tbody th { font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { width: auto; min-width: 24rem; }
table.compact td, table.compact th { padding: .3rem .6rem; }
.badge { display:inline-block; border-radius: 1em; padding: .05rem .6rem; font-size: .8rem; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge-running { background: var(--info-bg); color: var(--info); border-color:#9ccaf7; }
.badge-waiting_for_list { background: var(--bg); color: var(--muted); border-color: var(--line); }
.badge-needs_action { background: var(--warn-bg); color: var(--warn); border-color:#e3c26a; }
.badge-completed, .badge-active { background: var(--ok-bg); color: var(--ok); border-color:#8fd8a0; }
.badge-failed, .badge-terminated, .badge-timed_out { background: var(--bad-bg); color: var(--bad); border-color:#f5a3ad; }
.badge-cancelled, .badge-paused, .badge-unreported { background: var(--bg); color: var(--muted); border-color: var(--line); }
.button { display:inline-block; font: inherit; font-size:.9rem; padding: .4rem .9rem; border-radius: 5px; border: 1px solid #8c959f; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; }
.button:hover { background: var(--bg); }
.button-primary { background: var(--ok); border-color: var(--ok); color: #fff; font-weight: 600; }
.button-primary:hover { background: #116329; }
.inline-form { display:inline; margin:0; }
.action-card { border: 1px solid #e3c26a; border-left: 6px solid #d4a72c; border-radius: 6px; padding: .9rem 1.2rem 1rem; margin: 0 0 1.25rem; background: #fffdf5; max-width: 72rem; }
.action-card h2, .action-card h3 { margin-top: .2rem; }
.action-card .meta { color: var(--muted); font-size: .9rem; margin: .2rem 0 .6rem; }
.action-card .message { margin: .4rem 0 .8rem; }
.steps-heading { margin: .6rem 0 .2rem; }
.steps { margin: 0 0 .9rem; padding-left: 1.6rem; }
.steps li { margin-bottom: .35rem; }
.card-actions { display:flex; align-items:center; gap: 1rem; flex-wrap: wrap; }
.card-actions .hint { color: var(--muted); font-size: .88rem; }
.card-actions .links { margin-left:auto; display:flex; gap: 1rem; }
.notice { background: var(--bg); border: 1px solid var(--line); border-left: 6px solid #8c959f; border-radius: 6px; padding: .6rem 1rem; margin: .5rem 0 1rem; max-width: 72rem; }
.flash { border-radius: 6px; padding: .7rem 1rem; margin: .5rem 0 1rem; max-width: 72rem; }
.flash-ok { background: var(--ok-bg); border: 1px solid #8fd8a0; color: #0f5323; }
.flash-error { background: var(--bad-bg); border: 1px solid #f5a3ad; color: var(--bad); }
.error-text { color: var(--bad); }
progress { width: 100%; max-width: 16rem; height: .9rem; vertical-align: middle; accent-color: var(--info); }
.progress-cell { min-width: 12rem; }
.progress-text { display:block; font-size: .82rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.progress-block { margin: .6rem 0; max-width: 32rem; }
.progress-block progress { max-width: 100%; height: 1.1rem; }
.rate { margin: .3rem 0; }
.phase-label { margin: 0 0 .2rem; font-weight: 600; }
.status-line { display:flex; gap:.75rem; align-items: center; flex-wrap: wrap; margin: .3rem 0 .6rem; }
dl.counts { display:grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .5rem; margin: .8rem 0; max-width: 72rem; }
dl.counts div { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .45rem .7rem; }
dl.counts dt { font-size: .78rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
dl.counts dd { margin: 0; font-size: 1.15rem; font-weight: 600; font-variant-numeric: tabular-nums; }
dl.meta-list { display:grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dl.meta-list div { display: contents; }
dl.meta-list dt { color: var(--muted); }
dl.meta-list dd { margin: 0; }
.actions-cell { white-space: nowrap; }
.actions-cell .inline-form + .inline-form { margin-left: .4rem; }
.login-form { display:flex; flex-direction: column; gap: .5rem; max-width: 22rem; }
.login-form input { font: inherit; padding: .45rem .6rem; border: 1px solid #8c959f; border-radius: 5px; }
`;

export const CONSOLE_JS = `
'use strict';
// Live regions: each [data-live] element is refreshed from its URL (an HTML fragment) every data-every ms,
// unless the operator is working inside it (focus), the tab is hidden, or the fragment says it is final.
(function () {
  var last = new WeakMap();
  function refresh(el) {
    var every = Number(el.getAttribute('data-every')) || 2000;
    var again = function () { setTimeout(function () { refresh(el); }, every); };
    if (document.hidden || (el.contains(document.activeElement) && document.activeElement !== document.body)) return again();
    fetch(el.getAttribute('data-live'), { credentials: 'same-origin', headers: { 'accept': 'text/html' } })
      .then(function (r) {
        if (r.status === 401) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (text) {
        if (text !== null && text !== last.get(el)) { el.innerHTML = text; last.set(el, text); }
        if (!el.querySelector('[data-final]')) again();
      })
      .catch(again);
  }
  document.addEventListener('DOMContentLoaded', function () {
    var regions = document.querySelectorAll('[data-live]');
    for (var i = 0; i < regions.length; i++) {
      (function (el) {
        if (el.querySelector('[data-final]')) return;
        setTimeout(function () { refresh(el); }, Number(el.getAttribute('data-every')) || 2000);
      })(regions[i]);
    }
  });
})();
`;
