// Segments (web/segments.py): the filter menu's saved filter sets. "Segments" beside
// "+ Filter" opens a dialog that applies one (its filters replace the URL's, as if
// picked by hand), saves the filters on screen as your own segment or (owners,
// admins) a shared one, and updates or removes the ones you may edit.
import { call, h, onView } from "./views.js";

let filters = [];  // the view's filters

// A segment's filters as the URL's "f" entries (one per value; an "or" group's under
// a group label), the rest of the URL kept.
function apply(segment) {
  const p = new URLSearchParams(location.search);
  p.delete("f");
  segment.filters.forEach((f, i) => {
    const group = f[0] === "or" ? `${i + 1}|` : "";
    for (const [op, dim, values] of (f[0] === "or" ? f[1] : [f])) {
      for (const v of values) p.append("f", `${group}${op},${dim},${v}`);
    }
  });
  history.pushState(null, "", `${location.pathname}?${p}`);
  dialog.close();
  window.dispatchEvent(new PopStateEvent("popstate"));  // dashboard.js reads the URL again
}

const condition = ([op, dim, values]) =>
  `${dim.split(":").pop()} ${op.replace("_", " ")} ${values.join(" or ")}`;
const describe = (filters) => filters.map((f) =>
  (f[0] === "or" ? `(${f[1].map(condition).join(" or ")})` : condition(f))).join(", ");

const dialog = h("dialog", { id: "segments", class: "dash-details dash-editor-box", "aria-labelledby": "sg-title" });
document.getElementById("dashboard").append(dialog);

async function open() {
  dialog.replaceChildren(h("p", { class: "dash-muted" }, "Loading…"));
  if (!dialog.open) dialog.showModal();
  let data;
  try {
    data = await call("GET", "segments");
  } catch (e) {
    dialog.replaceChildren(h("p", { class: "dash-error" }, `Could not load: ${e.message}`));
    return;
  }
  const status = h("p", { id: "sg-status", class: "dash-muted", role: "status" });
  const run = async (job) => {
    try { await job(); await open(); } catch (e) { status.textContent = e.message; status.className = "dash-error"; }
  };
  const rows = data.segments.map((s) => h("li", { class: "dash-segment", "data-name": s.name },
    h("button", { type: "button", class: "dash-link dash-segment-apply", title: describe(s.filters),
      onclick: () => apply(s) }, s.name),
    h("span", { class: "dash-muted small" }, s.shared ? "shared" : "yours"),
    s.editable ? h("button", { type: "button", class: "btn btn-ghost btn-sm dash-segment-update",
      disabled: !filters.length, title: "Replace its filters with the ones on screen",
      onclick: () => run(() => call("PUT", `segments/${s.id}`, { filters })) }, "Update") : null,
    s.editable ? h("button", { type: "button", class: "btn btn-ghost btn-sm dash-segment-remove",
      onclick: () => run(() => call("DELETE", `segments/${s.id}`)) }, "Remove") : null));
  const name = h("input", { type: "text", id: "sg-name", placeholder: "Segment name", maxlength: 120,
    "aria-label": "Segment name", required: true });
  const shared = data.can_share
    ? h("label", { class: "dash-segment-share" }, h("input", { type: "checkbox", id: "sg-shared" }),
      " Share with everyone who sees this site")
    : null;
  const save = data.can_save ? h("form", { class: "dash-editor", id: "sg-form",
      onsubmit: (e) => {
        e.preventDefault();
        const body = { name: name.value.trim(), filters, shared: Boolean(shared?.querySelector("input").checked) };
        run(() => call("POST", "segments", body));
      } },
    h("h3", {}, "Save the filters on screen"),
    filters.length ? h("p", { class: "dash-muted small" }, describe(filters))
      : h("p", { class: "dash-muted small" }, "Add a filter first."),
    h("div", { class: "dash-editor-row" }, name,
      h("button", { type: "submit", id: "sg-save", class: "btn btn-sm", disabled: !filters.length }, "Save")),
    shared) : null;
  dialog.replaceChildren(h("div", { class: "dash-editor" },
    h("div", { class: "dash-details-head" }, h("h2", { id: "sg-title" }, "Segments"),
      h("button", { type: "button", class: "dash-close", "aria-label": "Close", onclick: () => dialog.close() }, "×")),
    rows.length ? h("ul", { class: "dash-segments", id: "sg-list" }, rows)
      : h("p", { class: "dash-muted", id: "sg-empty" }, "No segments yet."),
    save, status));
}

const button = h("button", { type: "button", id: "open-segments", class: "btn btn-ghost btn-sm",
  "aria-haspopup": "dialog", onclick: open }, "Segments");
document.getElementById("add-filter").after(button);

onView((detail) => { filters = detail.filters; });
