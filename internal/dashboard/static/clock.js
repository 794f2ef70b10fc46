// Clock & data: the selected session's clock, fixtures, generated data, snapshots.
import { api, adminURL, h, put, q, kv, time, notice, problems } from "./dom.js";

let ctx;
const now = document.getElementById("clk-now");
const snapGet = document.getElementById("snap-get");

export function init(c) {
  ctx = c;
  const sess = () => encodeURIComponent(ctx.session);
  const move = async (body) => {
    try {
      const st = await api("POST", `sessions/${sess()}/clock`, { json: body });
      renderClock(st);
      notice(`Clock of ${ctx.session}: ${time(st.now)} (offset ${st.offset}).`, true);
    } catch (e) { notice("Moving the clock failed: " + e.message); }
  };
  document.getElementById("clk-advance").addEventListener("submit", (ev) => {
    ev.preventDefault();
    move({ advance: ev.target.elements.advance.value.trim() });
  });
  document.getElementById("clk-set").addEventListener("submit", (ev) => {
    ev.preventDefault();
    move({ set: ev.target.elements.set.value.trim() });
  });
  document.getElementById("clk-reset").addEventListener("click", async () => {
    try { renderClock(await api("DELETE", `sessions/${sess()}/clock`)); }
    catch (e) { notice("Resetting the clock failed: " + e.message); }
  });
  const load = (id, method, path, type) => {
    const form = document.getElementById(id);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const doc = form.elements.doc.value;
      const box = form.querySelector(".problems");
      try {
        const r = await api(method, path + q({ session: ctx.session }), { body: doc, headers: { "Content-Type": type } });
        const counts = Object.entries(r.loaded || {}).filter(([k]) => k !== "seed")
          .map(([k, v]) => `${k} ${Object.entries(v).map(([n, c]) => `${c} ${n}`).join(", ")}`);
        put(box, h("p", { class: "ok" }, `Session ${r.session} now holds: ${counts.join("; ") || "nothing"}`));
        ctx.refreshSessions();
      } catch (e) { problems(box, doc, e); }
    });
  };
  load("seed", "POST", "seed", "application/json");
  load("fixtures", "PUT", "fixtures", "application/yaml");
  document.getElementById("snap-put").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = ev.target.elements.file.files[0];
    const box = ev.target.parentElement.querySelector(".problems");
    if (!file) { put(box, h("p", { class: "bad" }, "Choose a snapshot archive first.")); return; }
    try {
      const s = await api("PUT", `sessions/${sess()}/snapshot`, { body: file, headers: { "Content-Type": "application/x-tar" } });
      put(box, h("p", { class: "ok" }, `Restored into ${s.id}: ${s.objects} object(s).`));
    } catch (e) {
      put(box, h("p", { class: "bad" }, e.message + (e.body && e.body.member ? ` (member ${e.body.member})` : "")));
    }
  });
}

function renderClock(st) {
  put(now, ...kv([["session", st.session], ["now", time(st.now)], ["offset", `${st.offset}${st.moved ? "" : " (not moved)"}`]]).childNodes);
}

export function sessionChanged() { show(); }

export async function show() {
  snapGet.href = adminURL(`sessions/${encodeURIComponent(ctx.session)}/snapshot`);
  snapGet.setAttribute("download", `fileemu-${ctx.session}.tar`);
  try {
    renderClock(await api("GET", `sessions/${encodeURIComponent(ctx.session)}/clock`));
  } catch (e) {
    put(now, h("dt", null, "clock"), h("dd", null, e.status === 404 ? "the session does not exist yet" : e.message));
  }
}
