// The dashboard's Funnels panel: the site's funnels (web/funnels.py), one shown at a
// time, for the period and filters on screen. It loads after the rest of the view
// (on dashboard.js's "dashboard:ready", whose detail carries the date range and
// filters), so it never delays the first view.
import { call, h, onView } from "./views.js";

const CAN_SETTINGS = document.querySelector(".dash-settings")?.getAttribute("href") || "";

let funnels = null;  // [{name, steps}] once read
let chosen = "";
let view = null;  // the view's date range and filters
let generation = 0;

const number = new Intl.NumberFormat();
const pct = (v) => `${Number(v).toFixed(Number.isInteger(v) ? 0 : 1)}%`;

function panel() {
  let section = document.getElementById("panel-funnels");
  if (section) return section;
  const pick = h("select", { id: "funnel-pick", onchange: (e) => { chosen = e.target.value; load(); } });
  section = h("section", { class: "dash-card dash-funnel", id: "panel-funnels", "aria-label": "Funnels" },
    h("div", { class: "dash-panel-head" }, h("h2", {}, "Funnels"),
      h("label", { class: "dash-field" }, h("span", { class: "visually-hidden" }, "Funnel"), pick)),
    h("div", { id: "funnel-body", class: "dash-funnel-body" }));
  document.getElementById("panels").after(section);
  return section;
}

function empty(text) {
  const body = document.getElementById("funnel-body");
  const link = CAN_SETTINGS ? h("a", { href: `${CAN_SETTINGS}#funnels` }, "Add one in the site's settings") : null;
  body.replaceChildren(h("p", { class: "dash-empty" }, text, link ? h("br") : null, link));
}

function draw(answer) {
  const body = document.getElementById("funnel-body");
  const steps = answer.steps.map((s, i) => h("li", { class: "dash-funnel-step", "data-step": i + 1,
      "data-visitors": s.visitors,
      "aria-label": `Step ${i + 1}, ${s.label}: ${s.visitors} visitors, ${pct(s.conversion_rate)}` },
    h("div", { class: "dash-funnel-track", "aria-hidden": "true" },
      h("div", { class: "dash-funnel-bar", style: `height:${Math.max(s.conversion_rate, 0.5)}%` })),
    h("div", { class: "dash-funnel-label" }, h("span", { class: "dash-funnel-n" }, `${i + 1}`), s.label),
    h("div", { class: "dash-funnel-num" }, h("strong", {}, number.format(s.visitors)), " visitors · ",
      pct(s.conversion_rate)),
    i ? h("div", { class: "dash-funnel-drop" }, `−${number.format(s.dropoff)} (${pct(s.dropoff_percentage)}) dropped off`) : null));
  const summary = h("p", { class: "dash-muted dash-funnel-summary" },
    `${number.format(answer.entering_visitors)} of ${number.format(answer.all_visitors)} visitors entered · `,
    h("strong", {}, pct(answer.conversion_rate)), " completed the funnel");
  const list = h("ol", { class: "dash-funnel-steps", style: `--steps:${answer.steps.length}` }, steps);
  body.replaceChildren(summary, list);
}

async function load() {
  const section = panel();
  const gen = ++generation;
  section.dataset.ready = "0";
  try {
    if (funnels === null) funnels = await call("GET", "funnels");
    if (gen !== generation) return;
    const pick = document.getElementById("funnel-pick");
    if (!funnels.length) {
      pick.hidden = true;
      empty("No funnels yet.");
      return;
    }
    if (!funnels.some((f) => f.name === chosen)) chosen = funnels[0].name;
    pick.hidden = false;
    pick.replaceChildren(...funnels.map((f) => h("option", { value: f.name, selected: f.name === chosen }, f.name)));
    pick.value = chosen;
    document.getElementById("funnel-body").setAttribute("aria-busy", "true");
    const answer = await call("POST", "funnel", { funnel: chosen, ...view });
    if (gen !== generation) return;
    draw(answer);
    section.dataset.funnel = chosen;
  } catch (e) {
    if (gen === generation) empty(`Could not load the funnel: ${e.message}`);
  } finally {
    if (gen === generation) {
      document.getElementById("funnel-body").removeAttribute("aria-busy");
      section.dataset.ready = "1";
    }
  }
}

onView((detail) => { view = detail; load(); });
