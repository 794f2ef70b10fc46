// The README's quick start runs as written (node --test on its first js block), against the
// binary the other tests use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { binary } from './emulator.js';

const dir = fileURLToPath(new URL('..', import.meta.url));

test("the README's quick start passes", (t) => {
  const readme = readFileSync(`${dir}/README.md`, 'utf8');
  const block = readme.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(block, 'no js block in README.md');
  // Inside the package, so that '@fileemu/testing' resolves to this checkout.
  const file = `${dir}/test/readme-quickstart.tmp.mjs`;
  writeFileSync(file, block);
  t.after(() => rmSync(file, { force: true }));
  // A runner of its own: without NODE_TEST_CONTEXT, which makes a child report to this runner.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], {
    cwd: dir,
    env: { ...env, FILEEMU_BIN: binary(), FILEEMU_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /# pass 1\b/);
});
