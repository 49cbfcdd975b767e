// The realtime view: polls GET {api}/live (one statement on the server per poll) while
// the tab is visible, and redraws the counts, the per-minute bars and the top lists.
const root = document.getElementById("realtime-view");
const API = root.dataset.api;
const SHARE = root.dataset.share || "";
const POLL_MS = Number(root.dataset.poll) || 10000;
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function setNumber(el, n) {
  el.textContent = n.toLocaleString();
  el.dataset.value = String(n);
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function drawChart(minutes) {
  const w = 1000, h = 180, pad = 26;
  const max = Math.max(1, ...minutes.map((m) => m.pageviews));
  const box = svg("svg", { viewBox: `0 0 ${w} ${h}` });
  const step = (w - pad) / minutes.length;
  box.append(svg("line", { class: "grid", x1: pad, x2: w, y1: h - pad, y2: h - pad }));
  const top = svg("text", { class: "axis", x: 0, y: 10 });
  top.textContent = String(max);
  box.append(top);
  minutes.forEach((m, i) => {
    const bh = ((h - pad - 14) * m.pageviews) / max;
    const bar = svg("rect", {
      class: i === minutes.length - 1 ? "bar now" : "bar",
      x: pad + i * step + 1, y: h - pad - bh, width: Math.max(1, step - 2), height: bh,
      "data-pageviews": m.pageviews, "data-visitors": m.visitors,
    });
    const title = svg("title", {});
    const at = new Date(m.minute);
    title.textContent = `${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: ${m.pageviews} pageviews, ${m.visitors} visitors`;
    bar.append(title);
    box.append(bar);
  });
  for (const [x, anchor, label] of [[pad, "start", "30 min ago"], [w, "end", "now"]]) {
    const t = svg("text", { class: "axis", x, y: h - 6, "text-anchor": anchor });
    t.textContent = label;
    box.append(t);
  }
  $("live-chart").replaceChildren(box);
}

function drawList(id, rows) {
  const list = $(id);
  if (!rows.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "Nobody in the last 30 minutes";
    list.replaceChildren(li);
    return;
  }
  const max = Math.max(...rows.map((r) => r.visitors));
  list.replaceChildren(...rows.map((r) => {
    const li = document.createElement("li");
    li.dataset.label = r.label;
    li.dataset.visitors = String(r.visitors);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${(100 * r.visitors) / max}%`;
    const label = document.createElement("span");
    label.textContent = r.label;  // text, never HTML: labels come from visitors
    const num = document.createElement("span");
    num.className = "num";
    num.textContent = r.visitors.toLocaleString();
    li.append(bar, label, num);
    return li;
  }));
}

async function poll() {
  if (document.hidden) return;
  const headers = {};
  if (SHARE) headers["X-Share-Token"] = SHARE;
  if (CSRF) headers["X-CSRF-Token"] = CSRF;
  try {
    const res = await fetch(`${API}/live`, { headers, credentials: "same-origin" });
    const data = await res.json();
    if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
    setNumber($("live-5m"), data.visitors_5m);
    setNumber($("live-30m"), data.visitors_30m);
    setNumber($("live-pageviews"), data.minutes.reduce((n, m) => n + m.pageviews, 0));
    drawChart(data.minutes);
    drawList("live-pages", data.pages);
    drawList("live-sources", data.sources);
    $("live-clock").textContent = `updated ${new Date(data.now).toLocaleTimeString()}`;
    $("live-error").hidden = true;
    root.dataset.updated = data.now;
  } catch (e) {
    $("live-error").textContent = `Could not refresh: ${e.message}`;
    $("live-error").hidden = false;
  }
}

poll();
setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", poll);
