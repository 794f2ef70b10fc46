// @fileemu/testing: the JavaScript client of fileemu's admin API for tests. It mirrors the Go
// test kit (testkit): an emulator (connected to by URL, or started from the binary or the
// image), isolated sessions, journal queries and assertions, scenarios, fixtures, snapshots and
// the session clock. It speaks HTTP only (global fetch), so it works the same against the
// binary, a container or a shared emulator. Types: index.d.ts.

import { spawn } from 'node:child_process';
import { AssertionError } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The path prefix that selects a session: {base}/_s/{id}/... (emulator.SessionPrefix). */
export const SESSION_PREFIX = '/_s/';

// What a client of each API appends to the emulator's (or a session's) base URL to get the base
// URL it is configured with: the Base column of the emulator's endpoint table
// (emulator/endpoints.go). Haufe, Weavy and files.ro clients take the host alone and append
// whole paths. The tests check this table against the APIs the emulator reports and their specs.
const API_PATHS = Object.freeze({
  s3: '/s3',
  haufe: '',
  desk: '/desk/api/v2',
  weavy: '',
  filesro: '',
  admin: '/__admin',
});

/**
 * apiPath is the path a client of api appends to the emulator's (or a session's) base URL
 * (testkit.APIPath). An unknown name throws, listing the known ones.
 */
export function apiPath(api) {
  if (!Object.hasOwn(API_PATHS, api)) {
    throw new Error(`fileemu: unknown API ${JSON.stringify(api)} (known: ${Object.keys(API_PATHS).join(', ')})`);
  }
  return API_PATHS[api];
}

/** An admin call answered with a status the call does not expect, or not answered at all. */
export class FileemuError extends Error {
  constructor(message, { method, path: p, status, code, body, problems, violations, member, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'FileemuError';
    this.method = method;
    this.path = p;
    this.status = status; // undefined when no answer came
    this.code = code; // the admin API's error code, e.g. invalid_clock
    this.body = body;
    this.problems = problems; // scenario and fixture documents: [{line, column, message}]
    this.violations = violations; // requests that break admin.yaml
    this.member = member; // snapshots: the archive member at fault
  }
}

// errorOf words a refused admin call: the admin API's message, then each positioned problem or
// spec violation, so a test's failure says what the emulator said without a second look.
function errorOf(method, p, status, text, label) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const lines = [];
  let msg = text.trim();
  if (body && typeof body === 'object') {
    msg = body.message || body.error || msg;
    for (const pr of body.problems ?? []) {
      const pos = pr.line ? `${label ?? 'document'}:${pr.line}:${pr.column ?? 0}: ` : '';
      lines.push(`  ${pos}${pr.message}`);
    }
    // Spec violations: each once, where the message does not already say it.
    for (const v of body.violations ?? []) {
      const text = typeof v === 'string' ? v : `${v.in ?? ''} ${v.pointer || v.name || ''}: ${v.message ?? JSON.stringify(v)}`.trim();
      if (!msg.includes(v?.message ?? text)) lines.push(`  ${text}`);
    }
    if (body.member !== undefined) lines.push(`  member: ${JSON.stringify(body.member)}`);
  }
  const message = [`fileemu: admin ${method} ${p}: status ${status}: ${msg}`, ...lines].join('\n');
  return new FileemuError(message, {
    method, path: p, status, body: body ?? text,
    code: body?.error, problems: body?.problems, violations: body?.violations, member: body?.member,
  });
}

// journalQuery turns a session and filters into the journal's query parameters. Filters are
// {operation, api, method, status, path, after, limit} (testkit.Operation, API, Method, ...).
const FILTERS = ['operation', 'api', 'method', 'status', 'path', 'after', 'limit'];
function journalQuery(session, filters = {}) {
  const q = {};
  if (session) q.session = session;
  for (const [k, v] of Object.entries(filters ?? {})) {
    if (!FILTERS.includes(k)) {
      throw new TypeError(`fileemu: unknown journal filter ${JSON.stringify(k)} (known: ${FILTERS.join(', ')})`);
    }
    if (v !== undefined && v !== null) q[k] = String(v);
  }
  return q;
}

/**
 * goDuration writes a duration for the clock routes: a string is a Go duration as it is ('25h',
 * '-10m', '1h30m'); a number is milliseconds.
 */
function goDuration(d) {
  if (typeof d === 'string') return d;
  if (typeof d === 'number' && Number.isFinite(d)) return `${d}ms`;
  throw new TypeError(`fileemu: a duration is a Go duration string ('25h') or milliseconds, not ${JSON.stringify(d)}`);
}

function clockState(w) {
  return { session: w.session, now: new Date(w.now), offset: w.offset, offsetSeconds: w.offset_seconds, moved: w.moved };
}

/** A client of the admin API over HTTP (testkit.Admin). */
export class Admin {
  #base;
  #token;
  #onResponse;

  /**
   * @param baseURL the emulator's base URL, e.g. http://127.0.0.1:8080
   * @param opts token: the admin token (--admin-token); onResponse: called with every admin
   *   exchange (method, url, path, status, headers, body text or undefined for archives and
   *   streams) before it is judged, e.g. to validate answers against admin.yaml.
   */
  constructor(baseURL, { token, onResponse } = {}) {
    this.#base = String(baseURL).replace(/\/+$/, '') + API_PATHS.admin;
    this.#token = token ?? '';
    this.#onResponse = onResponse;
  }

  /** The admin API's base URL (…/__admin). */
  get url() {
    return this.#base;
  }

  // send sends one admin request and returns the response unread; a transport failure is a
  // FileemuError without status.
  async #send(method, p, { query, body, contentType, headers, signal } = {}) {
    let u = this.#base + p;
    const qs = new URLSearchParams(query ?? {}).toString();
    if (qs) u += '?' + qs;
    const h = { ...(headers ?? {}) };
    if (body !== undefined) h['content-type'] = contentType;
    if (this.#token) h.authorization = `Bearer ${this.#token}`;
    const init = { method, headers: h, signal };
    if (body !== undefined) {
      init.body = body;
      // A stream body needs half duplex (fetch refuses one otherwise).
      if (typeof body?.getReader === 'function' || typeof body?.[Symbol.asyncIterator] === 'function') init.duplex = 'half';
    }
    try {
      return { res: await fetch(u, init), url: u };
    } catch (err) {
      throw new FileemuError(`fileemu: admin ${method} ${p}: ${err.cause?.message ?? err.message}`, { method, path: p, cause: err });
    }
  }

  // call sends one admin request and returns its JSON answer (undefined for an empty one) when
  // the status is one of want; any other status throws the admin API's message.
  async #call(method, p, { query, json, body, contentType, want = [200], label } = {}) {
    if (json !== undefined) {
      body = JSON.stringify(json);
      contentType = 'application/json';
    }
    const { res, url } = await this.#send(method, p, { query, body, contentType });
    const text = await res.text();
    this.#observe(method, url, p, res, text);
    if (!want.includes(res.status)) throw errorOf(method, p, res.status, text, label);
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new FileemuError(`fileemu: admin ${method} ${p}: status ${res.status}: not JSON: ${err.message}`, { method, path: p, status: res.status, body: text });
    }
  }

  #observe(method, url, p, res, text) {
    this.#onResponse?.({ method, url, path: p, status: res.status, headers: res.headers, body: text });
  }

  /** Health checks that the emulator answers; it returns GET /__admin/health's answer. */
  health() {
    return this.#call('GET', '/health');
  }

  /** createSession creates (or keeps) the session id; without id the emulator picks one. */
  createSession(id) {
    return this.#call('POST', '/sessions', { json: id ? { id } : {}, want: [200, 201] });
  }

  /** deleteSession drops a session with its state. */
  async deleteSession(id) {
    await this.#call('DELETE', `/sessions/${encodeURIComponent(id)}`, { want: [204] });
  }

  /** reset resets one session, or all when id is empty. */
  async reset(id) {
    await this.#call('POST', '/reset', { query: id ? { session: id } : {} });
  }

  /** requests lists the journal entries of a session (all sessions when empty) matching filters. */
  async requests(session, filters) {
    return (await this.#call('GET', '/requests', { query: journalQuery(session, filters) })).requests;
  }

  /** count counts the journal entries of a session matching filters. */
  async count(session, filters) {
    const q = journalQuery(session, filters);
    delete q.limit; // the count route has no limit
    return (await this.#call('GET', '/requests/count', { query: q })).count;
  }

  /** state returns the state dump of a session. */
  state(session) {
    return this.#call('GET', '/state', { query: session ? { session } : {} });
  }

  /**
   * putScenarios adds scenarios from a scenario document (YAML or JSON text); with a session
   * they apply to that session only. It returns the names added.
   */
  async putScenarios(session, doc, { label } = {}) {
    const out = await this.#call('PUT', '/scenarios', {
      query: session ? { session } : {}, body: String(doc), contentType: 'application/yaml', label,
    });
    return out.scenarios;
  }

  /** activateScenarios turns loaded scenarios on for a session; it returns the active names. */
  async activateScenarios(session, names) {
    return (await this.#call('POST', `/sessions/${encodeURIComponent(session)}/scenarios`, { json: { names } })).active;
  }

  /**
   * putFixtures replaces the state of session (the default session when empty) with a fixture
   * document (YAML or JSON text, contents inline: see resolveFixtures). It returns the counts loaded.
   */
  putFixtures(session, doc, { label } = {}) {
    return this.#call('PUT', '/fixtures', {
      query: session ? { session } : {}, body: String(doc), contentType: 'application/yaml', label,
    });
  }

  /**
   * seed replaces the state of session (the default session when empty) with generated data:
   * counts is the body of POST /__admin/seed, e.g. {weavy: {apps: 2, files: 10}, seed: 7}.
   */
  seed(session, counts) {
    const body = typeof counts === 'string' ? counts : JSON.stringify(counts);
    return this.#call('POST', '/seed', { query: session ? { session } : {}, body, contentType: 'application/json' });
  }

  /**
   * snapshot returns the archive (tar) of the session's whole state and stored bytes: restore it
   * with restore, into this or any session of any emulator of the same version.
   */
  async snapshot(session) {
    const p = `/sessions/${encodeURIComponent(session)}/snapshot`;
    const { res, url } = await this.#send('GET', p);
    if (res.status !== 200) {
      const text = await res.text();
      this.#observe('GET', url, p, res, text);
      throw errorOf('GET', p, res.status, text);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    this.#observe('GET', url, p, res, undefined);
    return bytes;
  }

  /**
   * snapshotTo streams the archive of the session into dest: a Node writable stream (a file's,
   * fs.createWriteStream) or a web WritableStream, without holding it in memory.
   */
  async snapshotTo(session, dest) {
    const p = `/sessions/${encodeURIComponent(session)}/snapshot`;
    const { res, url } = await this.#send('GET', p);
    if (res.status !== 200) {
      const text = await res.text();
      this.#observe('GET', url, p, res, text);
      throw errorOf('GET', p, res.status, text);
    }
    this.#observe('GET', url, p, res, undefined);
    try {
      if (typeof dest?.getWriter === 'function') await res.body.pipeTo(dest);
      else await pipeline(Readable.fromWeb(res.body), dest);
    } catch (err) {
      throw new FileemuError(`fileemu: admin GET ${p}: read: ${err.message}`, { method: 'GET', path: p, status: 200, cause: err });
    }
  }

  /**
   * restore replaces the session's state (creating the session if needed) with the archive's:
   * bytes (Uint8Array, Buffer, Blob) or a ReadableStream, sent as it comes. An archive the
   * emulator cannot read changes nothing; the error names the member at fault.
   */
  restore(session, archive) {
    return this.#call('PUT', `/sessions/${encodeURIComponent(session)}/snapshot`, {
      body: archive, contentType: 'application/x-tar',
    });
  }

  #clockPath(session) {
    return session ? `/sessions/${encodeURIComponent(session)}/clock` : '/clock';
  }

  /** getClock reads a session's clock, or the emulator clock when session is empty. */
  async getClock(session) {
    return clockState(await this.#call('GET', this.#clockPath(session)));
  }

  /**
   * advanceClock moves a session's clock (the emulator clock when session is empty) by d (a Go
   * duration string or milliseconds; negative goes back, never before the emulator's start).
   */
  async advanceClock(session, d) {
    return clockState(await this.#call('POST', this.#clockPath(session), { json: { advance: goDuration(d) } }));
  }

  /** setClock makes a clock read t (a Date or an RFC 3339 string) now; it runs on from there. */
  async setClock(session, t) {
    const set = t instanceof Date ? t.toISOString() : String(t);
    return clockState(await this.#call('POST', this.#clockPath(session), { json: { set } }));
  }

  /** resetClock puts a session's clock back on the emulator clock, or the emulator clock on real time. */
  async resetClock(session) {
    return clockState(await this.#call('DELETE', this.#clockPath(session)));
  }

  /** clock is the emulator clock: every session's clock runs on it. */
  get clock() {
    return new RemoteClock(this, '');
  }

  /**
   * follow opens the live journal stream of session (empty: every session) with filters. It
   * resolves once the stream is open, so it holds everything that happens after that.
   */
  async follow(session, filters) {
    const ac = new AbortController();
    const p = '/requests/stream';
    const { res, url } = await this.#send('GET', p, { query: journalQuery(session, filters), signal: ac.signal });
    if (res.status !== 200) {
      const text = await res.text();
      this.#observe('GET', url, p, res, text);
      throw errorOf('GET', p, res.status, text);
    }
    this.#observe('GET', url, p, res, undefined);
    return new EventStream(res.body, ac);
  }
}

/**
 * EventStream is the live journal (GET /__admin/requests/stream): an async iterable of events
 * {kind: 'request' | 'update' | 'lost', request}. close() ends it.
 */
export class EventStream {
  #reader;
  #ac;
  #buf = '';
  #queue = [];
  #done = false;
  #pending;

  constructor(body, ac) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
    this.#ac = ac;
  }

  // parse takes whole events (up to a blank line) off the buffer: `event:` names it, `data:`
  // lines are its data; comments (heartbeats), ids and retry fields are skipped.
  #parse() {
    let i;
    while ((i = this.#buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = this.#buf.slice(0, i);
      this.#buf = this.#buf.slice(this.#buf.slice(i).match(/^\r?\n\r?\n/)[0].length + i);
      let kind = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        if (line.startsWith('event:')) kind = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      const ev = { kind };
      if (kind === 'request' || kind === 'update') {
        try {
          ev.request = JSON.parse(data.join('\n'));
        } catch {
          continue; // not an entry: nothing to hand on
        }
      }
      this.#queue.push(ev);
    }
  }

  // pull reads the next piece of the stream into the queue; one read at a time, so a next()
  // that gave up waiting loses nothing: what its read brings stays queued for the next call.
  #pull() {
    this.#pending ??= (async () => {
      let r;
      try {
        r = await this.#reader.read();
      } catch (err) {
        if (!this.#ac.signal.aborted) throw err;
        r = { done: true };
      }
      if (r.done) {
        this.#done = true;
        return;
      }
      this.#buf += r.value;
      this.#parse();
    })().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * next resolves with the next event, or undefined when the stream ended. With timeout (ms) it
   * rejects when no event came in time; the stream stays open and nothing is lost.
   */
  async next({ timeout } = {}) {
    let timer;
    const late = timeout
      ? new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`fileemu: no journal event within ${timeout} ms`)), timeout);
        })
      : undefined;
    try {
      while (this.#queue.length === 0) {
        if (this.#done) return undefined;
        await (late ? Promise.race([this.#pull(), late]) : this.#pull());
      }
      return this.#queue.shift();
    } finally {
      clearTimeout(timer);
    }
  }

  /** close ends the stream. */
  close() {
    this.#done = true;
    this.#ac.abort();
  }

  async *[Symbol.asyncIterator]() {
    try {
      for (;;) {
        const ev = await this.next();
        if (ev === undefined) return;
        yield ev;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * RemoteClock moves a clock of a running emulator over the admin API: a session's
 * (session.clock) or the emulator's (admin.clock), testkit.RemoteClock.
 */
export class RemoteClock {
  #admin;
  #session;

  constructor(admin, session) {
    this.#admin = admin;
    this.#session = session;
  }

  /** now is what the clock reads. */
  async now() {
    return (await this.#admin.getClock(this.#session)).now;
  }

  /** advance moves the clock by d ('25h', '-10m' or milliseconds) and returns what it reads then. */
  async advance(d) {
    return (await this.#admin.advanceClock(this.#session, d)).now;
  }

  /** set makes the clock read t now (it runs on from there) and returns what it reads. */
  async set(t) {
    return (await this.#admin.setClock(this.#session, t)).now;
  }

  /** reset puts the clock back: a session's on the emulator clock, the emulator's on real time. */
  async reset() {
    await this.#admin.resetClock(this.#session);
  }

  /** state is the whole answer of the admin API: now, offset, offsetSeconds, moved. */
  state() {
    return this.#admin.getClock(this.#session);
  }
}

/**
 * resolveFixtures reads a fixture file and returns it as a document PUT /__admin/fixtures takes:
 * the file as it is, or, when it has `path:` contents, with each read next to the file and
 * inlined as base64 (that needs the package "yaml"). A missing path throws with file:line:column.
 */
export async function resolveFixtures(file) {
  const text = await readFile(file, 'utf8');
  if (!/(^|[\s{,])path\s*:/m.test(text)) return text;
  let YAML;
  try {
    YAML = await import('yaml');
  } catch {
    throw new Error(`fileemu: ${file} has path: contents; resolving them needs the package "yaml" (npm install --save-dev yaml)`);
  }
  const lc = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc });
  const where = (node) => {
    const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
    return pos ? `${file}:${pos.line}:${pos.col}` : file;
  };
  if (doc.errors.length > 0) {
    throw new Error(doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 0}:${e.linePos?.[0]?.col ?? 0}: ${e.message}`).join('\n'));
  }
  const found = [];
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
      if (key !== 'content' || !YAML.isMap(pair.value) || !pair.value.has('path')) return;
      found.push(pair);
    },
  });
  const dir = path.dirname(file);
  const problems = [];
  for (const pair of found) {
    const node = pair.value.get('path', true);
    const rel = YAML.isScalar(node) ? node.value : undefined;
    if (typeof rel !== 'string' || rel === '' || path.isAbsolute(rel)) {
      problems.push(`${where(node)}: path ${JSON.stringify(rel)} must be relative to the fixture file`);
      continue;
    }
    try {
      const bytes = await readFile(path.join(dir, rel));
      pair.value = doc.createNode({ base64: bytes.toString('base64') });
    } catch (err) {
      problems.push(`${where(node)}: path ${JSON.stringify(rel)}: ${err.code === 'EISDIR' ? 'is a directory' : err.message}`);
    }
  }
  if (problems.length > 0) throw new Error(`fileemu: fixtures:\n${problems.join('\n')}`);
  return doc.toString({ lineWidth: 0 });
}

const unsafeID = /[^A-Za-z0-9._-]+/g;

/** sessionID makes a session id from a test's name: the name made safe, then random hex. */
export function sessionID(name = 'session') {
  let n = String(name).replace(unsafeID, '_');
  if (n.length > 40) n = n.slice(-40);
  n = n.replace(/^[._-]+|[._-]+$/g, '') || 'session';
  return `${n}-${randomBytes(4).toString('hex')}`;
}

/** Session is one isolated namespace of an emulator (testkit.Session). */
export class Session {
  #base;

  constructor(baseURL, admin, id) {
    this.#base = String(baseURL).replace(/\/+$/, '');
    /** The admin client the session talks through. */
    this.admin = admin;
    /** The session id. */
    this.id = id;
    /** This session's clock: moving it expires this session's URLs and files, nobody else's. */
    this.clock = new RemoteClock(admin, id);
  }

  /**
   * url returns the base URL a client of api should be configured with to use this session,
   * e.g. url('haufe') + '/v1/files/signed-url'; url() is the session's base URL. The admin API
   * has no session: url('admin') is the emulator's admin base. An unknown API throws.
   */
  url(api = '') {
    if (api === '') return this.#base + SESSION_PREFIX + this.id;
    const p = apiPath(api);
    if (api === 'admin') return this.#base + p;
    return this.#base + SESSION_PREFIX + this.id + p;
  }

  /** requests returns this session's journal entries matching filters, oldest first. */
  requests(filters) {
    return this.admin.requests(this.id, filters);
  }

  /** count returns how many journal entries of this session match filters. */
  count(filters) {
    return this.admin.count(this.id, filters);
  }

  /**
   * assertCalled throws an AssertionError unless the operation was called exactly n times in
   * this session; the error lists what the session saw.
   */
  async assertCalled(operationID, n) {
    const got = await this.count({ operation: operationID });
    if (got === n) return;
    const seen = (await this.requests()).map((r) => `${r.method} ${r.path} (${r.operation ?? ''}) ${r.status}`);
    throw new AssertionError({
      message: `operation ${operationID} called ${got} times, want ${n}; session ${this.id} saw: ${seen.join(', ') || 'nothing'}`,
      actual: got,
      expected: n,
      operator: 'assertCalled',
      stackStartFn: this.assertCalled,
    });
  }

  /**
   * loadScenario loads the scenarios of a file for this session only. Scenarios marked active
   * apply at once; others wait for activateScenarios or the X-Fileemu-Scenario header.
   */
  async loadScenario(file) {
    return this.admin.putScenarios(this.id, await readFile(file, 'utf8'), { label: file });
  }

  /** loadScenarioText is loadScenario for a document in a string. */
  loadScenarioText(doc) {
    return this.admin.putScenarios(this.id, doc);
  }

  /** activateScenarios turns loaded scenarios on for this session. */
  activateScenarios(...names) {
    return this.admin.activateScenarios(this.id, names.flat());
  }

  /**
   * loadFixtures replaces this session's state with what the fixture file declares, its path:
   * contents read next to it on this machine. A file with a problem throws with every
   * file:line:column message, and the session is left as it was.
   */
  async loadFixtures(file) {
    const doc = await resolveFixtures(file);
    return this.admin.putFixtures(this.id, doc, { label: file });
  }

  /** loadFixturesText loads a fixture document in a string (contents inline). */
  loadFixturesText(doc) {
    return this.admin.putFixtures(this.id, doc);
  }

  /** seed replaces this session's state with generated data (counts per API, see Admin.seed). */
  seed(counts) {
    return this.admin.seed(this.id, counts);
  }

  /** snapshot returns the archive of this session's state and stored bytes. */
  snapshot() {
    return this.admin.snapshot(this.id);
  }

  /** restore replaces this session's state with an archive's. */
  restore(archive) {
    return this.admin.restore(this.id, archive);
  }

  /** state returns the admin state dump of this session. */
  state() {
    return this.admin.state(this.id);
  }

  /** reset drops the session's state and journal, keeping the session. */
  reset() {
    return this.admin.reset(this.id);
  }

  /** follow streams this session's journal live (see Admin.follow); close the stream when done. */
  follow(filters) {
    return this.admin.follow(this.id, filters);
  }

  /** close drops the session with its state. */
  close() {
    return this.admin.deleteSession(this.id);
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }
}

/**
 * Emulator is a running emulator: one connected to by URL, or one this process started (the
 * binary or the image), which close() stops.
 */
export class Emulator {
  #stop;

  constructor(url, admin, stop) {
    /** The emulator's base URL, e.g. http://127.0.0.1:41234. */
    this.url = url;
    /** The admin API client. */
    this.admin = admin;
    this.#stop = stop;
  }

  /** session creates an isolated session named after name (plus random hex); close() drops it. */
  async session(name) {
    const id = sessionID(name);
    await this.admin.createSession(id);
    return new Session(this.url, this.admin, id);
  }

  /**
   * resume returns the session id, created if it does not exist (testkit.Emulator.Resume): a
   * session kept in a data directory, used again after a restart. Nothing drops it on its own.
   */
  async resume(id) {
    await this.admin.createSession(id);
    return new Session(this.url, this.admin, id);
  }

  /** close stops an emulator this process started; for a connected one it does nothing. */
  async close() {
    const stop = this.#stop;
    this.#stop = undefined;
    await stop?.();
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }
}

/**
 * connect returns the emulator at url after checking that it answers (GET /__admin/health).
 * close() leaves it running.
 */
export async function connect(url, { token, onResponse } = {}) {
  const base = String(url).replace(/\/+$/, '');
  const admin = new Admin(base, { token, onResponse });
  await admin.health();
  return new Emulator(base, admin);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// waitHealthy polls GET /__admin/health until it answers 200, or until the deadline.
async function waitHealthy(admin, deadline, alive) {
  let last;
  while (Date.now() < deadline) {
    if (alive && !alive()) throw new Error('the emulator exited');
    try {
      await admin.health();
      return;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  throw new Error(`no healthy answer from ${admin.url}/health in time: ${last?.message ?? 'none'}`);
}

/**
 * start runs an emulator for this process. Without image: the binary (bin, else $FILEEMU_BIN,
 * else fileemu from PATH) on a free loopback port, with args added after `serve`; it resolves
 * once GET /__admin/health answers, and close() stops the process (SIGTERM, then SIGKILL). With
 * image: that image through testcontainers (an optional peer dependency), stopped on close().
 */
export async function start(opts = {}) {
  if (opts.image) return startContainer(opts);
  return startBinary(opts);
}

// listenAddr finds the address in the emulator's "fileemu listening" log line, JSON (what start
// asks for) or text (args with --log-format text).
function listenAddr(line) {
  try {
    const rec = JSON.parse(line);
    return rec.msg === 'fileemu listening' ? rec.addr : undefined;
  } catch {
    return line.match(/msg="fileemu listening".*\baddr=(\S+)/)?.[1];
  }
}

// flagValue is the value of --name in args (--name v or --name=v), the last one winning as in
// the flag parser; an address that listens everywhere is called on loopback.
function flagValue(args, name) {
  let v;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].replace(/^--?/, '-');
    if (a === `-${name}`) v = args[++i];
    else if (a.startsWith(`-${name}=`)) v = a.slice(name.length + 2);
  }
  return v?.replace(/^(0\.0\.0\.0|\[::\]|)(?=:)/, '127.0.0.1');
}

async function startBinary({ bin, args = [], token, env, timeout = 30_000, onResponse } = {}) {
  // The binary reads FILEEMU_ADMIN_TOKEN from its environment: the client must send it then.
  token ??= env?.FILEEMU_ADMIN_TOKEN ?? process.env.FILEEMU_ADMIN_TOKEN;
  const exe = bin || process.env.FILEEMU_BIN || 'fileemu';
  const argv = ['serve', '--addr', '127.0.0.1:0', '--log-format', 'json'];
  const fixedAddr = flagValue(args, 'addr');
  if (token) argv.push('--admin-token', token);
  argv.push(...args);
  const child = spawn(exe, argv, { env: { ...process.env, ...(env ?? {}) }, stdio: ['ignore', 'ignore', 'pipe'] });
  // The last lines of its log: what a failure to start reports. The log is read to its end, so a
  // busy emulator never blocks on a full pipe.
  const tail = [];
  let exited = false;
  // A binary that cannot be run emits 'error' and never 'exit': either ends it.
  let spawnFailed;
  const spawnError = new Promise((_, reject) => {
    spawnFailed = reject;
  });
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      exited = true;
      resolve({ error: err });
      spawnFailed(err);
    });
  });
  spawnError.catch(() => {}); // judged in the race below; never an unhandled rejection
  // A process that outlives its test run would hold the port and the memory: kill it at exit.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const listening = new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        const addr = listenAddr(line);
        if (addr) resolve(addr);
      }
    });
    // args with an --addr of their own: that address, whatever the log says (or does not, at
    // --log-level warn).
    if (fixedAddr) resolve(fixedAddr);
    exit.then(({ code, signal, error }) => reject(error ?? new Error(`${exe} exited (${signal ?? `status ${code}`}) before listening`)));
  });

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeout;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not listening within ${timeout} ms`)), timeout);
  });
  try {
    const addr = await Promise.race([listening, spawnError, late]);
    const url = `http://${addr}`;
    const admin = new Admin(url, { token, onResponse });
    await waitHealthy(admin, deadline, () => !exited);
    const emu = new Emulator(url, admin, stop);
    emu.pid = child.pid;
    return emu;
  } catch (err) {
    await stop();
    const log = tail.length ? `\n${tail.join('\n')}` : '';
    throw new Error(`fileemu: start ${exe}: ${err.code === 'ENOENT' ? 'not found (set FILEEMU_BIN or put fileemu on PATH)' : err.message}${log}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

async function startContainer({ image, token, env, timeout = 60_000, onResponse } = {}) {
  let tc;
  try {
    tc = await import('testcontainers');
  } catch (err) {
    throw new Error('fileemu: starting the image needs the package "testcontainers" (npm install --save-dev testcontainers)', { cause: err });
  }
  const environment = { ...(env ?? {}) };
  if (token) environment.FILEEMU_ADMIN_TOKEN = token;
  const container = await new tc.GenericContainer(image)
    .withExposedPorts(8080)
    .withEnvironment(environment)
    .withWaitStrategy(tc.Wait.forHttp('/__admin/health', 8080).forStatusCode(200))
    .withStartupTimeout(timeout)
    .start();
  try {
    const url = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
    const admin = new Admin(url, { token, onResponse });
    await waitHealthy(admin, Date.now() + timeout);
    const emu = new Emulator(url, admin, async () => {
      await container.stop();
    });
    emu.container = container;
    return emu;
  } catch (err) {
    await container.stop();
    throw err;
  }
}

/**
 * connectOrStart is what a test suite usually wants: the emulator at $FILEEMU_URL when it is
 * set (a shared one, or a service container in CI), else one started from the binary
 * ($FILEEMU_BIN or PATH), or from opts.image.
 */
export async function connectOrStart(opts = {}) {
  const url = opts.url ?? process.env.FILEEMU_URL;
  if (url) return connect(url, { ...opts, token: opts.token ?? process.env.FILEEMU_ADMIN_TOKEN });
  return start(opts);
}
