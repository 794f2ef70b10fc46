// Playwright fixtures for fileemu: `fileemu`, one emulator per worker (the one at $FILEEMU_URL,
// else the binary started from $FILEEMU_BIN or PATH), and `fileemuSession`, a session of its
// own for each test, dropped after it. Options: `fileemuOptions` (what connectOrStart takes:
// url, bin, args, image, token), set in playwright.config's `use` or with test.use().

import { test as base, expect } from '@playwright/test';
import { connectOrStart } from './index.js';

export const test = base.extend({
  fileemuOptions: [{}, { scope: 'worker', option: true }],
  fileemu: [
    async ({ fileemuOptions }, use) => {
      const emu = await connectOrStart(fileemuOptions);
      try {
        await use(emu);
      } finally {
        await emu.close();
      }
    },
    { scope: 'worker' },
  ],
  fileemuSession: async ({ fileemu }, use, testInfo) => {
    const s = await fileemu.session(testInfo.title);
    try {
      await use(s);
    } finally {
      await s.close();
    }
  },
});

export { expect };
