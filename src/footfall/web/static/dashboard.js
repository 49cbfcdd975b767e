// Footfall site dashboard: reads POST {api}/query (Plausible v2 bodies) and draws the
// top stats, an SVG chart and the breakdown panels. No dependencies, no build step.
// Every value that came from a visitor goes into the page as text (textContent or
// append(string)), never as HTML.

const root = document.getElementById("dashboard");
const API = root.dataset.api;
const SHARE = root.dataset.share || "";
const TODAY = root.dataset.today;
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const GOALS = Number(root.dataset.goals || 0);
const HAS_CITIES = root.dataset.cities === "1";
// The site's imported history (docs/transfer.md) joins the answers that can take it,
// unless the URL says ?imports=false.
const IMPORTS = root.dataset.imports === "1"
  && new URLSearchParams(location.search).get("imports") !== "false";
const IMPORTED = ["visitors", "visits", "pageviews", "views_per_visit"];
const WORLD = root.dataset.world;
const REALTIME_MS = 15000;
const SVG_NS = "http://www.w3.org/2000/svg";

// Labels, units and comparison rules of every metric: the server's metric table
// (stats/metrics.py), sent with the page.
const METRICS = JSON.parse(root.dataset.metrics);
const ABOUT = METRICS.about;
const ANY_TOP = new Set([...METRICS.top, ...METRICS.goal_top]);
const LABELS = {
  "visit:channel": "Channel", "visit:source": "Source", "visit:utm_medium": "UTM medium",
  "visit:utm_source": "UTM source", "visit:utm_campaign": "UTM campaign",
  "event:page": "Page", "visit:entry_page": "Entry page", "visit:exit_page": "Exit page",
  "visit:country_name": "Country", "visit:country": "Country", "visit:region": "Region",
  "visit:city": "City", "visit:browser": "Browser", "visit:os": "Operating system",
  "visit:device": "Device", "visit:screen": "Screen", "event:goal": "Goal",
  "event:name": "Event", "visit:referrer": "Referrer", "visit:utm_content": "UTM content",
  "visit:utm_term": "UTM term", "visit:browser_version": "Browser version",
  "visit:os_version": "OS version", "event:hostname": "Hostname",
};
const VISITORS = [["visitors", "Visitors"]];
const PANELS = [
  { id: "sources", title: "Top sources", tabs: [
    ["Channels", "visit:channel"], ["Sources", "visit:source"], ["UTM medium", "visit:utm_medium"],
    ["UTM source", "visit:utm_source"], ["UTM campaign", "visit:utm_campaign"],
    ["UTM content", "visit:utm_content"], ["UTM term", "visit:utm_term"],
    ["Referrers", "visit:referrer"]] },
  { id: "pages", title: "Top pages", tabs: [
    ["Top pages", "event:page"], ["Entry pages", "visit:entry_page"], ["Exit pages", "visit:exit_page"]] },
  { id: "locations", title: "Locations", tabs: [
    ["Countries", "visit:country_name"], ["Regions", "visit:region"], ["Cities", "visit:city"]] },
  { id: "devices", title: "Devices", tabs: [
    ["Browsers", "visit:browser"], ["Operating systems", "visit:os"], ["Size", "visit:device"],
    ["Browser versions", "visit:browser_version"], ["OS versions", "visit:os_version"],
    ["Screen sizes", "visit:screen"]] },
  { id: "goals", title: "Goal conversions", tabs: [["Goals", "event:goal"]],
    metrics: [["visitors", "Uniques"], ["events", "Total"], ["conversion_rate", "CR"],
      ["total_revenue", "Revenue"]] },
  { id: "props", title: "Custom properties", tabs: [["Properties", "props"]],
    metrics: [["visitors", "Visitors"], ["events", "Events"], ["percentage", "%"]] },
];
const INTERVALS = {
  today: ["hour"], yesterday: ["hour"], "7d": ["hour", "day"], "30d": ["day", "week"],
  month: ["day", "week"], last_month: ["day", "week"], "6mo": ["day", "week", "month"],
  "12mo": ["day", "week", "month"], all: ["day", "week", "month"],
  custom: ["hour", "day", "week", "month"],
};
const DEFAULT_INTERVAL = { "6mo": "month", "12mo": "month", all: "month", "7d": "day" };
const PERIODS = Object.keys(INTERVALS);
// The comparison menu and its URL values (web/preload.py: COMPARE); previous period
// by default.
const COMPARE_URL = { 0: "off", yoy: "year_over_year", custom: "custom" };
const URL_COMPARE = { off: "0", year_over_year: "yoy", custom: "custom" };
const EMPTY = new Set(["(none)", "(not set)"]);

// ---- state: everything lives in the URL query string ----------------------------
let state = readState();
let generation = 0;
const tabs = {};
const panelKeys = {};  // each panel's breakdown on screen (its details view's key)
let lastTop = null;  // the top stats' answer, which revenue may join
let goalRevenue = 0;  // the goals panel's revenue in the view
let lastChart = null;

function readState() {
  const p = new URLSearchParams(location.search);
  const period = PERIODS.includes(p.get("period")) ? p.get("period") : "30d";
  const filters = grouped(p.getAll("f").map(parseFilter).filter(Boolean));
  const s = {
    period, from: p.get("from") || "", to: p.get("to") || "", filters,
    metric: ANY_TOP.has(p.get("metric")) ? p.get("metric") : "visitors",
    interval: p.get("interval") || "", prop: p.get("prop") || "",
    compare: COMPARE_URL[p.get("compare")] || "previous_period",
    cfrom: p.get("cfrom") || "", cto: p.get("cto") || "",
    details: p.get("details") || "", search: p.get("search") || "", order: p.get("order") || "",
  };
  if (period === "custom" && !(s.from && s.to)) s.period = "30d";
  if (s.compare === "custom" && !(s.cfrom && s.cto)) s.compare = "previous_period";
  return fixInterval(s);
}

function fixInterval(s) {
  const allowed = INTERVALS[s.period];
  if (!allowed.includes(s.interval)) {
    const wanted = DEFAULT_INTERVAL[s.period] || (allowed.includes("day") ? "day" : allowed[0]);
    s.interval = allowed.includes(wanted) ? wanted : allowed[0];
  }
  return s;
}

// ``op,dimension,value``, or ``G|op,dimension,value`` for a condition of "or" group G
// (a fourth element): web/preload.py, parse_filter.
function parseFilter(raw) {
  const a = raw.indexOf(","), b = raw.indexOf(",", a + 1);
  if (a < 1 || b < 0) return null;
  let op = raw.slice(0, a), group = "";
  const bar = op.indexOf("|");
  if (bar >= 0) {
    group = op.slice(0, bar);
    op = op.slice(bar + 1);
    if (!group || !op) return null;
  }
  const f = [op, raw.slice(a + 1, b), [raw.slice(b + 1)]];
  return group ? [...f, group] : f;
}

// One filter per group, operator and dimension, with every value of the URL's ``f``
// entries for them (web/preload.py: grouped): "is any of", "is none of"...
function grouped(filters) {
  const found = new Map();
  for (const [op, dim, values, group = ""] of filters) {
    const k = `${group}|${op},${dim}`;
    if (!found.has(k)) found.set(k, group ? [op, dim, [], group] : [op, dim, []]);
    found.get(k)[2].push(...values);
  }
  return [...found.values()];
}

// Filters after an edit: a group of one is a plain filter again, each group's members
// side by side (where the group first appears), the same condition merged.
function tidy(filters) {
  const count = {};
  for (const f of filters) if (f[3]) count[f[3]] = (count[f[3]] || 0) + 1;
  const fs = filters.map((f) => (f[3] && count[f[3]] < 2 ? f.slice(0, 3) : f));
  const first = new Map();
  fs.forEach((f, i) => { const k = f[3] || `#${i}`; if (!first.has(k)) first.set(k, i); });
  const ranked = fs.map((f, i) => [f, first.get(f[3] || `#${i}`), i]);
  ranked.sort((x, y) => x[1] - y[1] || x[2] - y[2]);
  return grouped(ranked.map(([f]) => f));
}

function stateParams(s, full) {
  const p = new URLSearchParams();
  p.set("period", s.period);
  if (s.period === "custom") { p.set("from", s.from); p.set("to", s.to); }
  for (const [op, dim, values, group] of s.filters) {
    for (const v of values) p.append("f", `${group ? `${group}|` : ""}${op},${dim},${v}`);
  }
  p.set("interval", s.interval);
  if (full) {
    if (s.metric !== "visitors") p.set("metric", s.metric);
    if (s.compare !== "previous_period") p.set("compare", URL_COMPARE[s.compare]);
    if (s.compare === "custom") { p.set("cfrom", s.cfrom); p.set("cto", s.cto); }
    if (s.prop) p.set("prop", s.prop);
    if (s.details) p.set("details", s.details);
    if (s.details && s.search) p.set("search", s.search);
    if (s.details && s.order) p.set("order", s.order);
  }
  return p;
}

function setState(patch) {
  pushState(patch, false);
  refresh();
}

// The URL follows the state; ``replace`` for steps not worth a Back (typing a search).
function pushState(patch, replace) {
  state = fixInterval({ ...state, ...patch });
  const url = `${location.pathname}?${stateParams(state, true)}`;
  history[replace ? "replaceState" : "pushState"](null, "", SHARE ? withAuth(url) : url);
}

// An embedded shared dashboard keeps its parameters (web/embed.py): reloaded, it stays
// embeddable and themed.
const EMBED = new URLSearchParams(location.search).get("embed") === "true"
  ? ["embed", "theme", "background"].map((k) => [k, new URLSearchParams(location.search).get(k)])
    .filter(([, v]) => v)
  : [];

function withAuth(url) {
  const out = url.includes("auth=") ? url : `${url}&auth=${encodeURIComponent(SHARE)}`;
  return out + EMBED.map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join("");
}

window.addEventListener("popstate", () => { state = readState(); refresh(); });

// A goal filter shows conversions, as Plausible does: the metrics of visits (bounce
// rate, duration...) mean nothing there, and the API refuses them.
function goalView() {
  return state.filters.some(([, d]) => d === "event:goal");
}

function topMetrics() {
  const goal = goalView();
  return (goal ? METRICS.goal_top : METRICS.top)
    .map((m) => [m, goal ? ABOUT[m].goal_label : ABOUT[m].label]);
}

// The chart's metric: the URL's when the top stats show it, else visitors.
function chartMetric() {
  const known = topMetrics().some(([m]) => m === state.metric) || state.metric === "total_revenue";
  return known ? state.metric : "visitors";
}

// ---- API -------------------------------------------------------------------------
function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (CSRF) h["X-CSRF-Token"] = CSRF;
  if (SHARE) h["X-Share-Token"] = SHARE;
  return h;
}

function dateRange() {
  return state.period === "custom" ? [state.from, state.to] : state.period;
}

// The filters ANDed, each "or" group as one ["or", [...]] where it first appears.
function v2Filters() {
  const out = [], groups = new Map();
  for (const [op, dim, values, group] of state.filters) {
    const c = [op, dim, [...values]];
    if (!group) { out.push(c); continue; }
    if (!groups.has(group)) { groups.set(group, []); out.push(groups.get(group)); }
    groups.get(group).push(c);
  }
  return out.map((x) => (Array.isArray(x[0]) ? (x.length === 1 ? x[0] : ["or", x]) : x));
}

// The first view's answers came with the page (web/preload.py), keyed by the canonical
// JSON of the request body; each is used once, then queries go to the server.
const PRELOADED = JSON.parse(document.getElementById("preloaded")?.textContent || "{}");

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function preloaded(key) {
  const data = PRELOADED[key];
  delete PRELOADED[key];
  return data;
}

async function query(body) {
  const full = { date_range: dateRange(), filters: v2Filters(), ...body };
  const key = canonical(full);
  if (key in PRELOADED) return preloaded(key);
  const res = await fetch(`${API}/query`, {
    method: "POST", headers: headers(true), credentials: "same-origin",
    body: JSON.stringify(full),
  });
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

async function getJSON(path) {
  const res = await fetch(`${API}/${path}`, { headers: headers(false), credentials: "same-origin" });
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

// ---- DOM helpers -----------------------------------------------------------------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c != null) el.append(c);  // strings become text
  return el;
}

function s(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const $ = (id) => document.getElementById(id);

// ---- formatting ------------------------------------------------------------------
function short(n) {
  const abs = Math.abs(n);
  const cut = (v, unit) => `${(Math.round(v * 10) / 10).toString()}${unit}`;
  if (abs >= 1e9) return cut(n / 1e9, "B");
  if (abs >= 1e6) return cut(n / 1e6, "M");
  if (abs >= 1e4) return cut(n / 1e3, "k");
  return String(n);
}

function duration(sec) {
  sec = Math.round(sec || 0);
  const hh = Math.floor(sec / 3600), mm = Math.floor((sec % 3600) / 60), ss = sec % 60;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${ss}s`;
  return `${ss}s`;
}

function metricText(metric, v) {
  if (v == null) return "–";
  const unit = ABOUT[metric]?.unit || "count";
  if (unit === "percent") return `${v}%`;
  if (unit === "seconds") return duration(v);
  if (unit === "money") return v.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (unit === "decimal") return String(v);
  return short(v);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function timeLabel(label, interval, long) {
  const [d, t] = label.split(" ");
  const [y, m, day] = d.split("-").map(Number);
  if (interval === "hour") return long ? `${day} ${MONTHS[m - 1]} ${t.slice(0, 5)}` : t.slice(0, 5);
  if (interval === "month") return `${MONTHS[m - 1]} ${y}`;
  const base = `${day} ${MONTHS[m - 1]}`;
  return interval === "week" && long ? `Week of ${base} ${y}` : long ? `${base} ${y}` : base;
}

// ---- controls --------------------------------------------------------------------
function syncControls() {
  $("period").value = state.period;
  $("custom-range").hidden = state.period !== "custom";
  $("from").value = state.from || TODAY;
  $("to").value = state.to || TODAY;
  $("compare").value = state.compare;
  $("compare-range").hidden = state.compare !== "custom";
  $("cfrom").value = state.cfrom || TODAY;
  $("cto").value = state.cto || TODAY;
  const sel = $("interval");
  sel.replaceChildren(...INTERVALS[state.period].map((i) =>
    h("option", { value: i, selected: i === state.interval }, i[0].toUpperCase() + i.slice(1))));
  sel.value = state.interval;
  const p = stateParams(state, false);
  if (SHARE) p.set("auth", SHARE);
  if (state.prop) p.set("prop", state.prop);
  $("export").href = `${API}/export?${p}`;
}

$("period").addEventListener("change", (e) => {
  const period = e.target.value;
  if (period === "custom") {
    $("custom-range").hidden = false;
    $("from").focus();
    return;
  }
  setState({ period, from: "", to: "" });
});
$("apply-range").addEventListener("click", () => {
  let from = $("from").value, to = $("to").value;
  if (!from || !to) return;
  if (to < from) [from, to] = [to, from];
  setState({ period: "custom", from, to });
});
$("interval").addEventListener("change", (e) => setState({ interval: e.target.value }));
$("compare").addEventListener("change", (e) => {
  if (e.target.value === "custom") {
    $("compare-range").hidden = false;
    $("cfrom").focus();
    return;
  }
  setState({ compare: e.target.value, cfrom: "", cto: "" });
});
$("apply-compare").addEventListener("click", () => {
  let cfrom = $("cfrom").value, cto = $("cto").value;
  if (!cfrom || !cto) return;
  if (cto < cfrom) [cfrom, cto] = [cto, cfrom];
  setState({ compare: "custom", cfrom, cto });
});

function comparisons() {
  if (state.compare === "off") return null;
  if (state.compare === "custom") return { mode: "custom", date_range: [state.cfrom, state.cto] };
  return { mode: state.compare };
}

function compareText() {
  if (state.compare === "year_over_year") return "the same period last year";
  if (state.compare === "custom") return `${state.cfrom} – ${state.cto}`;
  return "the previous period";
}
document.addEventListener("keydown", (e) => {
  const tag = e.target.tagName;
  if (e.key === "Escape" && !["INPUT", "SELECT", "TEXTAREA"].includes(tag) && state.filters.length
      && !document.querySelector("dialog[open]")) {
    setState({ filters: [] });
  }
});

// ---- filters ---------------------------------------------------------------------
// Filters for a row: one per dimension of its breakdown (a version row has two).
function rowFilters(dims, labels) {
  return dims.map((dim, i) => {
    const value = EMPTY.has(labels[i]) ? "" : labels[i];
    // Country names filter through ISO codes; an unknown country is the empty code.
    return ["is", dim === "visit:country_name" && value === "" ? "visit:country" : dim, [value]];
  });
}

function addFilters(added, extra = {}) {
  const rest = state.filters.filter(([, d]) => !added.some(([, a]) => a === d));
  setState({ ...extra, filters: [...rest, ...added] });
}

const VERBS = { is: "is", is_not: "is not", contains: "contains", contains_not: "does not contain",
  matches: "matches", matches_not: "does not match" };

function filterText([op, dim, values]) {
  const name = dim.startsWith("event:props:") ? dim.slice(12) : LABELS[dim] || dim;
  const shown = values.map((v) => (v === "" ? "(none)" : v));
  return `${name} ${VERBS[op] || op} ${shown.join(op.endsWith("_not") ? " nor " : " or ")}`;
}

// "and"/"or" between chips i-1 and i: "or" puts chip i (with its group) in chip
// i-1's group; "and" takes it out. Only filters of one kind (events, or visits) can
// be "or"ed: a query cannot mix them in one group.
const kindOf = (f) => (f[1].startsWith("event:") ? "event" : "visit");

function joinable(i) {
  const [a, b] = [state.filters[i - 1], state.filters[i]];
  const members = state.filters.filter((f) => f === a || f === b ||
    (a[3] && f[3] === a[3]) || (b[3] && f[3] === b[3]));
  return new Set(members.map(kindOf)).size === 1;
}

function toggleJoin(i) {
  const fs = state.filters.map((f) => [...f]);
  const [a, b] = [fs[i - 1], fs[i]];
  if (a[3] && a[3] === b[3]) {
    b.splice(3);
  } else {
    const used = new Set(fs.map((f) => f[3]).filter(Boolean));
    let g = a[3];
    for (let n = 1; !g; n++) if (!used.has(String(n))) g = String(n);
    const old = b[3];
    for (const f of fs) if (f === a || f === b || (old && f[3] === old)) f[3] = g;
  }
  setState({ filters: tidy(fs) });
}

function joiner(i) {
  const prev = state.filters[i - 1], cur = state.filters[i];
  const or = Boolean(prev[3]) && prev[3] === cur[3];
  const can = or || joinable(i);
  return h("button", { type: "button", class: `dash-join${or ? " dash-join-or" : ""}`,
    "data-join": or ? "or" : "and", disabled: !can,
    title: can ? `Click for "${or ? "and" : "or"}"` : "Only filters on visits, or on events, can be combined with or",
    "aria-label": `${or ? "or" : "and"}: change to ${or ? "and" : "or"}`,
    onclick: () => toggleJoin(i) }, or ? "or" : "and");
}

function renderChips() {
  const box = $("filters");
  const chips = state.filters.flatMap((f, i) => {
    const text = filterText(f);
    return [i ? joiner(i) : null, h("span", { class: "dash-chip", "data-group": f[3] || "" },
      h("span", { role: "button", tabindex: 0, class: "dash-chip-edit", title: "Edit filter",
        onclick: () => openEditor(i),
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openEditor(i); } } },
      text),
      h("button", { type: "button", "aria-label": `Remove filter: ${text}`, title: "Remove filter",
        onclick: () => setState({ filters: tidy(state.filters.filter((_, j) => j !== i)) }) }, "×"))];
  }).filter(Boolean);
  if (chips.length > 1) {
    chips.push(h("button", { type: "button", class: "dash-clear",
      onclick: () => setState({ filters: [] }) }, "Clear all"));
  }
  box.replaceChildren(...chips);
  box.hidden = !chips.length;
}

// ---- the filter editor: any dimension, any operator, several values -------------
const PROPERTY = "property";  // the editor's choice for event:props:KEY

function openEditor(index) {
  const dialog = $("filter-editor");
  const editing = index == null ? null : state.filters[index];
  let [op, dim, values] = editing || ["is", "visit:source", [""]];
  let key = "";
  if (dim.startsWith("event:props:")) { key = dim.slice(12); dim = PROPERTY; }
  if (dim === "visit:country") dim = "visit:country_name";
  const dimSelect = h("select", { id: "fe-dim", "aria-label": "Dimension" },
    ...METRICS.dimensions.map((d) => h("option", { value: d, selected: d === dim }, LABELS[d] || d)),
    h("option", { value: PROPERTY, selected: dim === PROPERTY }, "Custom property"));
  const keyInput = h("input", { type: "text", id: "fe-key", value: key, placeholder: "Property key",
    "aria-label": "Property key", hidden: dim !== PROPERTY });
  const opSelect = h("select", { id: "fe-op", "aria-label": "Operator" },
    ...Object.entries(VERBS).map(([o, verb]) => h("option", { value: o, selected: o === op }, verb)));
  const suggest = h("datalist", { id: "fe-suggest" });
  const list = h("div", { class: "dash-editor-values", id: "fe-values" });
  const addValue = (v) => {
    const input = h("input", { type: "text", class: "fe-value", value: v, list: "fe-suggest",
      "aria-label": "Value", autocomplete: "off" });
    const row = h("div", { class: "dash-editor-value" }, input,
      h("button", { type: "button", class: "dash-close", "aria-label": "Remove value",
        onclick: () => { if (list.children.length > 1) row.remove(); } }, "×"));
    list.append(row);
    return input;
  };
  values.forEach((v) => addValue(v === "" && editing ? "(none)" : v));
  const chosen = () => dimSelect.value === PROPERTY ? `event:props:${keyInput.value.trim()}` : dimSelect.value;
  // Suggestions: the dimension's most frequent values in the current view.
  const suggestFor = async () => {
    keyInput.hidden = dimSelect.value !== PROPERTY;
    const d = chosen();
    suggest.replaceChildren();
    if (d === "event:props:") return;
    try {
      const data = await query({ metrics: ["visitors"], dimensions: [d], pagination: { limit: 50 } });
      if (chosen() === d) {
        suggest.replaceChildren(...data.results.map((r) => h("option", { value: String(r.dimensions[0]) })));
      }
    } catch (e) { /* no suggestions; the values can still be typed */ }
  };
  dimSelect.addEventListener("change", suggestFor);
  keyInput.addEventListener("change", suggestFor);
  const apply = () => {
    const picked = [...list.querySelectorAll(".fe-value")].map((i) => i.value.trim())
      .filter(Boolean).map((v) => (v === "(none)" ? "" : v));
    const d = chosen();
    if (!picked.length || d === "event:props:") return;
    const made = [opSelect.value, d, [...new Set(picked)], ...(editing?.[3] ? [editing[3]] : [])];
    const same = (f) => f[0] === made[0] && f[1] === made[1] && (f[3] || "") === (made[3] || "");
    const rest = state.filters.filter((f, j) => j !== index && !same(f));
    dialog.close();
    setState({ filters: tidy([...rest, made]) });
  };
  dialog.replaceChildren(h("form", { class: "dash-editor", method: "dialog",
    onsubmit: (e) => { e.preventDefault(); apply(); } },
    h("h2", { id: "fe-title" }, editing ? "Edit filter" : "Add filter"),
    h("div", { class: "dash-editor-row" }, dimSelect, keyInput, opSelect),
    list, suggest,
    h("div", { class: "dash-editor-row" },
      h("button", { type: "button", id: "fe-add", class: "btn btn-ghost btn-sm",
        onclick: () => addValue("").focus() }, "+ Value"),
      h("span", { class: "dash-spacer" }),
      editing ? h("button", { type: "button", id: "fe-remove", class: "btn btn-ghost btn-sm",
        onclick: () => { dialog.close(); setState({ filters: tidy(state.filters.filter((_, j) => j !== index)) }); } },
      "Remove") : null,
      h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => dialog.close() }, "Cancel"),
      h("button", { type: "submit", id: "fe-apply", class: "btn btn-sm" }, "Apply"))));
  dialog.showModal();
  list.querySelector(".fe-value").focus();
  suggestFor();
}

$("add-filter").addEventListener("click", () => openEditor(null));

// ---- top stats -------------------------------------------------------------------
async function loadTop(gen) {
  const top = topMetrics();
  const body = { metrics: top.map(([m]) => m) };
  if (comparisons()) body.include = { comparisons: comparisons() };
  const data = await query(body);
  const row = await withImports(top, data.results[0]);
  if (gen !== generation) return;
  lastTop = row;
  drawTop(top, lastTop);
  $("top-stats").dataset.range = data.query.date_range.join(",");
}

// The top stats imported data can answer (imports/merge.py), with it: one more query,
// only on sites with imports. Imports answer no comparison: those stats show no change.
async function withImports(top, row) {
  const asked = top.map(([m]) => m).filter((m) => IMPORTED.includes(m));
  if (!IMPORTS || !asked.length || state.filters.length) return row;  // imports answer no filter
  const data = await query({ metrics: asked, include: { imports: true } });
  if (!data.meta.imports_included) return row;
  const metrics = row.metrics.slice();
  const comparison = row.comparison && { ...row.comparison, change: row.comparison.change.slice() };
  asked.forEach((m, i) => {
    const at = top.findIndex(([t]) => t === m);
    metrics[at] = data.results[0].metrics[i];
    if (comparison) comparison.change[at] = null;
  });
  return { ...row, metrics, comparison };
}

// An optional metric (revenue) shows only where it, or what it is compared with, is not 0.
function shown(metric, values) {
  return !ABOUT[metric].optional || values.some((v) => v);
}

// Whether the compared period had no data: no visitors then (or, without a visitors
// column, nothing at all).
function emptyBefore(top, row) {
  const before = row.comparison.metrics;
  const at = top.findIndex(([metric]) => metric === "visitors");
  return at >= 0 ? !before[at] : before.every((v) => !v);
}

function drawTop(top, row) {
  const kept = top.map((t, i) => [...t, i]).filter(([m, , i]) =>
    shown(m, [row.metrics[i], row.comparison?.metrics[i]]));
  $("top-stats").style.setProperty("--stats", String(kept.length));
  $("top-stats").replaceChildren(...kept.map(([metric, label, i]) => {
    const value = row.metrics[i];
    // No change figure against a period without data (the API says 100, as Plausible).
    const change = row.comparison && !emptyBefore(top, row) ? row.comparison.change[i] : null;
    const kids = [h("span", { class: "dash-stat-label" }, label),
      h("span", { class: "dash-stat-value", "data-value": value }, metricText(metric, value))];
    if (change != null) {
      const good = ABOUT[metric].lower_is_better ? change < 0 : change > 0;
      const arrow = change > 0 ? "↑" : change < 0 ? "↓" : "";
      kids.push(h("span", { class: `dash-change ${change === 0 ? "" : good ? "good" : "bad"}`,
        "data-change": change, title: `Against ${compareText()}` },
        `${arrow} ${Math.abs(change)}${ABOUT[metric].change === "points" ? " pp" : "%"}`));
    }
    return h("li", {}, h("button", { type: "button", class: "dash-stat", "data-metric": metric,
      "aria-pressed": chartMetric() === metric ? "true" : "false",
      onclick: () => setState({ metric }) }, kids));
  }));
}

// Revenue beside the unfiltered top stats, when the goals have some (one more query,
// only on sites with revenue: the first view of the others costs nothing more).
async function loadRevenue(gen) {
  const body = { metrics: ["total_revenue"] };
  if (comparisons()) body.include = { comparisons: comparisons() };
  const data = await query(body);
  if (gen !== generation) return;
  const top = [...topMetrics(), ["total_revenue", ABOUT.total_revenue.label]];
  const prev = lastTop;
  if (!prev) return;
  const row = { metrics: [...prev.metrics, data.results[0].metrics[0]] };
  if (prev.comparison && data.results[0].comparison) {
    row.comparison = { metrics: [...prev.comparison.metrics, data.results[0].comparison.metrics[0]],
      change: [...prev.comparison.change, data.results[0].comparison.change[0]] };
  }
  drawTop(top, row);
}

// ---- chart -----------------------------------------------------------------------
async function loadChart(gen) {
  const metric = chartMetric();
  const body = { metrics: [metric], dimensions: [`time:${state.interval}`],
    include: { time_labels: true } };
  if (comparisons()) body.include.comparisons = comparisons();
  else if (IMPORTS && IMPORTED.includes(metric) && !state.filters.length) body.include.imports = true;
  const data = await query(body);
  if (gen !== generation) return;
  const labels = data.meta.time_labels;
  const found = new Map(data.results.map((r) => [r.dimensions[0], r]));
  const points = labels.map((l) => {
    const r = found.get(l);
    return { label: l, value: r ? r.metrics[0] : 0,
      prev: r && r.comparison ? r.comparison.metrics[0] : null,
      prevLabel: r && r.comparison ? r.comparison.dimensions[0] : null };
  });
  lastChart = { points, metric, interval: state.interval, compare: comparisons() ? compareText() : "" };
  drawChart(lastChart);
}

// The smallest round gridline step (1, 2, 2.5 or 5 times a power of ten; whole numbers
// for counts) that is at least v.
function niceStep(v, whole) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * p;
    if (step >= v - 1e-12 && (!whole || Number.isInteger(step))) return whole ? Math.max(1, step) : step;
  }
  return 10 * p;
}

function drawChart({ points, metric, interval, compare }) {
  const box = $("chart");
  const W = Math.max(box.clientWidth || 600, 280), H = W < 500 ? 180 : 240;
  const pad = { l: 44, r: 14, t: 14, b: 28 };
  const n = points.length;
  const prevValues = compare ? points.map((p) => p.prev ?? 0) : [];
  const top = Math.max(...points.map((p) => p.value), ...prevValues, 0);
  const fractional = ABOUT[metric]?.unit === "decimal";
  const step = niceStep(Math.max(top, fractional ? 0.4 : 1) / 4, !fractional);
  const max = step * 4;
  const x = (i) => pad.l + (n <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (n - 1));
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "dash-svg" });
  for (let k = 0; k <= 4; k++) {
    const v = step * k, yy = y(v);
    svg.append(s("line", { x1: pad.l, x2: W - pad.r, y1: yy, y2: yy, class: "grid" }));
    const t = s("text", { x: pad.l - 6, y: yy + 4, "text-anchor": "end", class: "axis" });
    t.textContent = metricText(metric, Math.round(v * 100) / 100);
    svg.append(t);
  }
  const ticks = Math.min(n, Math.max(2, Math.floor((W - pad.l) / 90)));
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    const t = s("text", { x: x(i), y: H - 8, "text-anchor": k === 0 ? "start" : k === ticks - 1 ? "end" : "middle", class: "axis" });
    t.textContent = timeLabel(points[i].label, interval, false);
    svg.append(t);
  }
  const line = (vals) => vals.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  if (compare) svg.append(s("path", { d: line(prevValues), class: "prev" }));
  const values = points.map((p) => p.value);
  if (n) {
    svg.append(s("path", { d: `${line(values)}L${x(n - 1)},${y(0)}L${x(0)},${y(0)}Z`, class: "area" }));
    svg.append(s("path", { d: line(values), class: "line" }));
  }
  const guide = s("line", { y1: pad.t, y2: H - pad.b, class: "guide", visibility: "hidden" });
  const dot = s("circle", { r: 4, class: "dot", visibility: "hidden" });
  svg.append(guide, dot);
  const tip = h("div", { class: "dash-tip", hidden: true, role: "status" });
  const metricName = topMetrics().find(([m]) => m === metric)?.[1] || ABOUT[metric].label;
  let current = -1;
  const show = (i) => {
    if (i < 0 || i >= n) return;
    current = i;
    const p = points[i];
    guide.setAttribute("x1", x(i)); guide.setAttribute("x2", x(i)); guide.setAttribute("visibility", "visible");
    dot.setAttribute("cx", x(i)); dot.setAttribute("cy", y(p.value)); dot.setAttribute("visibility", "visible");
    const rows = [h("strong", {}, timeLabel(p.label, interval, true)),
      h("span", {}, `${metricName}: ${metricText(metric, p.value)}`)];
    if (compare && p.prevLabel) {
      rows.push(h("span", { class: "dash-muted" },
        `${timeLabel(p.prevLabel, interval, true)}: ${metricText(metric, p.prev)}`));
    }
    tip.replaceChildren(...rows);
    tip.hidden = false;
    const px = (x(i) / W) * box.clientWidth;
    tip.style.left = `${Math.min(Math.max(px - 80, 0), Math.max(box.clientWidth - 170, 0))}px`;
  };
  const hide = () => { guide.setAttribute("visibility", "hidden"); dot.setAttribute("visibility", "hidden"); tip.hidden = true; };
  const overlay = s("rect", { x: pad.l, y: 0, width: W - pad.l - pad.r, height: H, class: "hover" });
  overlay.addEventListener("mousemove", (e) => {
    const r = svg.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    show(n <= 1 ? 0 : Math.round(((px - pad.l) / (W - pad.l - pad.r)) * (n - 1)));
  });
  overlay.addEventListener("mouseleave", hide);
  svg.append(overlay);
  box.onkeydown = (e) => {
    if (e.key === "ArrowRight") { show(Math.min(current + 1, n - 1)); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(Math.max(current - 1, 0)); e.preventDefault(); }
  };
  box.onblur = hide;
  box.setAttribute("aria-label", `${metricName} per ${interval}, ${n} points` +
    (compare ? `, ${compare} dashed` : ""));
  box.replaceChildren(svg, tip);
  $("chart-title").textContent = `${metricName} per ${interval}` + (compare ? ` · ${compare} dashed` : "");
}

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => lastChart && drawChart(lastChart), 150);
});

// ---- panels ----------------------------------------------------------------------
function buildPanels() {
  $("panels").replaceChildren(...PANELS.map((panel) => {
    tabs[panel.id] = 0;
    const list = h("div", { class: "dash-list", id: `list-${panel.id}` });
    const tablist = h("div", { class: "dash-tabs", role: "tablist", "aria-label": panel.title });
    panel.tabs.forEach(([label], i) => {
      tablist.append(h("button", { type: "button", role: "tab", id: `tab-${panel.id}-${i}`,
        "aria-selected": i === 0 ? "true" : "false", tabindex: i === 0 ? 0 : -1,
        "aria-controls": `list-${panel.id}`,
        onclick: () => selectTab(panel, i, true),
        onkeydown: (e) => {
          const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
          if (d) { e.preventDefault(); selectTab(panel, (i + d + panel.tabs.length) % panel.tabs.length, true); }
        } }, label));
    });
    const extra = panel.id === "props"
      ? h("label", { class: "dash-field" }, h("span", { class: "visually-hidden" }, "Property"),
          h("select", { id: "prop-key", onchange: (e) => setState({ prop: e.target.value }) }))
      : null;
    const map = panel.id === "locations" ? h("div", { class: "dash-map", id: "map", hidden: true }) : null;
    const more = h("button", { type: "button", class: "dash-more", id: `details-${panel.id}`,
      onclick: () => panelKeys[panel.id] && openDetails(panelKeys[panel.id]) }, "Details");
    return h("section", { class: "dash-card dash-panel", id: `panel-${panel.id}`, "aria-label": panel.title },
      h("div", { class: "dash-panel-head" }, h("h2", {}, panel.title),
        panel.tabs.length > 1 ? tablist : extra), map, list, more);
  }));
}

function selectTab(panel, i, focus) {
  tabs[panel.id] = i;
  panel.tabs.forEach((_, j) => {
    const b = $(`tab-${panel.id}-${j}`);
    b.setAttribute("aria-selected", j === i ? "true" : "false");
    b.tabIndex = j === i ? 0 : -1;
    if (j === i && focus) b.focus();
  });
  const gen = generation;
  loadPanel(panel, gen).catch(showError);
  if (panel.id === "locations") loadMap(gen).catch(showError);
}

async function loadPanel(panel, gen) {
  const list = $(`list-${panel.id}`);
  list.setAttribute("aria-busy", "true");
  let dim = panel.tabs[tabs[panel.id]][1];
  if (panel.id === "props") {
    const { keys } = "properties" in PRELOADED ? preloaded("properties")
      : await getJSON(`properties?${stateParams(state, false)}`);
    if (gen !== generation) return;
    const sel = $("prop-key");
    const key = keys.includes(state.prop) ? state.prop : keys[0] || "";
    sel.replaceChildren(...keys.map((k) => h("option", { value: k, selected: k === key }, k)));
    sel.value = key;
    sel.disabled = !keys.length;
    sel.closest("label").hidden = !keys.length;  // no empty picker beside "No custom properties"
    if (!key) {
      panelKeys[panel.id] = "";
      return renderRows(panel, list, "", [], "No custom properties in this period");
    }
    dim = `event:props:${key}`;
  }
  if (panel.id === "goals" && !GOALS) {
    return renderRows(panel, list, dim, [], "No goals yet: add them in the site's settings");
  }
  const metrics = panel.metrics || VISITORS;
  panelKeys[panel.id] = dim;
  const data = await query({ metrics: metrics.map(([m]) => m), dimensions: detailDims(dim),
    pagination: { limit: 9 } });
  if (gen !== generation) return;
  renderRows(panel, list, dim, data.results,
    panel.id === "goals" ? "No goal conversions in this period" : "No data for this period");
}

const CITY_HINT = "Regions and cities need a city database: set FOOTFALL_GEOIP_DB to a " +
  "MaxMind GeoLite2-City (or DB-IP City Lite) .mmdb file and restart Footfall.";

function renderRows(panel, list, dim, results, emptyText) {
  list.removeAttribute("aria-busy");
  list.dataset.dimension = dim;
  const hint = !HAS_CITIES && (dim === "visit:region" || dim === "visit:city")
    ? h("p", { class: "dash-hint", id: "city-hint" }, CITY_HINT) : null;
  if (!results.length) {
    list.replaceChildren(...[hint, h("p", { class: "dash-empty" }, emptyText)].filter(Boolean));
    return;
  }
  const all = panel.metrics || VISITORS;
  const keep = all.map(([m], i) => shown(m, results.map((r) => r.metrics[i])));
  const metrics = all.filter((_, i) => keep[i]);
  if (panel.id === "goals") {
    const at = all.findIndex(([m]) => m === "total_revenue");
    goalRevenue = results.reduce((sum, r) => sum + (r.metrics[at] || 0), 0);
  }
  results = results.map((r) => ({ ...r, metrics: r.metrics.filter((_, i) => keep[i]) }));
  const max = Math.max(1, ...results.map((r) => r.metrics[0]));
  const head = h("div", { class: "dash-row dash-row-head", "aria-hidden": "true" },
    h("span", { class: "dash-label" }, LABELS[dim] || (dim.startsWith("event:props:") ? dim.slice(12) : dim)),
    ...metrics.map(([, l]) => h("span", { class: "dash-num" }, l)));
  const dims = detailDims(dim);
  const rows = results.map((r) => {
    const labels = r.dimensions.map(String);
    const label = labels.join(" ");
    const filters = rowFilters(dims, labels);
    const active = filters.every(([, d, [v]]) => state.filters.some(([op, fd, fv]) =>
      op === "is" && fd === d && fv.length === 1 && fv[0] === v));
    const text = `${label}: ${metrics.map(([m, l], i) => `${metricText(m, r.metrics[i])} ${l.toLowerCase()}`).join(", ")}`;
    return h("button", { type: "button", class: "dash-row", "data-label": label,
      "aria-label": `Filter by ${text}`, "aria-pressed": active ? "true" : "false",
      onclick: () => addFilters(filters) },
      h("span", { class: "dash-bar", style: `width:${((r.metrics[0] / max) * 100).toFixed(1)}%` }),
      h("span", { class: "dash-label" }, label),
      ...r.metrics.map((v, i) => h("span", { class: "dash-num", "data-value": v }, metricText(metrics[i][0], v))));
  });
  list.replaceChildren(...[hint, head, ...rows].filter(Boolean));
}

// ---- the countries map: a choropleth of visitors from vendored geometry ------------
// static/world-110m.json: one SVG path per ISO alpha-2 code (scripts/vendor_world_map.py).
const MAP = { metrics: ["visitors"], dimensions: ["visit:country"], pagination: { limit: 300 } };
const MAP_LEVELS = 5;
let world = null;

async function loadMap(gen) {
  const box = $("map");
  if (tabs.locations !== 0) { box.hidden = true; return; }
  box.hidden = false;
  if (!world) {
    world = fetch(WORLD, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error(`map: HTTP ${r.status}`);
      return r.json();
    });
  }
  const [geo, data] = await Promise.all([world, query(MAP)]);
  if (gen !== generation || tabs.locations !== 0) return;
  const counts = new Map(data.results.filter((r) => r.dimensions[0] && r.dimensions[0] !== "(none)")
    .map((r) => [String(r.dimensions[0]), r.metrics[0]]));
  const max = Math.max(1, ...counts.values());
  const svg = s("svg", { viewBox: `0 0 ${geo.width} ${geo.height}`, class: "dash-map-svg",
    role: "img", "aria-label": `Visitors by country, ${counts.size} countries` });
  for (const [code, d] of Object.entries(geo.countries)) {
    const v = counts.get(code) || 0;
    const level = v ? Math.max(1, Math.ceil((MAP_LEVELS * v) / max)) : 0;
    const path = s("path", { d, class: `l${level}`, "data-code": code, "data-visitors": v });
    const title = s("title");
    title.textContent = `${code}: ${v} visitor${v === 1 ? "" : "s"}`;
    path.append(title);
    if (v) path.addEventListener("click", () => addFilters([["is", "visit:country", [code]]]));
    svg.append(path);
  }
  box.replaceChildren(svg);
  box.dataset.countries = String(counts.size);
}

// ---- details: every row of one breakdown, searched, sorted, paged -----------------
const DETAILS = METRICS.details;
const DETAILS_PAGE = 100;
let detailsGen = 0;
let detailsRows = [];
let searchTimer = 0;

function detailDims(key) {
  return DETAILS.parent[key] ? [DETAILS.parent[key], key] : [key];
}

function detailColumns(key) {
  if (goalView() && key !== "event:goal") return DETAILS.goal;
  if (key.startsWith("event:props:")) return DETAILS.props;
  return DETAILS.columns[key] || DETAILS.default;
}

function columnLabel(metric) {
  const about = ABOUT[metric];
  return goalView() ? about.goal_label : about.label;
}

function dimLabel(dim) {
  return LABELS[dim] || (dim.startsWith("event:props:") ? dim.slice(12) : dim);
}

// A search is a case-insensitive "contains" on the breakdown's dimension (either one).
function searchFilter(key, text) {
  const found = detailDims(key).map((d) => ["contains", d, [text], { case_sensitive: false }]);
  return found.length === 1 ? found[0] : ["or", found];
}

function openDetails(key) {
  pushState({ details: key, search: "", order: "" }, false);
  showDetails();
}

function closeDetails() {
  const dialog = $("details");
  if (dialog.open) dialog.close();
}

function detailsUrl() {
  const p = stateParams(state, false);
  p.set("details", state.details);
  if (state.search) p.set("search", state.search);
  if (state.order) p.set("order", state.order);
  if (SHARE) p.set("auth", SHARE);
  return `${API}/details.csv?${p}`;
}

async function showDetails() {
  const dialog = $("details");
  const key = state.details;
  const title = h("h2", { id: "details-title" }, dimLabel(key));
  const search = h("input", { type: "search", id: "details-search", value: state.search,
    placeholder: `Search ${dimLabel(key).toLowerCase()}`, "aria-label": "Search", autocomplete: "off",
    oninput: (e) => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => {
        pushState({ search: e.target.value.trim() }, true);
        loadDetails(false).catch(showError);
      }, 250);
    } });
  const csv = h("a", { id: "details-csv", class: "btn btn-ghost btn-sm", href: detailsUrl(), download: true },
    "Download CSV");
  const close = h("button", { type: "button", class: "dash-close", "aria-label": "Close details",
    onclick: () => closeDetails() }, "×");
  const table = h("table", { class: "dash-table" },
    h("thead", {}, h("tr", { id: "details-head" })), h("tbody", { id: "details-rows" }));
  const more = h("button", { type: "button", id: "details-more", class: "btn btn-sm", hidden: true,
    onclick: () => loadDetails(true).catch(showError) }, "Load more");
  dialog.replaceChildren(
    h("div", { class: "dash-details-head" }, title, search, csv, close),
    h("div", { class: "dash-table-wrap" }, table),
    h("div", { class: "dash-details-foot" }, h("span", { id: "details-count", class: "dash-muted" }), more));
  if (!dialog.open) dialog.showModal();
  search.focus();
  await loadDetails(false);
}

function sortBy(metric) {
  const [by, dir] = state.order.split(",");
  const next = by === metric && dir !== "asc" ? "asc" : "desc";
  pushState({ order: `${metric},${next}` }, false);
  loadDetails(false).catch(showError);
}

async function loadDetails(append) {
  const gen = ++detailsGen;
  const key = state.details;
  const dims = detailDims(key);
  const cols = detailColumns(key);
  const body = { metrics: cols, dimensions: dims, include: { total_rows: true },
    pagination: { limit: DETAILS_PAGE, offset: append ? detailsRows.length : 0 } };
  if (state.search) body.filters = [...v2Filters(), searchFilter(key, state.search)];
  if (state.order) body.order_by = [state.order.split(",")];
  const box = $("details-rows");
  box.setAttribute("aria-busy", "true");
  $("details").dataset.ready = "0";
  const data = await query(body);
  if (gen !== detailsGen || state.details !== key) return;
  detailsRows = append ? [...detailsRows, ...data.results] : data.results;
  const [by, dir] = state.order.split(",");
  $("details-head").replaceChildren(
    h("th", { scope: "col" }, dims.map(dimLabel).join(" · ")),
    ...cols.map((m) => h("th", { scope: "col", class: "dash-num",
      "aria-sort": by === m ? (dir === "asc" ? "ascending" : "descending") : "none" },
      h("button", { type: "button", "data-sort": m, onclick: () => sortBy(m) },
        columnLabel(m), by === m ? (dir === "asc" ? " ↑" : " ↓") : ""))));
  box.replaceChildren(...detailsRows.map((r) => {
    const labels = r.dimensions.map(String);
    const label = labels.join(" ");
    return h("tr", { "data-label": label },
      h("td", {}, h("button", { type: "button", class: "dash-link", title: `Filter by ${label}`,
        onclick: () => addFilters(rowFilters(dims, labels), { details: "", search: "", order: "" }) }, label)),
      ...r.metrics.map((v, i) => h("td", { class: "dash-num", "data-value": v }, metricText(cols[i], v))));
  }));
  if (!detailsRows.length) {
    box.append(h("tr", {}, h("td", { colspan: cols.length + 1, class: "dash-empty" },
      state.search ? "Nothing matches the search" : "No data for this period")));
  }
  box.removeAttribute("aria-busy");
  const total = data.meta.total_rows ?? detailsRows.length;
  $("details-count").textContent = `${detailsRows.length} of ${total}`;
  $("details-more").hidden = detailsRows.length >= total;
  $("details-csv").href = detailsUrl();
  $("details").dataset.ready = "1";
}

$("details").addEventListener("close", () => {
  if (state.details) pushState({ details: "", search: "", order: "" }, false);
});

// ---- realtime --------------------------------------------------------------------
async function realtime() {
  if (document.hidden) return;
  try {
    const { visitors } = await getJSON("realtime");
    const el = $("realtime-count");
    el.textContent = short(visitors);
    el.dataset.value = visitors;
    $("realtime-label").textContent = visitors === 1 ? "current visitor" : "current visitors";
  } catch (e) { /* the next poll retries */ }
}

// ---- errors and refresh ------------------------------------------------------------
function showError(e) {
  const box = $("error");
  box.textContent = `Could not load: ${e.message}`;
  box.hidden = false;
}

async function refresh() {
  const gen = ++generation;
  document.body.dataset.ready = "0";
  $("error").hidden = true;
  syncControls();
  renderChips();
  // Every query goes out at once; the server answers them in parallel.
  goalRevenue = 0;
  lastTop = null;
  const jobs = [loadTop(gen), loadChart(gen), ...PANELS.map((p) => loadPanel(p, gen)), loadMap(gen)];
  if (state.details) jobs.push(showDetails());
  else closeDetails();
  const done = await Promise.allSettled(jobs);
  if (gen !== generation) return;
  if (goalRevenue && !goalView()) done.push(...await Promise.allSettled([loadRevenue(gen)]));
  if (gen !== generation) return;
  const failed = done.find((d) => d.status === "rejected");
  if (failed) showError(failed.reason);
  // Milliseconds from navigation to every panel drawn (read by bench/dashboard.py).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
  // What the view asks, for other modules (static/funnels.js, segments.js): the
  // event's detail, and root[data-view] for a module that starts after the event.
  const detail = { date_range: dateRange(), filters: v2Filters() };
  root.dataset.view = JSON.stringify(detail);
  window.dispatchEvent(new CustomEvent("dashboard:ready", { detail }));
}

buildPanels();
// Realtime starts once the first view is on screen, so it never delays it.
refresh().finally(() => {
  realtime();
  setInterval(realtime, REALTIME_MS);
  document.addEventListener("visibilitychange", realtime);
});
