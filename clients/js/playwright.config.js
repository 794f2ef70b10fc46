// The example Playwright test (example/), run by test/playwright.test.js: Debian's chromium,
// never a downloaded browser.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './example',
  timeout: 30_000,
  workers: 1,
  reporter: 'list',
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--disable-dev-shm-usage', '--disable-gpu'],
    },
  },
});
