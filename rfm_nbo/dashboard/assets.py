"""The page's inline stylesheet and script, as constants (no package data files
to ship), plus their CSP hashes.

The Content-Security-Policy allows exactly these two blocks (by SHA-256) and
nothing else: no network, no other script. If escaping ever failed, injected
markup still could not run script or load anything.
"""

from __future__ import annotations

import base64
import hashlib

CSS = """
:root { --ink: #1d2733; --muted: #5b6878; --line: #dde3ea; --bg: #f4f6f9; --card: #fff;
  --accent: #0072b2; --warn: #b34700; --ok: #1a7f4b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header.top { background: var(--card); border-bottom: 1px solid var(--line); padding: 16px 24px 0; }
h1 { margin: 0; font-size: 20px; }
.subtitle { margin: 2px 0 12px; color: var(--muted); }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 14px; }
.kpi { background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 6px 12px; min-width: 120px; display: flex; flex-direction: column; }
.kpi-value { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi-label { color: var(--muted); font-size: 12px; }
[role="tablist"] { display: flex; gap: 4px; }
[role="tab"] { font: inherit; border: 1px solid var(--line); border-bottom: none;
  background: var(--bg); padding: 8px 16px; border-radius: 6px 6px 0 0; cursor: pointer;
  color: var(--muted); }
[role="tab"][aria-selected="true"] { background: var(--card); color: var(--ink);
  font-weight: 600; box-shadow: inset 0 3px 0 var(--accent); }
[role="tab"]:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
main { padding: 16px 24px; }
.sheet { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
  gap: 16px; align-items: start; }
.sheet > .kpis { grid-column: 1 / -1; margin: 0; }
.sheet-title { grid-column: 1 / -1; margin: 0; font-size: 17px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel h3 { margin: 0 0 2px; font-size: 15px; }
.panel h4 { margin: 12px 0 4px; font-size: 13px; }
.note { margin: 0 0 8px; color: var(--muted); font-size: 12.5px; }
figure.chart { margin: 0; overflow-x: auto; }
figure.chart > svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg text.tick, svg text.axis-title, svg text.x-label { fill: var(--muted); font-size: 11px; }
svg text.value { font-variant-numeric: tabular-nums; }
svg line.grid { stroke: var(--line); }
svg line.zero { stroke: #8795a5; }
svg .whisker line { stroke: var(--ink); stroke-width: 1.5; }
svg .whisker.dashed line:first-of-type { stroke-dasharray: 4 3; }
svg line.group-rule { stroke: var(--line); }
svg text.group-label { font-weight: 600; }
svg .cell.light text { fill: #fff; }
svg .cell text.sub { font-size: 10.5px; }
svg rect.cell-empty { fill: #f7f8fa; }
svg rect.mark:hover, svg circle.mark:hover { opacity: .8; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0 0;
  padding: 0; color: var(--muted); font-size: 12px; }
.legend svg { display: inline-block; vertical-align: -1px; margin-right: 5px; }
.no-data { border: 1px dashed #c4ccd6; border-radius: 6px; padding: 18px; color: var(--muted);
  background: #fafbfc; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.segment-name { font-weight: 600; }
.segment-about { display: block; color: var(--muted); font-size: 11.5px; }
.badge { display: inline-block; border-radius: 10px; padding: 0 7px; font-size: 11.5px;
  font-weight: 600; }
.badge.warn { background: #fde7d9; color: var(--warn); }
.badge.ok { background: #ddf3e6; color: var(--ok); }
.srm { margin: 4px 0; }
.fit { margin: 0 0 8px; font-size: 12.5px; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
  gap: 8px 24px; }
.fit-warning { margin: 0 0 8px; padding: 10px 12px; border: 1px solid #f3c3a5;
  border-radius: 6px; background: #fff6f0; font-size: 12.5px; }
footer { margin: 8px 24px 24px; padding: 12px 16px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 12.5px; }
footer h2 { font-size: 14px; color: var(--ink); margin: 0 0 6px; }
footer table { max-width: 900px; }
.js .sheet[hidden] { display: none; }
@media print { [role="tablist"] { display: none; } .sheet[hidden] { display: grid; } }
""".strip()

# Tabs: the server renders every sheet visible (readable without script); this
# hides all but the selected one, follows #sheet-id in the address, and supports
# arrow keys as the WAI-ARIA tabs pattern asks.
JS = """
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
  function select(tab, focus, remember) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) { tab.focus(); }
    if (remember) {
      try { history.replaceState(null, "", "#" + tab.getAttribute("aria-controls")); }
      catch (e) { /* some viewers forbid it; the tab still switches */ }
    }
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab, false, true); });
    tab.addEventListener("keydown", function (event) {
      var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) {
        event.preventDefault();
        select(tabs[(i + step + tabs.length) % tabs.length], true, true);
      }
    });
  });
  var wanted = tabs.filter(function (t) {
    return "#" + t.getAttribute("aria-controls") === location.hash;
  })[0];
  if (tabs.length) { select(wanted || tabs[0], false, false); }
})();
""".strip()


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline block."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {csp_hash(CSS)}; script-src {csp_hash(JS)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
