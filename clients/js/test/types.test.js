// The hand-written types (index.d.ts, playwright.d.ts) compile against a TypeScript test that
// uses every operation (test/types/usage.ts), with tsc from the dev dependencies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));

test('the types compile against a TypeScript test of every operation', () => {
  const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types/tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
