// The library's layers point down: shaders → src/gpu → src/tensor → src/kernels → src/graph →
// src/nn, src/optim, src/io → src/index.ts, and nothing in src/ reaches the demos, the benchmark or
// the tests. Read from the import statements of the source files; no GPU.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** The layers from the bottom up; a file may import its own layer and those below it, never above. */
const LAYERS = [['src/gpu'], ['src/tensor'], ['src/kernels'], ['src/graph'], ['src/nn', 'src/optim', 'src/io']];

/** [a folder, what its files must not import]: the layer order, and src/ on its own. */
const RULES: [string, string[]][] = [
  ...LAYERS.flatMap((layer, i) => layer.map((dir): [string, string[]] => [dir, LAYERS.slice(i + 1).flat()])),
  ['src', ['demos', 'bench', 'test', 'scripts']],
];

/** The packages src/ may import: Node's built-ins, Dawn and protobufjs (ONNX files); demo-only ones (cli-progress, mnist) stay out. */
const LIBRARY_PACKAGES = /^(node:|webgpu$|protobufjs\/light\.js$)/;

/** Every module specifier in a source text: static imports and re-exports, side-effect imports, import('…'). */
function specifiers(source: string): string[] {
  // A specifier has no spaces: that keeps a string ending in "from '" from reading as an import.
  const patterns = [/\bfrom\s*'([^'\s]+)'/g, /^\s*import\s*'([^'\s]+)'/gm, /\bimport\(\s*'([^'\s]+)'\s*\)/g];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

/** The rule breaks in one file (path relative to the repository root), one line each. */
function violations(file: string, source: string): string[] {
  const found: string[] = [];
  for (const spec of specifiers(source)) {
    if (!spec.startsWith('.')) {
      if (file.startsWith('src/') && !LIBRARY_PACKAGES.test(spec)) found.push(`${file} imports the package '${spec}'`);
      continue;
    }
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
    for (const [dir, banned] of RULES) {
      if (!file.startsWith(`${dir}/`)) continue;
      const hit = banned.find((b) => target === b || target.startsWith(`${b}/`));
      if (hit) found.push(`${file} imports '${spec}': ${dir}/ must not import ${hit}/`);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(e.name) ? [path] : [];
  });
}

describe('layers', () => {
  test('every file under src/ imports only downwards and no demo, benchmark or test code', () => {
    const files = sourceFiles('src');
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => violations(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  // The checker itself: each kind of break it exists to catch is reported.
  test.each([
    ['src/kernels/lstm.ts', "import type { Tensor } from '../graph/tensor.js';", 'src/graph'],
    ['src/kernels/cells/gru.ts', "import { Adam } from '../../optim/index.js';", 'src/optim'],
    ['src/gpu/device.ts', "export { Tensor } from '../tensor/tensor.js';", 'src/tensor'],
    ['src/tensor/scope.ts', "const m = await import('../nn/index.js');", 'src/nn'],
    ['src/index.ts', "import '../demos/common/registry.js';", 'demos'],
    ['src/io/fs.ts', "import {\n  run,\n} from '../../bench/bench.js';", 'bench'],
    ['src/nn/rnn.ts', "import { MultiBar } from 'cli-progress';", 'cli-progress'],
  ])('%s: %s is reported', (file, source, target) => {
    const found = violations(file, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(target);
  });

  test('imports downwards, type imports of a lower layer and Node built-ins pass', () => {
    expect(violations('src/graph/rnn.ts', "import { matmul } from '../kernels/matmul.js';\nimport type { Gpu } from '../gpu/device.js';")).toEqual([]);
    expect(violations('src/io/fs.ts', "import { rename } from 'node:fs/promises';")).toEqual([]);
    expect(violations('src/io/checkpoint.ts', "import type { Optimizer } from '../optim/optimizer.js';")).toEqual([]);
  });
});
