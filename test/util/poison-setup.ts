// Test setup (vitest setupFiles): the kernel and nn tiers run with Tuning.poisonBuffers, so every
// output buffer starts as NaN and an element a kernel forgets to write fails the comparison with
// its twin instead of passing on a recycled buffer's old values or a new buffer's zeros. Uses no
// Node API: the same files run in Chromium.
import { beforeAll } from 'vitest';

/** Test files under these folders run poisoned. */
const POISONED = /\/test\/(kernels|nn)\//;

beforeAll(async (file) => {
  if (!('filepath' in file) || !POISONED.test(file.filepath.replaceAll('\\', '/'))) return;
  const { init } = await import('webrnn');
  (await init()).tuning.poisonBuffers = true;
});
