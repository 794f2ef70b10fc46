import type { TestType, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions } from '@playwright/test';
import type { Emulator, Session, ConnectOrStartOptions } from './index.js';

/** The fixtures @fileemu/testing/playwright adds. */
export interface FileemuTestFixtures {
  /** A session of its own for each test, dropped after it. */
  fileemuSession: Session;
}

export interface FileemuWorkerFixtures {
  /** What connectOrStart takes (url, bin, args, image, token); an option of the config's `use`. */
  fileemuOptions: ConnectOrStartOptions;
  /** One emulator per worker: $FILEEMU_URL's, else one started from $FILEEMU_BIN or PATH. */
  fileemu: Emulator;
}

export declare const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & FileemuTestFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & FileemuWorkerFixtures
>;

export { expect } from '@playwright/test';
