// Starting the image through testcontainers: only with FILEEMU_REQUIRE_DOCKER=1 (CI builds
// fileemu:dev with make image and starts a Docker engine first); without it there is no Docker
// to need, and the test says it was not run. FILEEMU_IMAGE names another image.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../index.js';
import { AdminSpec } from './adminspec.js';

const required = process.env.FILEEMU_REQUIRE_DOCKER === '1';
const image = process.env.FILEEMU_IMAGE ?? 'fileemu:dev';

test(`start({image: '${image}'}) runs the image until close`, { skip: !required && 'FILEEMU_REQUIRE_DOCKER=1 runs it' }, async () => {
  const spec = new AdminSpec();
  const emu = await start({ image, onResponse: (x) => spec.check(x) });
  let stopped = false;
  try {
    assert.match(emu.url, /^http:\/\/[^/]+:\d+$/);
    const s = await emu.session('container');
    const r = await fetch(`${s.url('haufe')}/v1/files/signed-url?filename=a.txt`, {
      headers: { 'api-key': 'my-key', 'user-id': '497f6eca-6276-4993-bfeb-53cbbbba6f08' },
    });
    assert.equal(r.status, 200);
    const { file_url: url } = await r.json();
    assert.ok(url.startsWith(s.url('s3')), `${url} is the session's fake S3 in the container`);
    assert.equal((await fetch(url, { method: 'PUT', body: 'from the container test' })).status, 200);
    await s.assertCalled('putObject', 1);
    assert.equal((await s.clock.advance('25h')).getTime() > Date.now() + 24 * 3600_000, true);
    await s.close();
    await emu.close();
    stopped = true;
    await assert.rejects(fetch(`${emu.url}/__admin/health`), 'the container is gone after close');
    assert.deepEqual(spec.violations, []);
  } finally {
    if (!stopped) await emu.close();
  }
});
