// One emulator per test file, started from the binary built from the checkout (FILEEMU_BIN, set
// by `make test-js`; else the checkout's bin/fileemu), with every admin answer judged against
// admin.yaml. When the file's tests are done, the emulator is stopped and the run fails if any
// answer broke the spec.

import { after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { start } from '../index.js';
import { AdminSpec } from './adminspec.js';

/** The binary the tests run: $FILEEMU_BIN, else the checkout's bin/fileemu (make build). */
export function binary() {
  if (process.env.FILEEMU_BIN) return process.env.FILEEMU_BIN;
  const built = fileURLToPath(new URL('../../../bin/fileemu', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error('no fileemu binary: run `make test-js` (or make build, or set FILEEMU_BIN)');
}

/** repoFile is a path in the checkout, e.g. repoFile('examples/fixtures/fixtures.yaml'). */
export const repoFile = (p) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

export async function startEmulator(opts = {}) {
  const spec = new AdminSpec();
  const emu = await start({ bin: binary(), onResponse: (x) => spec.check(x), ...opts });
  after(async () => {
    await emu.close();
    assert.deepEqual(spec.violations, [], 'admin answers that break openapi/admin.yaml');
    assert.ok(spec.checked > 0, 'no admin answer was judged against admin.yaml');
  });
  return { emu, spec };
}
