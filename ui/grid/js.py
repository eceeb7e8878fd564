"""The JavaScript the history grid runs in the browser, as st_aggrid JsCode snippets.

- COLLECTOR: DataReturnMode.CUSTOM's collector, returning only the filter model, the sort
  model and the selected row's send_id (never the rows).
- SHOULD_RETURN: drops a return equal to the last one sent (or to the state the grid was
  restored with), so programmatic events cannot rerun the page in a loop.
- Cell renderers build DOM nodes with textContent: mail data is never parsed as HTML.
st_aggrid collapses JsCode to one line and strips `//` comments: every statement here ends
with a semicolon and there are no comments inside the JavaScript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from st_aggrid import JsCode

_COLLECT = """
function collect(api) {
  var sortModel = api.getColumnState()
    .filter(function (c) { return c.sort === 'asc' || c.sort === 'desc'; })
    .sort(function (a, b) { return (a.sortIndex || 0) - (b.sortIndex || 0); })
    .map(function (c) { return {colId: c.colId, sort: c.sort}; });
  var selected = api.getSelectedRows();
  return {
    filterModel: api.getFilterModel() || {},
    sortModel: sortModel,
    selectedId: selected.length ? String(selected[0].send_id) : null
  };
}
function canon(v) {
  if (Array.isArray(v)) { return '[' + v.map(canon).join(',') + ']'; }
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map(function (k) {
      return JSON.stringify(k) + ':' + canon(v[k]);
    }).join(',') + '}';
  }
  return JSON.stringify(v === undefined ? null : v);
}
"""

COLLECTOR = JsCode(
    "function ({streamlitRerunEventTriggerName, eventData}) {"
    + _COLLECT
    + "return collect(eventData.api); }"
)

SHOULD_RETURN = JsCode(
    "function ({streamlitRerunEventTriggerName, eventData}) {"
    + _COLLECT
    + """
  var ctx = eventData.api.getGridOption('context') || {};
  var now = canon(collect(eventData.api));
  var last = (ctx.lastSent !== undefined) ? ctx.lastSent : canon(ctx.restored || null);
  if (now === last) { return false; }
  ctx.lastSent = now;
  return true;
}"""
)

GET_ROW_ID = JsCode("function (p) { return String(p.data.send_id); }")

# The page sorts in DuckDB and sends rows in that order: every comparison is a tie, so the
# grid keeps the server's order (AG Grid breaks ties by the row's current position).
KEEP_SERVER_ORDER = JsCode("function () { return 0; }")

# Custom filter options under AG Grid's own keys: the model the page receives is the
# standard one, but rows always pass in the browser, since DuckDB already filtered them.
ALWAYS_PASS = JsCode("function () { return true; }")

ATTACHMENT_FORMATTER = JsCode(
    "function (p) { var n = Number(p.value) || 0;"
    " return n > 1 ? '\U0001f4ce ' + n : (n === 1 ? '\U0001f4ce' : ''); }"
)

RECIPIENT_RENDERER = JsCode(
    """
class RecipientCell {
  init(p) {
    var d = p.data || {};
    var name = (d.recipient_name || '').trim();
    var e = document.createElement('span');
    if (name) {
      var n = document.createElement('span');
      n.textContent = name;
      n.style.fontWeight = '600';
      e.appendChild(n);
      e.appendChild(document.createTextNode('\\u2002'));
    }
    var a = document.createElement('span');
    a.textContent = d.recipient_email || '';
    if (name) { a.style.opacity = '0.7'; }
    e.appendChild(a);
    this.eGui = e;
  }
  getGui() { return this.eGui; }
  refresh() { return false; }
}"""
)

_CSS_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-z]+)$")


def status_badge_renderer(
    colors: Mapping[str, str], text_colors: Mapping[str, str] | None = None
) -> JsCode:
    """A cell renderer drawing the status label as a pill coloured by the status code, its text
    in the colour that keeps it readable on that fill (white when not given)."""
    text_colors = text_colors or {}
    bad = [c for c in [*colors.values(), *text_colors.values()] if not _CSS_COLOR.match(c)]
    if bad:
        raise ValueError(f"status colours must be #hex or a CSS colour name: {bad}")
    return JsCode(
        """
class StatusBadge {
  init(p) {
    var colors = __COLORS__;
    var texts = __TEXTS__;
    var code = p.data ? p.data.status_code : null;
    var e = document.createElement('span');
    e.className = 'mt-status-badge';
    e.setAttribute('data-status', code || '');
    e.textContent = (p.value === null || p.value === undefined) ? '' : String(p.value);
    e.style.cssText = 'display:inline-block;padding:0 10px;border-radius:999px;'
      + 'line-height:22px;font-size:12px;font-weight:600;white-space:nowrap;'
      + 'color:' + (texts[code] || '#fff') + ';'
      + 'background:' + (colors[code] || '#4b5563') + ';';
    this.eGui = e;
  }
  getGui() { return this.eGui; }
  refresh() { return false; }
}""".replace("__COLORS__", json.dumps(dict(colors))).replace(
            "__TEXTS__", json.dumps(dict(text_colors))
        )
    )
