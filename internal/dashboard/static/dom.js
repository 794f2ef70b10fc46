// DOM and admin API helpers. Everything the dashboard shows is user input (file names, headers,
// bodies): it is only ever put on the page as text nodes and attribute values, never as HTML.

// h builds an element: props are attributes (on* are listeners), children are nodes or text.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "checked" || k === "value" || k === "disabled") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  add(el, children);
  return el;
}

// add appends children: nodes as they are, everything else as text.
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// put replaces el's children.
// put replaces el's children. Live views redraw often: keyboard focus inside el moves to the
// element of the same identity in the new content (see identity), and <details> that were open
// stay open, so traffic does not throw a keyboard user back to the top of the page.
export function put(el, ...children) {
  const a = document.activeElement;
  const focused = a && a !== document.body && el.contains(a) ? identity(a) : null;
  const open = new Set([...el.querySelectorAll("details[open]")].map(identity));
  el.replaceChildren();
  const out = add(el, children);
  for (const d of el.querySelectorAll("details")) {
    if (open.has(identity(d))) d.open = true;
  }
  if (focused) {
    for (const c of el.querySelectorAll("button, a, input, select, textarea, summary, [tabindex]")) {
      if (identity(c) === focused) {
        c.focus({ preventScroll: true });
        break;
      }
    }
  }
  return out;
}

// identity names an element across redraws: its tag, the data-seq or data-key of the row it is
// in, its label and its text.
function identity(node) {
  const row = node.closest("[data-seq],[data-key]");
  const key = row ? row.dataset.seq ?? row.dataset.key : "";
  const label = node.getAttribute("aria-label") ?? node.getAttribute("name") ?? "";
  const text = node.tagName === "DETAILS" ? node.querySelector("summary")?.textContent ?? "" : node.textContent;
  return [node.tagName, key, label, text].join("\u0000");
}

// root is the admin API, relative to the page (/__admin/ui/ -> /__admin/): it works behind a
// proxy that mounts fileemu under a path.
export const root = new URL("../", document.baseURI);

export function adminURL(path) {
  return new URL(path, root).toString();
}

export class APIError extends Error {
  constructor(status, body) {
    const msg = body && typeof body === "object" ? (body.message || body.error) : String(body || "");
    super(`${status}: ${msg}`);
    this.status = status;
    this.body = body;
  }
}

// api calls the admin API. The browser sends the dashboard's cookie (same origin); without
// --admin-token nothing is needed.
export async function api(method, path, opts = {}) {
  const init = { method, headers: { Accept: "application/json", ...(opts.headers || {}) } };
  if (opts.json !== undefined) {
    init.body = JSON.stringify(opts.json);
    init.headers["Content-Type"] = "application/json";
  } else if (opts.body !== undefined) {
    init.body = opts.body;
  }
  const r = await fetch(adminURL(path), init);
  const text = await r.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
  if (!r.ok) throw new APIError(r.status, data);
  return data;
}

export function q(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? "?" + s : "";
}

export function bytes(n) {
  if (n == null) return "";
  if (n < 1024) return `${n} B`;
  const u = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return `${n.toFixed(n < 10 ? 1 : 0)} ${u[i]}`;
}

export function time(s) {
  if (!s || s.startsWith("0001-")) return "";
  const d = new Date(s);
  return isNaN(d) ? s : d.toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, "Z");
}

export function clockTime(s) {
  const d = new Date(s);
  return isNaN(d) ? "" : d.toTimeString().slice(0, 8);
}

// pick reads the first present field of o among names (state documents differ in case).
export function pick(o, ...names) {
  for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

// kv renders pairs as a definition list (values as text).
export function kv(pairs) {
  const dl = h("dl", { class: "kv" });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    dl.append(h("dt", null, k), h("dd", null, v));
  }
  return dl;
}

// pretty indents a JSON text; other text stays as it is.
export function pretty(text) {
  if (typeof text !== "string") return JSON.stringify(text, null, 2);
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

// objectURL is where the dashboard downloads (or previews) one stored object.
export function objectURL(session, name, download) {
  return adminURL(`sessions/${encodeURIComponent(session)}/object` + q({ name, download: download ? "true" : "" }));
}

const previewable = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
export function isImage(ct) {
  return previewable.has(String(ct || "").split(";")[0].trim().toLowerCase());
}

// objectLinks is a download link for a stored object, with a preview for an image.
export function objectLinks(session, name, contentType) {
  const out = [h("a", { href: objectURL(session, name, true), download: "" }, "download")];
  if (isImage(contentType)) {
    out.unshift(h("img", { class: "preview", src: objectURL(session, name), alt: "preview of " + name, loading: "lazy" }), " ");
  }
  return out;
}

// notice shows a message at the top of the page (errors in red).
export function notice(msg, ok) {
  const el = document.getElementById("notice");
  if (!msg) { el.hidden = true; return; }
  el.className = ok ? "notice ok" : "notice";
  put(el, msg);
  el.hidden = false;
  if (ok) setTimeout(() => { if (el.textContent === msg) el.hidden = true; }, 4000);
}

// problems renders a 422's positioned problems under the lines of the document they refer to.
export function problems(box, doc, err) {
  const body = err && err.body;
  const list = body && Array.isArray(body.problems) ? body.problems : null;
  if (!list) {
    put(box, h("p", { class: "bad" }, err ? err.message : ""));
    return;
  }
  const byLine = new Map();
  const loose = [];
  for (const p of list) {
    if (p.line) {
      if (!byLine.has(p.line)) byLine.set(p.line, []);
      byLine.get(p.line).push(p);
    } else loose.push(p);
  }
  const ol = h("ol", { "aria-label": "the document with its problems" });
  doc.split("\n").forEach((line, i) => {
    const ps = byLine.get(i + 1);
    ol.append(h("li", { class: ps ? "bad" : "" }, h("span", { class: "ln" }, i + 1), line));
    for (const p of ps || []) {
      ol.append(h("li", { class: "msg" }, h("span", { class: "ln" }, "↑"),
        `line ${p.line}${p.column ? ", column " + p.column : ""}: ${p.message}`));
    }
  });
  put(box,
    h("p", { class: "bad" }, `${body.error}: ${list.length} problem${list.length === 1 ? "" : "s"}`),
    loose.map((p) => h("p", { class: "bad" }, p.message)),
    byLine.size ? ol : null);
}
