// The dashboard's shell: the views behind #hash links, the selected session, the live stream.
import { api, h, put, notice } from "./dom.js";
import * as requests from "./requests.js";
import * as sessions from "./sessions.js";
import * as scenarios from "./scenarios.js";
import * as clock from "./clock.js";

const views = { requests, sessions, scenarios, clock };
const select = document.getElementById("session");

// ctx is what the views share.
export const ctx = {
  session: new URLSearchParams(location.search).get("session") || "default",
  async refreshSessions() {
    let list = [];
    try {
      list = (await api("GET", "sessions")).sessions;
    } catch (e) {
      notice("Listing the sessions failed: " + e.message);
      return [];
    }
    const ids = list.map((s) => s.id);
    if (!ids.includes(ctx.session)) ids.push(ctx.session);
    ids.sort();
    put(select, ids.map((id) => h("option", { value: id }, id)));
    select.value = ctx.session;
    return list;
  },
  setSession(id) {
    if (id === ctx.session) return;
    ctx.session = id;
    select.value = id;
    for (const el of document.querySelectorAll(".cur-session")) el.textContent = id;
    current()?.sessionChanged?.();
  },
};

// current is the view shown now.
function current() {
  return views[(location.hash || "#requests").slice(1)] || views.requests;
}

function route() {
  const name = (location.hash || "#requests").slice(1);
  const view = views[name] ? name : "requests";
  for (const [n, v] of Object.entries(views)) {
    document.getElementById("view-" + n).hidden = n !== view;
    const link = document.querySelector(`nav a[data-view="${n}"]`);
    if (n === view) {
      link.setAttribute("aria-current", "page");
      v.show(ctx);
    } else {
      link.removeAttribute("aria-current");
    }
  }
  document.title = `fileemu · ${document.querySelector(`nav a[data-view="${view}"]`).textContent}`;
}

select.addEventListener("change", () => ctx.setSession(select.value));
window.addEventListener("hashchange", () => {
  route();
  document.getElementById("main").focus({ preventScroll: true });
});
for (const el of document.querySelectorAll(".cur-session")) el.textContent = ctx.session;

for (const v of Object.values(views)) v.init(ctx);
ctx.refreshSessions();
route();
requests.follow(ctx);
document.documentElement.dataset.ready = "true";
