// A test file's scratch folder: made before its tests (after init()), removed with its contents
// after them. Returns a getter, as the path exists only once beforeAll has run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { init } from 'webrnn';

export function useTempDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    await init();
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
