// Sessions: every session, and the selected one's state per API in the API's own terms.
import { api, h, put, q, kv, bytes, time, pick, objectLinks, notice } from "./dom.js";

let ctx;
const tbody = document.querySelector("#sess-table tbody");
const box = document.getElementById("sess-state");

let again = 0;

export function init(c) {
  ctx = c;
  // Live: a request to the selected session (completed: its changes are made) re-reads the
  // state, at most twice a second, while the view is shown.
  document.addEventListener("fileemu:request", (ev) => {
    const e = ev.detail;
    if (e.session !== ctx.session || !e.duration_ms || document.getElementById("view-sessions").hidden || again) return;
    again = setTimeout(() => { again = 0; show(); }, 500);
  });
  document.getElementById("sess-new").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const id = ev.target.elements.id.value.trim();
    try {
      const s = await api("POST", "sessions", { json: id ? { id } : {} });
      ev.target.reset();
      ctx.setSession(s.id);
      await show();
    } catch (e) { notice("Creating the session failed: " + e.message); }
  });
}

export function sessionChanged() { show(); }

export async function show() {
  const list = await ctx.refreshSessions();
  put(tbody, list.map((s) => h("tr", { class: s.id === ctx.session ? "selected" : null, "data-key": s.id },
    h("th", { scope: "row" }, h("button", { class: "link", type: "button", onclick: () => ctx.setSession(s.id) }, s.id)),
    h("td", null, time(s.created)),
    h("td", { class: "num" }, s.objects),
    h("td", { class: "num" }, bytes(s.bytes)),
    h("td", null,
      h("button", { type: "button", onclick: () => reset(s.id) }, "Reset"), " ",
      s.id === "default" ? null : h("button", { type: "button", class: "danger", onclick: () => drop(s.id) }, "Drop")))));
  await renderState();
}

async function reset(id) {
  if (!confirm(`Reset session ${id}? Its files, objects and journal entries go; the clock goes back.`)) return;
  try {
    await api("POST", "reset" + q({ session: id }));
    notice(`Session ${id} reset.`, true);
    await show();
  } catch (e) { notice("Reset failed: " + e.message); }
}

async function drop(id) {
  if (!confirm(`Drop session ${id} with all its state?`)) return;
  try {
    await api("DELETE", `sessions/${encodeURIComponent(id)}`);
    notice(`Session ${id} dropped.`, true);
    if (ctx.session === id) ctx.setSession("default");
    await show();
  } catch (e) { notice("Drop failed: " + e.message); }
}

async function renderState() {
  const id = ctx.session;
  let st;
  try {
    st = await api("GET", "state" + q({ session: id }));
  } catch (e) {
    put(box, h("p", { class: "hint" }, e.status === 404 ? `Session ${id} does not exist yet: it is created on first use.` : e.message));
    return;
  }
  if (id !== ctx.session) return; // another session was chosen meanwhile
  const objects = new Map(st.objects.map((o) => [o.name, o]));
  // link offers a stored object; type is what the API says it is (an upload's own
  // Content-Type may be application/octet-stream), for the preview.
  const link = (name, type) => {
    const o = objects.get(name);
    return o ? objectLinks(id, name, type || o.content_type) : "";
  };
  const sections = [];
  const a = st.apis || {};
  const known = { weavy, desk, haufe, filesro, s3 };
  for (const name of Object.keys(a).sort()) {
    const render = known[name];
    sections.push(h("section", { class: "api", "aria-labelledby": `st-${name}` },
      h("h3", { id: `st-${name}` }, title[name] || name),
      render ? render(a[name], link, objects) : h("pre", { class: "body" }, JSON.stringify(a[name], null, 2))));
  }
  put(box,
    h("h3", null, `State of session ${id}`),
    sections.length ? sections : h("p", { class: "hint" }, "No API was used in this session yet."),
    h("section", { class: "api", "aria-labelledby": "st-objects" },
      h("h3", { id: "st-objects" }, `Stored objects (${st.objects.length})`),
      st.objects.length ? table(["Name", "Type", "Size", "SHA-256", ""], st.objects.map((o) => [
        h("span", { class: "mono" }, o.name), o.content_type, bytes(o.size), h("span", { class: "mono", title: o.sha256 }, o.sha256.slice(0, 12) + "…"),
        objectLinks(id, o.name, o.content_type)])) : h("p", { class: "hint" }, "None.")));
}

const title = { weavy: "Weavy", desk: "Teamwork Desk", haufe: "Haufe Copilot", filesro: "files.ro", s3: "S3" };

function table(head, rows, caption) {
  return h("div", { class: "table-wrap" }, h("table", { class: "grid" },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", null, h("tr", null, head.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c)))))));
}

function weavy(s, link) {
  const apps = s.apps || [];
  const files = s.files || [];
  const out = [];
  if (!apps.length && !files.length) out.push(h("p", { class: "hint" }, "No apps or files."));
  for (const app of apps) {
    const fs = files.filter((f) => f.app_id === app.id);
    out.push(h("h4", null, `App ${app.id}: ${app.name || app.uid} (${app.type}, uid ${app.uid})`));
    out.push(fs.length ? table(["File", "Revisions", "Size", "Type", "Trashed", ""], fs.map((f) => {
      const revs = f.revisions || [];
      const cur = revs[revs.length - 1] || {};
      return [
        h("span", { class: "weavy-file" }, cur.name || `file ${f.id}`),
        h("ol", { class: "revs" }, revs.map((r) => h("li", null, `rev ${r.rev}: ${r.name} · ${bytes(r.size)} · ${time(r.created_at)}`))),
        bytes(cur.size), cur.media_type || "", f.is_trashed ? "yes" : "", link(cur.object, cur.media_type)];
    }), `Files of app ${app.id}`) : h("p", { class: "hint" }, "No files."));
  }
  const orphan = files.filter((f) => !apps.some((a) => a.id === f.app_id));
  if (orphan.length) out.push(h("p", null, `${orphan.length} file(s) of apps not listed.`));
  if ((s.messages || []).length) out.push(h("p", { class: "hint" }, `${s.messages.length} message(s), ${(s.users || []).length} user(s).`));
  return out;
}

function desk(s, link) {
  const files = s.files || s.Files || [];
  if (!files.length) return h("p", { class: "hint" }, "No files.");
  return table(["Id", "File", "State", "Type", "Size", "Created", ""], files.map((f) => [
    pick(f, "id", "ID"), h("span", { class: "desk-file" }, pick(f, "file_name", "FileName")), pick(f, "state", "State"),
    pick(f, "mime_type", "MimeType"), bytes(pick(f, "size", "Size")), time(pick(f, "created_at", "CreatedAt")),
    link("desk-uploads/" + pick(f, "key", "Key"), pick(f, "mime_type", "MimeType"))]), "Desk files");
}

function haufe(s, link) {
  const files = s.files || [];
  const threads = s.threads || [];
  return [
    h("h4", null, `Files (${files.length})`),
    files.length ? table(["File", "Processing", "Persist", "Expires", "Size", "Warnings", ""], files.map((f) => [
      h("span", { class: "haufe-file" }, f.file_name), f.processing_status || (f.uploaded_at ? "" : "waiting for the upload"),
      f.persist ? "yes" : "no", time(f.expires_at), bytes(f.size),
      Object.entries(f.warnings || {}).filter(([, v]) => v).map(([k]) => k).join(", "), link(f.object, f.content_type)]), "Haufe files") : h("p", { class: "hint" }, "No files."),
    h("h4", null, `Threads (${threads.length})`),
    threads.length ? h("ul", null, threads.map((t) => h("li", null,
      h("details", null, h("summary", null, `${t.title || "(untitled)"} · ${(t.messages || []).length} message(s)${t.deleted ? " · deleted" : ""}`),
        h("ul", null, (t.messages || []).map((m) => h("li", null, h("b", null, m.role + ": "), m.content))))))) : h("p", { class: "hint" }, "No threads."),
  ];
}

function filesro(s, link, objects) {
  const items = s.items || [];
  const kids = new Map();
  for (const it of items) {
    const p = it.parent_id || "";
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(it);
  }
  const tree = (parent) => {
    const list = (kids.get(parent) || []).slice().sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "folder" ? -1 : 1));
    if (!list.length) return null;
    return h("ul", null, list.map((it) => h("li", { class: it.kind === "folder" ? "folder" : "file" },
      h("span", { class: "name" }, it.name),
      it.kind === "file" ? [` · ${bytes(it.size)}`, it.width ? ` · ${it.width}×${it.height}` : "", " ", link("_filesro/files/" + it.id, it.mimetype)] : "",
      tree(it.id))));
  };
  const root = tree("");
  root?.classList.add("tree");
  const shares = s.shares || [];
  const names = new Map(items.map((i) => [i.id, i.name]));
  return [
    h("h4", null, `Folder tree of ${(s.owner && s.owner.name) || "the owner"}`),
    root ? h("div", { class: "tree-wrap" }, root) : h("p", { class: "hint" }, "No folders or files."),
    h("h4", null, `Shares (${shares.length})`),
    shares.length ? table(["Token", "Item", "Type", "Permission", "Password", "Expires in"], shares.map((sh) => [
      h("span", { class: "mono" }, sh.token), names.get(sh.item_id) || sh.item_id, sh.type, sh.permission || "",
      sh.protected ? "yes" : "", sh.expire_in ? `${sh.expire_in} h` : ""]), "files.ro shares") : null,
    (s.uploads || []).length ? h("p", null, `${s.uploads.length} chunked upload(s) in progress.`) : null,
  ];
}

function s3(s) {
  const buckets = Array.isArray(s.buckets) ? s.buckets : Object.keys(s.buckets || {});
  return [
    kv([["buckets", buckets.join(", ") || "(none)"]]),
    (s.uploads || []).length ? table(["Multipart upload", "Bucket", "Key", "Parts"], s.uploads.map((u) => [
      h("span", { class: "mono" }, u.id), u.bucket, u.key, (u.parts || []).length]), "multipart uploads") : null,
  ];
}
