// The Playwright example (example/upload.spec.js, with the fixture of @fileemu/testing/playwright)
// run by Playwright's own runner in Debian's chromium, against the binary the other tests use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { binary } from './emulator.js';

const dir = fileURLToPath(new URL('..', import.meta.url));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

test('the Playwright example uploads through a page in chromium', () => {
  assert.ok(existsSync(chromium), `${chromium} is missing: apt-get install -y chromium (.ci/run does)`);
  const run = spawnSync(process.execPath, ['node_modules/@playwright/test/cli.js', 'test'], {
    cwd: dir,
    env: { ...process.env, FILEEMU_BIN: binary(), FILEEMU_URL: '', CHROMIUM: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out);
  assert.match(out, /2 passed/, out);
});
