// The client against the binary built from the checkout: every operation of the Go test kit's
// contract, and its answers judged against admin.yaml (see emulator.js).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { AssertionError } from 'node:assert';
import { apiPath, connect, FileemuError, resolveFixtures } from '../index.js';
import { AdminSpec } from './adminspec.js';
import { repoFile, startEmulator } from './emulator.js';

const { emu } = await startEmulator();

const haufeHeaders = { 'api-key': 'my-key', 'user-id': '497f6eca-6276-4993-bfeb-53cbbbba6f08' };

// haufeUpload asks Haufe for an upload URL in the session and PUTs content to it.
async function haufeUpload(s, name, content) {
  const r = await fetch(`${s.url('haufe')}/v1/files/signed-url?filename=${encodeURIComponent(name)}`, { headers: haufeHeaders });
  assert.equal(r.status, 200, await r.clone().text());
  const { file_id: id, file_url: url } = await r.json();
  const put = await fetch(url, { method: 'PUT', body: content });
  return { id, url, put };
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

describe('sessions and URLs', () => {
  test('health names the APIs, and every API has a base path', async () => {
    const h = await emu.admin.health();
    assert.equal(h.status, 'ok');
    assert.ok(h.apis.length >= 5, JSON.stringify(h.apis));
    for (const api of h.apis) assert.equal(typeof apiPath(api), 'string', api);
    // The client's table has no API the emulator does not serve (admin aside).
    for (const api of ['s3', 'haufe', 'desk', 'weavy', 'filesro']) assert.ok(h.apis.includes(api), api);
  });

  test("an API's base path starts every path of its spec", async () => {
    for (const api of (await emu.admin.health()).apis) {
      const r = await fetch(`${emu.url}/__admin/openapi/${api}`);
      assert.equal(r.status, 200, api);
      const paths = [...(await r.text()).matchAll(/^ {2}(\/[^:]*):\s*$/gm)].map((m) => m[1]);
      assert.ok(paths.length > 0, `${api}: no paths in its spec`);
      for (const p of paths) assert.ok(p.startsWith(apiPath(api)), `${api}: ${p} does not start with ${apiPath(api)}`);
    }
  });

  test('url(api) reaches that API in that session', async () => {
    const s = await emu.session('url forms');
    try {
      const probes = {
        haufe: '/v1/files/signed-url?filename=a.txt',
        desk: '/files.json',
        weavy: '/api/apps',
        filesro: '/api/v1/shares/demo',
        s3: '/haufe-files',
      };
      for (const [api, p] of Object.entries(probes)) {
        const r = await fetch(s.url(api) + p, { headers: api === 'haufe' ? haufeHeaders : {} });
        await r.arrayBuffer();
        const got = await s.requests({ api });
        assert.equal(got.length, 1, `${api}: ${JSON.stringify(got)}`);
        assert.equal(got[0].session, s.id);
        assert.equal(got[0].path, (apiPath(api) + p).split('?')[0]);
      }
      assert.equal(s.url(), `${emu.url}/_s/${s.id}`);
      assert.equal(s.url('admin'), `${emu.url}/__admin`);
      assert.throws(() => s.url('haufee'), /unknown API "haufee" \(known: s3, haufe, desk, weavy, filesro, admin\)/);
    } finally {
      await s.close();
    }
  });

  test('without a session the admin client means the default one, or all', async () => {
    assert.equal((await emu.admin.state()).session, 'default');
    assert.equal((await emu.admin.state('')).session, 'default');
    assert.ok(Array.isArray(await emu.admin.requests()));
    assert.equal(typeof (await emu.admin.count()), 'number');
    assert.equal((await emu.admin.getClock()).session, undefined, 'the emulator clock');
  });

  test('a session is created, isolated from the others, and dropped by close', async () => {
    const a = await emu.session('isolation: a');
    const b = await emu.session('isolation: b');
    assert.match(a.id, /^isolation_a-[0-9a-f]{8}$/);
    await haufeUpload(a, 'a.txt', 'only in a');
    assert.equal(await a.count(), 2);
    assert.equal(await b.count(), 0);
    await b.close();
    await assert.rejects(b.state(), (err) => err instanceof FileemuError && err.status === 404);
    await a.close();
    const sessions = await (await fetch(`${emu.url}/__admin/sessions`)).json();
    assert.ok(!sessions.sessions.some((x) => x.id === a.id || x.id === b.id));
  });
});

describe('journal', () => {
  test('requests and count take filters; assertCalled counts an operation', async () => {
    const s = await emu.session('journal');
    try {
      const { put } = await haufeUpload(s, 'report.txt', 'Quarterly report');
      assert.equal(put.status, 200);
      await haufeUpload(s, 'two.txt', 'second');
      const gets = await s.requests({ operation: 'getSignedUrl' });
      assert.equal(gets.length, 2);
      assert.equal(gets[0].api, 'haufe');
      const puts = await s.requests({ operation: 'putObject', method: 'PUT', status: 200 });
      assert.equal(puts.length, 2);
      assert.equal(puts[0].body_sha256, sha256('Quarterly report'));
      assert.equal(puts[0].body_size, 16);
      assert.equal(await s.count({ api: 's3' }), 2);
      assert.equal(await s.count({ path: '/v1/files/*' }), 2);
      assert.equal(await s.count({ after: puts[0].seq }), 2);
      assert.deepEqual((await s.requests({ limit: 1 })).map((r) => r.seq), [puts[1].seq]);
      assert.equal(await s.count({ status: 404 }), 0);
      await s.assertCalled('getSignedUrl', 2);
      await s.assertCalled('putObject', 2);
      await assert.rejects(s.assertCalled('putObject', 3), (err) => {
        assert.ok(err instanceof AssertionError);
        assert.match(err.message, /operation putObject called 2 times, want 3; session journal-[0-9a-f]+ saw: GET \/v1\/files\/signed-url \(getSignedUrl\) 200, PUT \/s3\/haufe-files\//);
        return true;
      });
      await assert.rejects(s.requests({ operationId: 'x' }), /unknown journal filter "operationId"/);
    } finally {
      await s.close();
    }
  });

  test('reset drops the state and the journal, keeping the session', async () => {
    const s = await emu.session('reset');
    try {
      await haufeUpload(s, 'a.txt', 'x');
      assert.equal((await s.state()).objects.length, 1);
      await s.reset();
      assert.equal(await s.count(), 0);
      assert.equal((await s.state()).objects.length, 0);
    } finally {
      await s.close();
    }
  });

  test('follow streams requests as they are answered, then completed', async () => {
    const s = await emu.session('follow');
    const other = await emu.session('follow other');
    const stream = await s.follow({ operation: 'putObject' });
    try {
      // Waiting in vain loses nothing: the event that comes later is still delivered.
      await assert.rejects(stream.next({ timeout: 200 }), /no journal event within 200 ms/);
      await haufeUpload(other, 'elsewhere.txt', 'not mine');
      await haufeUpload(s, 'a.txt', 'followed bytes');
      // It arrives completed, or an update completes it.
      const seen = [];
      for await (const ev of stream) {
        seen.push(ev);
        if (ev.request?.body_sha256) break;
      }
      assert.equal(seen[0].kind, 'request');
      for (const ev of seen.slice(1)) assert.equal(ev.kind, 'update');
      for (const ev of seen) {
        assert.equal(ev.request.session, s.id);
        assert.equal(ev.request.operation, 'putObject');
      }
      assert.equal(seen.at(-1).request.body_sha256, sha256('followed bytes'));
    } finally {
      stream.close();
      await s.close();
      await other.close();
    }
  });
});

describe('scenarios', () => {
  test('loadScenarioText, activateScenarios: the fault applies to this session only', async () => {
    const s = await emu.session('scenario');
    const other = await emu.session('scenario other');
    try {
      const names = await s.loadScenarioText(`
scenarios:
  - name: haufe-down
    active: false
    rules:
      - match: {api: haufe}
        respond: 502
`);
      assert.deepEqual(names, ['haufe-down']);
      let r = await fetch(`${s.url('haufe')}/v1/files`, { headers: haufeHeaders });
      assert.equal(r.status, 200);
      assert.deepEqual(await s.activateScenarios('haufe-down'), ['haufe-down']);
      r = await fetch(`${s.url('haufe')}/v1/files`, { headers: haufeHeaders });
      assert.equal(r.status, 502);
      r = await fetch(`${other.url('haufe')}/v1/files`, { headers: haufeHeaders });
      assert.equal(r.status, 200);
      const [entry] = await s.requests({ status: 502 });
      assert.equal(entry.scenario, 'haufe-down');
    } finally {
      await s.close();
      await other.close();
    }
  });

  test('loadScenario reads a file; a document with problems throws them with positions', async () => {
    const s = await emu.session('scenario file');
    try {
      assert.deepEqual(await s.loadScenario(repoFile('scenarios/ready/outage.yaml')), ['outage']);
      await s.activateScenarios(['outage']);
      const r = await fetch(`${s.url('desk')}/files.json`, { headers: { authorization: 'Bearer t' } });
      assert.equal(r.status, 503, 'Desk during the outage');
      await assert.rejects(s.loadScenarioText('scenarios:\n  - name: x\n    rulez: []\n'), (err) => {
        assert.ok(err instanceof FileemuError);
        assert.equal(err.status, 422);
        assert.ok(err.problems.length > 0);
        assert.match(err.message, /document:3:\d+: .*rulez/);
        return true;
      });
      await assert.rejects(s.activateScenarios('no-such-scenario'), (err) => err.status === 422 && /no-such-scenario/.test(err.message));
    } finally {
      await s.close();
    }
  });
});

describe('state: fixtures, seed, snapshots', () => {
  test('loadFixtures inlines path: contents read next to the file', async () => {
    const s = await emu.session('fixtures');
    try {
      const out = await s.loadFixtures(repoFile('examples/fixtures/fixtures.yaml'));
      assert.equal(out.session, s.id);
      assert.deepEqual(out.loaded.weavy, { apps: 2, files: 3 });
      const st = await s.state();
      const welcome = await readFile(repoFile('examples/fixtures/welcome.txt'));
      assert.ok(st.objects.some((o) => o.sha256 === sha256(welcome)), 'welcome.txt stored with its bytes');
      assert.deepEqual(Object.keys(st.apis).sort(), ['desk', 'filesro', 'haufe', 's3', 'weavy']);
    } finally {
      await s.close();
    }
  });

  test('a fixture file with a problem throws file:line:column and leaves the session as it was', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fileemu-js-'));
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'fixtures:\n  desk:\n    files:\n      - name: a.txt\n        colour: red\n');
    const missing = path.join(dir, 'missing.yaml');
    await writeFile(missing, 'fixtures:\n  desk:\n    files:\n      - name: a.txt\n        content: {path: nowhere.txt}\n');
    const s = await emu.session('bad fixtures');
    try {
      await s.seed({ desk: { files: 2 } });
      await assert.rejects(s.loadFixtures(bad), (err) => {
        assert.equal(err.status, 422);
        assert.match(err.message, new RegExp(`${bad.replace(/[.]/g, '\\.')}:5:9: .*colour`));
        return true;
      });
      await assert.rejects(s.loadFixtures(missing), new RegExp(`${missing.replace(/[.]/g, '\\.')}:5:\\d+: path "nowhere.txt": ENOENT`));
      assert.equal((await s.state()).objects.length, 2, 'the seeded state stays');
      // Without path: contents the file is sent as it is.
      assert.equal(await resolveFixtures(bad), await readFile(bad, 'utf8'));
    } finally {
      await s.close();
    }
  });

  test('seed generates the same data for the same counts', async () => {
    const a = await emu.session('seed a');
    const b = await emu.session('seed b');
    try {
      const counts = { weavy: { apps: 1, files: 3 }, seed: 7 };
      const out = await a.seed(counts);
      assert.equal(out.loaded.weavy.files, 3);
      await b.seed(JSON.stringify(counts));
      const hashes = async (s) => (await s.state()).objects.map((o) => o.sha256).sort();
      assert.deepEqual(await hashes(a), await hashes(b));
      assert.ok((await hashes(a)).length >= 3);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('snapshot and restore carry a session into another; a bad archive names the member', async () => {
    const a = await emu.session('snapshot a');
    const b = await emu.session('snapshot b');
    try {
      await haufeUpload(a, 'kept.txt', 'kept bytes');
      const archive = await a.snapshot();
      assert.ok(archive instanceof Uint8Array && archive.length > 512);
      const restored = await b.restore(archive);
      assert.equal(restored.id, b.id);
      assert.equal(restored.objects, 1);
      assert.deepEqual((await b.state()).objects.map((o) => o.sha256), [sha256('kept bytes')]);
      await assert.rejects(b.restore(new TextEncoder().encode('not a tar archive at all')), (err) => {
        assert.equal(err.status, 422);
        assert.equal(err.code, 'invalid_snapshot');
        assert.equal(err.member, '');
        return true;
      });
      assert.equal((await b.state()).objects.length, 1, 'a refused archive changes nothing');
      // Streamed to a file, restored from the file's stream.
      const dir = await mkdtemp(path.join(os.tmpdir(), 'fileemu-js-'));
      const file = path.join(dir, 'a.tar');
      await emu.admin.snapshotTo(a.id, createWriteStream(file));
      assert.deepEqual(new Uint8Array(await readFile(file)), archive, 'the same bytes, streamed');
      const c = await emu.resume(`${b.id}-c`);
      await c.restore(Readable.toWeb(createReadStream(file)));
      assert.deepEqual((await c.state()).objects.map((o) => o.sha256), [sha256('kept bytes')]);
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('clock', () => {
  test("advance expires this session's presigned URLs and nobody else's", async () => {
    const s = await emu.session('clock');
    const other = await emu.session('clock other');
    try {
      const r = await fetch(`${s.url('haufe')}/v1/files/signed-url?filename=late.txt`, { headers: haufeHeaders });
      const { file_url: url } = await r.json();
      const before = await s.clock.now();
      const after = await s.clock.advance('601s');
      assert.ok(after - before >= 601_000, `${before.toISOString()} -> ${after.toISOString()}`);
      const put = await fetch(url, { method: 'PUT', body: 'too late' });
      assert.equal(put.status, 403);
      assert.match(await put.text(), /Request has expired/);
      const st = await s.clock.state();
      assert.equal(st.session, s.id);
      assert.equal(st.moved, true);
      assert.equal(st.offset, '10m1s');
      assert.equal(st.offsetSeconds, 601);
      assert.equal((await other.clock.state()).moved, false);
      await s.clock.advance(-1_000); // milliseconds
      assert.equal((await s.clock.state()).offsetSeconds, 600);
      await s.clock.reset();
      assert.equal((await s.clock.state()).moved, false);
    } finally {
      await s.close();
      await other.close();
    }
  });

  test('set makes a clock read a time; the emulator clock moves every session', async () => {
    const s = await emu.session('clock set');
    try {
      const t = new Date(Date.now() + 365 * 24 * 3600_000);
      const now = await s.clock.set(t);
      assert.ok(Math.abs(now - t) < 5_000, now.toISOString());
      await s.clock.reset();
      const before = await s.clock.now();
      await emu.admin.clock.advance('1h');
      assert.ok((await s.clock.now()) - before >= 3600_000);
      assert.equal((await emu.admin.clock.state()).moved, true);
      await emu.admin.clock.reset();
      assert.equal((await emu.admin.clock.state()).moved, false);
      await assert.rejects(s.clock.advance('1 day'), (err) => {
        assert.equal(err.status, 422);
        assert.equal(err.code, 'invalid_clock');
        assert.match(err.message, /advance "1 day" is not a Go duration/);
        return true;
      });
      await assert.rejects(s.clock.advance({}), /a duration is a Go duration string/);
    } finally {
      await s.clock.reset();
      await s.close();
    }
  });
});

describe('the contract: admin.yaml', () => {
  test('a request that breaks admin.yaml is thrown with the violations', async () => {
    const s = await emu.session('contract');
    try {
      await assert.rejects(s.seed({ weavy: { apps: -1 } }), (err) => {
        assert.ok(err instanceof FileemuError);
        assert.equal(err.status, 422);
        assert.equal(err.violations.length, 1, err.message);
        assert.match(err.message, /^fileemu: admin POST \/seed: status 422: body \/weavy\/apps: number must be at least 0$/);
        return true;
      });
      await assert.rejects(s.requests({ status: 'abc' }), /GET \/requests: status 422: query status: value must be an integer/);
      await assert.rejects(s.activateScenarios(), (err) => err.status === 422);
      await assert.rejects(emu.admin.createSession('bad id!'), (err) => err.status === 422);
    } finally {
      await s.close();
    }
  });

  test('the judge of answers fails an answer the spec does not document', () => {
    const spec = new AdminSpec();
    const headers = new Headers({ 'content-type': 'application/json' });
    const url = 'http://127.0.0.1:1/__admin/requests/count';
    assert.deepEqual(spec.check({ method: 'GET', url, status: 200, headers, body: '{"count":3}' }), []);
    assert.match(spec.check({ method: 'GET', url, status: 418, headers, body: '{}' })[0], /status 418 is not documented/);
    assert.match(spec.check({ method: 'GET', url, status: 200, headers, body: '{"count":"3"}' })[0], /body\/count must be integer/);
    assert.match(spec.check({ method: 'GET', url, status: 200, headers: new Headers({ 'content-type': 'text/plain' }), body: '3' })[0], /content type "text\/plain"/);
    assert.match(spec.check({ method: 'PATCH', url, status: 200, headers, body: '{}' })[0], /no operation in admin.yaml/);
    const state = 'http://127.0.0.1:1/__admin/sessions/x/snapshot';
    assert.match(spec.check({ method: 'PUT', url: state, status: 422, headers, body: '{"error":"x"}' })[0], /must have required property 'message'/);
  });
});

describe('connect', () => {
  test('connect uses a running emulator and leaves it running on close', async () => {
    const other = await connect(emu.url);
    const s = await other.session('connected');
    await haufeUpload(s, 'a.txt', 'x');
    await other.close();
    assert.equal((await emu.admin.requests(s.id)).length, 2, 'the session lives on the same emulator');
    await s.close();
    assert.equal((await emu.admin.health()).status, 'ok');
  });

  test('connect to nothing throws', async () => {
    await assert.rejects(connect('http://127.0.0.1:1'), (err) => err instanceof FileemuError && err.status === undefined && /admin GET \/health/.test(err.message));
  });
});
