// Where the repository is, for the bench's files read at run time (the browser page's source, the
// PyTorch script): this code runs from bench/ under vitest and from dist/node/ when bundled.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this module with package.json and bench/bench.ts. */
export function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench/bench.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error('bench: cannot find the repository root (no bench/bench.ts above this module)');
  }
}
