/// <reference types="@vitest/browser/providers/playwright" />
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { BASE_FLAGS, CHROMIUM_PATH, WEBGPU_FLAGS } from './test/browser/flags.js';

export default defineConfig({
  resolve: { alias: { webrnn: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    globalSetup: ['./test/util/global-setup.ts'],
    setupFiles: ['./test/util/poison-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One GPU device per worker; lavapipe is heavy, so keep the worker count low.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Two tiers from the same files: everything in Node on Dawn, and the kernel and nn suites in
    // headless Chromium on its SwiftShader adapter (vitest's browser mode, the system Chromium).
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: ['test/kernels/**/*.test.ts', 'test/nn/**/*.test.ts'],
          browser: {
            enabled: true,
            provider: 'playwright',
            headless: true,
            screenshotFailures: false,
            instances: [{
              browser: 'chromium',
              launch: { executablePath: CHROMIUM_PATH, args: [...BASE_FLAGS, ...WEBGPU_FLAGS] },
            }],
          },
        },
      },
    ],
  },
});
