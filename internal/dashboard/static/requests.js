// Requests: the journal, live (the admin API's SSE stream, read with fetch so that it works
// with the same credentials as every other call), with filters and a detail pane.
import { api, adminURL, h, put, q, kv, bytes, time, clockTime, pretty, objectLinks, notice } from "./dom.js";

const maxRows = 2000; // the page keeps the newest; the journal itself keeps more
const shownRows = 500; // and shows the newest that match: the table stays quick
const entries = new Map(); // seq -> entry
let lastSeq = 0;
let selected = 0;
let ctx;
let pending = false;
const fresh = new Set();

const form = document.getElementById("req-filters");
const tbody = document.querySelector("#req-table tbody");
const empty = document.getElementById("req-empty");
const detail = document.getElementById("req-detail");
const live = document.getElementById("live");
const apis = new Set();

export function init(c) {
  ctx = c;
  form.addEventListener("input", schedule);
  form.addEventListener("submit", (e) => e.preventDefault());
  document.getElementById("req-clear").addEventListener("click", async () => {
    try {
      await api("DELETE", "requests");
      entries.clear();
      selected = 0;
      detail.hidden = true;
      schedule();
    } catch (e) { notice("Clearing the journal failed: " + e.message); }
  });
}

export function show() { schedule(); }
export function sessionChanged() { schedule(); }

function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

function matches(e, f) {
  if (f.session === "@current" ? e.session !== ctx.session : f.session && e.session !== f.session) return false;
  if (f.api && e.api !== f.api) return false;
  if (f.method && e.method.toUpperCase() !== f.method.trim().toUpperCase()) return false;
  if (f.status === "err") { if (e.status > 0 && e.status < 400) return false; }
  else if (f.status === "scenario") { if (!e.scenario) return false; }
  else if (f.status && String(e.status)[0] !== f.status) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    if (!(e.path.toLowerCase().includes(t) || (e.operation || "").toLowerCase().includes(t))) return false;
  }
  return true;
}

function render() {
  const f = Object.fromEntries(new FormData(form));
  const apiSel = form.elements.api;
  for (const a of apis) {
    if (![...apiSel.options].some((o) => o.value === a)) apiSel.append(h("option", { value: a }, a));
  }
  const rows = [];
  const seqs = [...entries.keys()].sort((a, b) => b - a);
  let more = 0;
  for (const seq of seqs) {
    const e = entries.get(seq);
    if (!matches(e, f)) continue;
    if (rows.length < shownRows) rows.push(row(e));
    else more++;
  }
  put(tbody, rows);
  fresh.clear();
  empty.hidden = rows.length > 0 && more === 0;
  if (more) put(empty, `${more} older matching requests are not shown: narrow the filters.`);
  else if (entries.size > 0 && rows.length === 0) put(empty, "No request matches the filters.");
  if (selected && entries.has(selected) && !detail.hidden) {
    const keep = detail.dataset.seq === String(selected) && detail.dataset.status === String(entries.get(selected).status) &&
      detail.dataset.done === String(entries.get(selected).duration_ms > 0);
    if (!keep) renderDetail(entries.get(selected), false);
  }
}

function row(e) {
  const cls = [e.seq === selected ? "selected" : "", fresh.has(e.seq) ? "fresh" : ""].join(" ").trim();
  const st = e.status === 0 ? "fault" : e.status;
  return h("tr", { class: cls || null, "data-seq": e.seq },
    h("td", { class: "c-time mono" }, clockTime(e.time)),
    h("td", { class: `c-status st st-${String(e.status)[0]}` }, st),
    h("td", { class: "c-method mono" }, e.method),
    h("td", { class: "c-path mono" },
      h("button", { class: "link", type: "button", "aria-label": `${e.method} ${e.path}: details`, onclick: () => select(e.seq) }, e.path)),
    h("td", { class: "c-op" }, e.operation || ""),
    h("td", { class: "c-session" }, e.session),
    h("td", { class: "c-dur num" }, e.duration_ms ? e.duration_ms.toFixed(1) : ""),
    h("td", { class: "c-scenario" }, e.scenario ? h("span", { class: "tag scenario", title: e.rule || "" }, e.scenario) : ""));
}

function select(seq) {
  selected = seq;
  renderDetail(entries.get(seq), true);
  schedule();
}

// violations are what the emulator found wrong with a request, sent as a response header.
function violations(e) {
  const raw = e.response_headers && e.response_headers["X-Fileemu-Violations"];
  if (!raw) return [];
  try {
    const vs = JSON.parse(raw);
    return Array.isArray(vs) ? vs : [];
  } catch { return [String(raw)]; }
}

function violationText(v) {
  if (typeof v !== "object") return String(v);
  const where = [v.in, v.name || v.pointer].filter(Boolean).join(" ");
  return `${where ? where + ": " : ""}${v.message || ""}${v.keyword ? ` (${v.keyword})` : ""}`;
}

function headerTable(hs) {
  return kv(Object.keys(hs || {}).sort().map((k) => [k, hs[k]]));
}

async function renderDetail(e, focus) {
  if (!e) return;
  detail.hidden = false;
  detail.dataset.seq = e.seq;
  detail.dataset.status = e.status;
  detail.dataset.done = String(e.duration_ms > 0);
  document.querySelector("#view-requests .split").classList.add("open");
  const vs = violations(e);
  const query = e.query ? [...new URLSearchParams(e.query)] : [];
  const upload = h("div", { class: "upload" });
  put(detail,
    h("header", null,
      h("h3", null, `${e.method} ${e.path}`),
      h("button", { type: "button", onclick: () => { detail.hidden = true; selected = 0; document.querySelector("#view-requests .split").classList.remove("open"); schedule(); } }, "Close")),
    kv([
      ["status", e.status === 0 ? "0 (connection broken)" : String(e.status)],
      ["operation", e.operation || "(none)"],
      ["api", e.api],
      ["session", e.session],
      ["time", time(e.time)],
      ["duration", e.duration_ms ? `${e.duration_ms} ms` : "running"],
      ["request id", e.request_id],
      ["error", e.error],
      ["scenario", e.scenario ? `${e.scenario} (${e.rule || ""})` : ""],
    ]),
    vs.length ? [h("h4", null, "Violations"), h("ul", { class: "violations" }, vs.map((v) => h("li", null, violationText(v))))] : null,
    query.length ? [h("h4", null, "Query"), kv(query)] : null,
    h("h4", null, "Request headers"), headerTable(e.headers),
    e.request_body ? [h("h4", null, "Request body"), h("pre", { class: "body" }, pretty(e.request_body))] : null,
    e.body_size ? [h("h4", null, "Upload"), kv([["size", `${bytes(e.body_size)} (${e.body_size} bytes)`], ["SHA-256", e.body_sha256]]), upload] : null,
    h("h4", null, "Response headers"), headerTable(e.response_headers),
    e.response_body ? [h("h4", null, "Response body"), h("pre", { class: "body response-body" }, pretty(e.response_body))] : null);
  if (focus) detail.focus({ preventScroll: false });
  if (e.body_sha256) {
    try {
      const st = await api("GET", "state" + q({ session: e.session }));
      const objs = st.objects.filter((o) => o.sha256 === e.body_sha256);
      put(upload, objs.length
        ? h("ul", null, objs.map((o) => h("li", null, h("span", { class: "mono" }, o.name), " ", objectLinks(e.session, o.name, o.content_type))))
        : h("p", { class: "hint" }, "No stored object has these bytes now."));
    } catch (err) {
      put(upload, h("p", { class: "hint" }, "The session is gone: " + err.message));
    }
  }
}

function take(e, isNew) {
  if (!entries.has(e.seq) && isNew) fresh.add(e.seq);
  entries.set(e.seq, e);
  if (e.api) apis.add(e.api);
  // Other views follow what the requests change (the Sessions view re-reads the state).
  document.dispatchEvent(new CustomEvent("fileemu:request", { detail: e }));
  lastSeq = Math.max(lastSeq, e.seq);
  if (entries.size > maxRows) {
    const old = [...entries.keys()].sort((a, b) => a - b).slice(0, entries.size - maxRows);
    for (const s of old) entries.delete(s);
  }
  schedule();
}

function setLive(on, text) {
  live.className = "live " + (on ? "on" : "off");
  live.textContent = text;
}

// follow reads the journal and then its live stream, reconnecting where it left off.
export async function follow() {
  try {
    const { requests } = await api("GET", "requests" + q({ limit: 500 }));
    for (const e of requests) take(e, false);
  } catch (e) {
    setLive(false, "journal unavailable: " + e.message);
    if (e.status === 401) return;
  }
  // Reconnect with a growing pause (2 s to 30 s); a 401 (a restart with another token) stops it.
  for (let pause = 2000; ; pause = Math.min(pause * 2, 30000)) {
    try {
      const r = await fetch(adminURL("requests/stream" + q({ after: String(lastSeq) })), { headers: { Accept: "text/event-stream" } });
      if (r.status === 401) {
        setLive(false, "signed out: open this page with ?token= again");
        return;
      }
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      setLive(true, "live");
      pause = 1000; // doubled to 2 s before the next attempt
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value.replace(/\r\n/g, "\n");
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          event(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
      setLive(false, "reconnecting…");
    } catch (e) {
      setLive(false, "disconnected: " + e.message);
    }
    await new Promise((res) => setTimeout(res, pause));
  }
}

async function event(block) {
  let kind = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) kind = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (kind === "request" || kind === "update") {
    try { take(JSON.parse(data.join("\n")), kind === "request"); } catch { /* a broken event: skip it */ }
  } else if (kind === "lost") {
    try {
      const { requests } = await api("GET", "requests" + q({ limit: 500 }));
      for (const e of requests) take(e, false);
    } catch (e) {
      setLive(false, "journal unavailable: " + e.message);
    }
  }
}
