// Build script. `node build.mjs --gen` only embeds shaders/*.wgsl into src/kernels/wgsl.gen.ts;
// `node build.mjs` also bundles the library for the browser and for Node (and the Node tools).
import { build } from 'esbuild';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('.', import.meta.url).pathname;

/** Writes src/kernels/wgsl.gen.ts: one exported string per shader file, keyed by file name. */
export function generateWgsl() {
  const dir = join(root, 'shaders');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).sort();
  const lines = [
    '// Written by build.mjs from shaders/*.wgsl. Do not edit by hand.',
    'export const wgsl = {',
    ...files.map((f) => `  ${f.replace(/\.wgsl$/, '')}: ${JSON.stringify(readFileSync(join(dir, f), 'utf8'))},`),
    '} as const;',
    '',
  ];
  const out = join(root, 'src/kernels/wgsl.gen.ts');
  const text = lines.join('\n');
  if (!existsSync(out) || readFileSync(out, 'utf8') !== text) writeFileSync(out, text);
}

/** Node-only entry points bundled beside the library (CLI, benchmark). Missing ones are skipped. */
const nodeTools = ['src/cli.ts', 'bench/bench.ts'];

async function bundle() {
  const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };
  await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/browser/index.js', platform: 'browser', external: ['webgpu', 'node:*'] });
  const tools = nodeTools.filter((f) => existsSync(join(root, f)));
  await build({
    ...common,
    entryPoints: ['src/index.ts', ...tools],
    outdir: 'dist/node',
    outbase: '.',
    entryNames: '[name]',
    platform: 'node',
    external: ['webgpu', '@tensorflow/*', 'playwright-core'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  generateWgsl();
  if (!process.argv.includes('--gen')) await bundle();
}
