// Scenarios: what is loaded, which are on in the selected session, a switch per scenario, and
// loading a scenario file with its lint problems shown at their lines.
import { api, h, put, q, notice, problems } from "./dom.js";

let ctx;
const tbody = document.querySelector("#sc-table tbody");
const empty = document.getElementById("sc-empty");
const form = document.getElementById("sc-load");

export function init(c) {
  ctx = c;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const doc = form.elements.doc.value;
    const box = form.querySelector(".problems");
    const only = form.elements.only.checked;
    try {
      if (only) await ensure();
      const r = await api("PUT", "scenarios" + q({ session: only ? ctx.session : "" }), { body: doc, headers: { "Content-Type": "application/yaml" } });
      put(box, h("p", { class: "ok" }, `Loaded: ${r.scenarios.join(", ")}${only ? ` (session ${ctx.session} only)` : ""}`));
      await show();
    } catch (e) {
      problems(box, doc, e);
    }
  });
}

export function sessionChanged() { show(); }

export async function show() {
  const id = ctx.session;
  let list, active;
  try {
    list = (await api("GET", "scenarios" + q({ session: id }))).scenarios;
    active = new Set((await api("GET", `sessions/${encodeURIComponent(id)}/scenarios`)).active);
  } catch (e) {
    if (e.status !== 404) { notice("Listing the scenarios failed: " + e.message); return; }
    active = new Set(); // the session does not exist yet: switching one on creates it (the admin API does)
  }
  list = list || [];
  empty.hidden = list.length > 0;
  put(tbody, list.map((sc) => {
    const on = active.has(sc.name);
    const label = `${sc.name} on in session ${id}`;
    return h("tr", { "data-scenario": sc.name },
      h("td", null, h("input", {
        type: "checkbox", role: "switch", checked: on, "aria-label": label,
        onchange: (ev) => toggle(sc, ev.target.checked),
      })),
      h("th", { scope: "row" }, sc.name, sc.session ? h("span", { class: "tag" }, " this session only") : ""),
      h("td", null, sc.description || ""),
      h("td", { class: "mono" }, sc.source),
      h("td", { class: "num" }, sc.rules),
      h("td", null, sc.active ? "yes" : "no"));
  }));
}

// ensure creates the selected session when it does not exist yet (picked with ?session= before
// its first request), so that a scenario file can be loaded for it alone. Creating a session that
// exists changes nothing.
async function ensure() {
  await api("POST", "sessions", { json: { id: ctx.session } });
}

async function toggle(sc, on) {
  const id = encodeURIComponent(ctx.session);
  try {
    if (on) await api("POST", `sessions/${id}/scenarios`, { json: { names: [sc.name] } }); // creates the session
    else await api("DELETE", `sessions/${id}/scenarios/${encodeURIComponent(sc.name)}`);
    notice(`${sc.name} is ${on ? "on" : "off"} in session ${ctx.session}.`, true);
  } catch (e) {
    notice(`Switching ${sc.name} failed: ` + e.message);
  }
  await show();
}
