// Types of @fileemu/testing (index.js). Names follow the Go test kit (testkit) in camelCase.

/** The path prefix that selects a session: {base}/_s/{id}/... */
export declare const SESSION_PREFIX: '/_s/';

/** The APIs a session URL can be asked for. */
export type APIName = 's3' | 'haufe' | 'desk' | 'weavy' | 'filesro' | 'admin';

/**
 * The path a client of api appends to the emulator's (or a session's) base URL: "/s3",
 * "/desk/api/v2", "/__admin", "" for Haufe, Weavy and files.ro. An unknown name throws.
 */
export declare function apiPath(api: APIName | string): string;

/** Journal filters (testkit.Operation, API, Method, Status, Path), all optional. */
export interface Filters {
  /** An operationId, e.g. "getSignedUrl". */
  operation?: string;
  /** "haufe", "s3", ... */
  api?: string;
  method?: string;
  status?: number;
  /** A glob over the API path (without the session prefix), e.g. "/v1/files/*". */
  path?: string;
  /** Only entries with a larger seq. */
  after?: number;
  /** Only the newest `limit` entries (requests only). */
  limit?: number;
}

/** One journal entry, as GET /__admin/requests lists it (testkit.Request). */
export interface Request {
  seq: number;
  /** Request start, RFC 3339. */
  time: string;
  session: string;
  api: string;
  operation?: string;
  method: string;
  /** The API path without the session prefix. */
  path: string;
  query?: string;
  status: number;
  duration_ms: number;
  request_id: string;
  headers?: Record<string, string>;
  body_size: number;
  /** Only set for uploads. */
  body_sha256?: string;
  error?: string;
  scenario?: string;
  rule?: string;
  request_body?: string;
  response_headers?: Record<string, string>;
  response_body?: string;
}

/** One stored upload of a state dump. */
export interface StoredObject {
  name: string;
  size: number;
  md5: string;
  sha256: string;
  content_type: string;
  created: string;
}

/** The admin state dump of a session (testkit.State). */
export interface State {
  session: string;
  /** Each API's model dump, by API name. */
  apis: Record<string, unknown>;
  objects: StoredObject[];
}

/** A session as the admin API shows it. */
export interface SessionInfo {
  id: string;
  created: string;
  objects: number;
  bytes: number;
}

export interface Health {
  status: 'ok';
  version: string;
  uptime_seconds: number;
  apis: string[];
}

/** Counts per API: the body of POST /__admin/seed and what fixtures loaded. */
export interface Counts {
  seed?: number;
  weavy?: { apps?: number; files?: number };
  desk?: { files?: number };
  haufe?: { files?: number; threads?: number; user?: string; api_key?: string };
  filesro?: { shares?: number; folders?: number; files?: number };
  s3?: { buckets?: number; objects?: number };
}

/** What PUT /__admin/fixtures and POST /__admin/seed answer. */
export interface Loaded {
  session: string;
  loaded: Counts;
}

/** A clock as the admin API shows it (testkit.ClockState). */
export interface ClockState {
  /** Absent for the emulator clock. */
  session?: string;
  now: Date;
  /** How far the clock is ahead of the one underneath it, as a Go duration ("25h0m0s"). */
  offset: string;
  offsetSeconds: number;
  /** Moved and not put back since. */
  moved: boolean;
}

/** A Go duration string ("25h", "601s", "-10m") or milliseconds. */
export type Duration = string | number;

/** One admin exchange, as Admin's onResponse hook sees it. */
export interface AdminExchange {
  method: string;
  url: string;
  /** The path under /__admin. */
  path: string;
  status: number;
  headers: Headers;
  /** The body text; undefined for archives and streams. */
  body: string | undefined;
}

export interface AdminOptions {
  /** The admin token (--admin-token). */
  token?: string;
  /** Called with every admin exchange before it is judged (e.g. to validate it against admin.yaml). */
  onResponse?: (exchange: AdminExchange) => void;
}

/** An admin call answered with a status it does not expect, or not answered at all. */
export declare class FileemuError extends Error {
  name: 'FileemuError';
  method: string;
  path: string;
  /** Undefined when no answer came. */
  status: number | undefined;
  /** The admin API's error code, e.g. "invalid_clock". */
  code: string | undefined;
  body: unknown;
  /** Scenario and fixture documents: every problem with its position. */
  problems: { line?: number; column?: number; message: string }[] | undefined;
  /** Requests that break openapi/admin.yaml. */
  violations: unknown[] | undefined;
  /** Snapshots: the archive member at fault ("" for the archive as a whole). */
  member: string | undefined;
}

/** A journal event of the live stream (testkit.Event). */
export interface JournalEvent {
  /** "request": a new entry; "update": that entry again, completed; "lost": read the journal again. */
  kind: 'request' | 'update' | 'lost' | string;
  /** The entry ("request" and "update"). */
  request?: Request;
}

/** The live journal: an async iterable of events; close() ends it. */
export declare class EventStream implements AsyncIterable<JournalEvent> {
  /** The next event, or undefined once the stream ended; with timeout (ms) it rejects when none came in time. */
  next(opts?: { timeout?: number }): Promise<JournalEvent | undefined>;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<JournalEvent>;
}

/** A clock of a running emulator, moved over the admin API (testkit.RemoteClock). */
export declare class RemoteClock {
  /** What the clock reads. */
  now(): Promise<Date>;
  /** Moves the clock by d (negative: back, never before the emulator's start); returns what it reads then. */
  advance(d: Duration): Promise<Date>;
  /** Makes the clock read t now; it runs on from there. */
  set(t: Date | string): Promise<Date>;
  /** Puts the clock back: a session's on the emulator clock, the emulator's on real time. */
  reset(): Promise<void>;
  /** The whole answer: now, offset, offsetSeconds, moved. */
  state(): Promise<ClockState>;
}

/** Archive bytes for restore. */
export type Archive = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>;

/** A client of the admin API over HTTP (testkit.Admin). Session arguments: "" or undefined for all / the default. */
export declare class Admin {
  constructor(baseURL: string, opts?: AdminOptions);
  /** The admin API's base URL (…/__admin). */
  readonly url: string;
  health(): Promise<Health>;
  createSession(id?: string): Promise<SessionInfo>;
  deleteSession(id: string): Promise<void>;
  reset(id?: string): Promise<void>;
  requests(session?: string, filters?: Filters): Promise<Request[]>;
  count(session?: string, filters?: Filters): Promise<number>;
  state(session?: string): Promise<State>;
  putScenarios(session: string | undefined, doc: string, opts?: { label?: string }): Promise<string[]>;
  activateScenarios(session: string, names: string[]): Promise<string[]>;
  putFixtures(session: string | undefined, doc: string, opts?: { label?: string }): Promise<Loaded>;
  seed(session: string | undefined, counts: Counts | string): Promise<Loaded>;
  snapshot(session: string): Promise<Uint8Array>;
  /** Streams the archive into a Node writable stream or a web WritableStream. */
  snapshotTo(session: string, dest: NodeJS.WritableStream | WritableStream<Uint8Array>): Promise<void>;
  restore(session: string, archive: Archive): Promise<SessionInfo>;
  getClock(session?: string): Promise<ClockState>;
  advanceClock(session: string | undefined, d: Duration): Promise<ClockState>;
  setClock(session: string | undefined, t: Date | string): Promise<ClockState>;
  resetClock(session?: string): Promise<ClockState>;
  /** The emulator clock: every session's clock runs on it. */
  readonly clock: RemoteClock;
  /** The live journal; resolves once the stream is open. */
  follow(session?: string, filters?: Filters): Promise<EventStream>;
}

/** One isolated namespace of an emulator (testkit.Session). */
export declare class Session implements AsyncDisposable {
  constructor(baseURL: string, admin: Admin, id: string);
  readonly id: string;
  readonly admin: Admin;
  /** This session's clock: moving it expires this session's URLs and files, nobody else's. */
  readonly clock: RemoteClock;
  /** The base URL a client of api is configured with to use this session; url() is the session's base. */
  url(api?: APIName | ''): string;
  requests(filters?: Filters): Promise<Request[]>;
  count(filters?: Filters): Promise<number>;
  /** Rejects with an AssertionError unless the operation was called exactly n times in this session. */
  assertCalled(operationID: string, n: number): Promise<void>;
  loadScenario(file: string): Promise<string[]>;
  loadScenarioText(doc: string): Promise<string[]>;
  activateScenarios(...names: (string | string[])[]): Promise<string[]>;
  loadFixtures(file: string): Promise<Loaded>;
  loadFixturesText(doc: string): Promise<Loaded>;
  seed(counts: Counts | string): Promise<Loaded>;
  snapshot(): Promise<Uint8Array>;
  restore(archive: Archive): Promise<SessionInfo>;
  state(): Promise<State>;
  reset(): Promise<void>;
  follow(filters?: Filters): Promise<EventStream>;
  /** Drops the session with its state. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A running emulator: connected to, or started by this process (then close() stops it). */
export declare class Emulator implements AsyncDisposable {
  /** The emulator's base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly admin: Admin;
  /** The process id of a started binary. */
  pid?: number;
  /** The testcontainers container of a started image. */
  container?: unknown;
  /** An isolated session named after name (plus random hex); its close() drops it. */
  session(name?: string): Promise<Session>;
  /** The session id, created if it does not exist; nothing drops it on its own (a data directory's, after a restart). */
  resume(id: string): Promise<Session>;
  /** Stops an emulator this process started; a connected one is left running. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartOptions extends AdminOptions {
  /** The binary: default $FILEEMU_BIN, else fileemu from PATH. */
  bin?: string;
  /** Flags added after `serve` (e.g. ["--scenarios", "scenarios/ready"]). */
  args?: string[];
  /** The image to run through testcontainers instead of the binary, e.g. "fileemu:dev". */
  image?: string;
  /** Environment of the process or container. */
  env?: Record<string, string>;
  /** How long to wait for health, in ms (30 s for the binary, 60 s for the image). */
  timeout?: number;
}

export interface ConnectOrStartOptions extends StartOptions {
  /** The emulator to connect to; default $FILEEMU_URL. */
  url?: string;
}

/** The emulator at url, after checking that it answers; close() leaves it running. */
export declare function connect(url: string, opts?: AdminOptions): Promise<Emulator>;

/**
 * Runs an emulator: the binary on a free loopback port (resolves once health answers; close()
 * stops the process), or with `image` that image through testcontainers.
 */
export declare function start(opts?: StartOptions): Promise<Emulator>;

/** $FILEEMU_URL's emulator when set, else one started (see start). */
export declare function connectOrStart(opts?: ConnectOrStartOptions): Promise<Emulator>;

/** A fixture file as PUT /__admin/fixtures takes it: path: contents inlined (needs the package "yaml"). */
export declare function resolveFixtures(file: string): Promise<string>;

/** A session id made from a test's name: the name made safe, then random hex. */
export declare function sessionID(name?: string): string;
