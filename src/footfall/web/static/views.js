// What the dashboard's own modules share (funnels.js, segments.js): the element
// builder and a JSON call to the site's dashboard API, with the session's CSRF token
// or the shared link's token, as dashboard.js sends them.
const root = document.getElementById("dashboard");
const API = root.dataset.api;
const SHARE = root.dataset.share || "";
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

export async function call(method, path, body) {
  const headers = {};
  if (body) headers["Content-Type"] = "application/json";
  if (CSRF) headers["X-CSRF-Token"] = CSRF;
  if (SHARE) headers["X-Share-Token"] = SHARE;
  const res = await fetch(`${API}/${path}`, {
    method, headers, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

// The view's date range and filters once dashboard.js has drawn it, now and after
// every change ("dashboard:ready"; root[data-view] when this module starts later).
export function onView(handle) {
  window.addEventListener("dashboard:ready", (e) => handle(e.detail));
  if (root.dataset.view) handle(JSON.parse(root.dataset.view));
}
