// The package as a consumer gets it: `npm pack` (which builds first: prepack), the tarball installed
// into a fresh project outside the repository, then (a) an ES module trains an LSTM on lavapipe,
// (b) CommonJS require() works, (c) tsc --strict type-checks a consumer with node16 and bundler
// resolution, (d) an esbuild browser bundle of the README's example trains in headless Chromium,
// and the README's "Using it" example runs in Node as written (extracted from README.md here).
// Offline where the npm cache allows (--prefer-offline); `webgpu`, the optional peer, is linked
// from the repository's own copy. Phase times are printed at the end (the whole file: ~1 minute).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, transformSync } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_FLAGS, CHROMIUM_PATH, WEBGPU_FLAGS } from '../browser/flags.js';
import { assertChromium, REPO_ROOT } from '../browser/chromium.js';
// @ts-expect-error -- scripts/serve.mjs is plain JavaScript (run by node directly); typed below.
import { serve as serveUntyped } from '../../scripts/serve.mjs';

const serve = serveUntyped as (o: { root?: string; port?: number }) => Promise<{ url: string; close(): Promise<void> }>;
const run = promisify(execFile);
const FIXTURES = join(REPO_ROOT, 'test/package/consumer');
const MAX_PACKED_BYTES = 800_000;

/** The fenced code blocks of the README's "Using it" section, in order. */
function usingItBlocks(readme: string): string[] {
  const section = readme.split(/^## Using it$/m)[1]?.split(/^##+ /m)[0];
  if (!section) throw new Error('README.md has no "## Using it" section');
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The README's example as a module for the page: the lines marked `// Node` give way to the
 *  browser block, and the body runs in main() so the page can report how it ended. */
function browserModule(example: string, browserLines: string): string {
  const lines = example.split('\n').filter((l) => !/\/\/ Node\b/.test(l));
  const importEnd = lines.findIndex((l) => /from 'webrnn';$/.test(l));
  return [
    ...lines.slice(0, importEnd + 1),
    'async function main() {',
    ...lines.slice(importEnd + 1),
    browserLines,
    '}',
    "main().then(() => { document.body.dataset.state = 'ready'; },",
    "  (e) => { document.querySelector('#status').textContent = String(e?.stack ?? e); document.body.dataset.state = 'error'; });",
  ].join('\n');
}

const times: Record<string, number> = {};
async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    times[phase] = (performance.now() - t0) / 1000;
  }
}

let work = '';
let app = '';
let tarball = '';
// Not the repository's npm context (`npm test` sets npm_* variables): only the cache and registry.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') || /^npm_config_(cache|registry|userconfig)$/.test(k)));

async function node(file: string, timeout = 60_000): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { cwd: app, env, timeout });
  return stdout;
}

async function npm(args: string[], cwd: string, timeout = 120_000): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env, timeout });
  return stdout;
}

describe('the packed package in a fresh project', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'webrnn-consumer-'));
    app = join(work, 'app');
    mkdirSync(app);
    await timed('pack', () => npm(['pack', '--pack-destination', work], REPO_ROOT));
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    for (const f of readdirSync(FIXTURES)) cpSync(join(FIXTURES, f), join(app, f));
    await timed('install', () => npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app));
  }, 240_000);

  afterAll(() => {
    const total = Object.values(times).reduce((a, b) => a + b, 0);
    console.log(`package consumer test: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}; total ${total.toFixed(1)} s`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships only what a consumer needs, under 800 kB packed', async () => {
    const listing = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);
    expect(statSync(tarball).size).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    expect(listing).toContain('package/dist/esm/index.js');
    expect(listing).toContain('package/dist/types/index.d.ts');
    expect(listing).toContain('package/dist/cli/webrnn.js');
    const unwanted = listing.filter((f) => /\.map$|\.bin$|\.wgsl$|^package\/(src|demos|shaders|test|bench)\//.test(f));
    expect(unwanted).toEqual([]);
  });

  it('installs without Dawn, and init() then names the package to install', async () => {
    expect(existsSync(join(app, 'node_modules/webgpu'))).toBe(false);
    const out = await timed('no-webgpu', () => node('missing-webgpu.mjs'));
    expect(out).toMatch(/^webrnn: .*`npm i webgpu`/);
    // The optional peer, as `npm i webgpu` would give it: the repository's own copy, linked.
    symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules/webgpu')), join(app, 'node_modules/webgpu'), 'dir');
  });

  it('(a) an ES module trains an LSTM on Dawn', async () => {
    const out = JSON.parse(await timed('esm-train', () => node('train.mjs'))) as { adapter: string; first: number; last: number };
    expect(Number.isFinite(out.first)).toBe(true);
    expect(out.last).toBeLessThan(0.8 * out.first);
  }, 90_000);

  it('(b) CommonJS require() works on this Node (engines: ^20.19 || >=22.12)', async () => {
    const engines = JSON.parse(readFileSync(join(app, 'node_modules/webrnn/package.json'), 'utf8')).engines.node;
    expect(engines).toBe('^20.19.0 || >=22.12.0');
    const out = JSON.parse(await timed('cjs', () => node('require.cjs'))) as { init: string; lstm: string; sum: number[] };
    expect(out).toEqual({ init: 'function', lstm: 'function', sum: [2, 3, 4] });
  }, 90_000);

  it('(c) tsc --strict type-checks a consumer with moduleResolution node16 and bundler', async () => {
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    // Both at once: each is a separate compiler process (~15 s on one CPU).
    const check = (resolution: string) => run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: app, env, timeout: 90_000 })
      .then((r) => r.stdout, (e: { stdout?: string }) => `${resolution} failed: ${e.stdout}`);
    const results = await timed('tsc', () => Promise.all(['node16', 'bundler'].map(check)));
    expect(results).toEqual(['', '']);
  }, 120_000);

  it("the README's example runs in Node as written", async () => {
    const [example] = usingItBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    writeFileSync(join(app, 'readme.mjs'), transformSync(example!, { loader: 'ts', format: 'esm' }).code);
    const out = await timed('readme-node', () => node('readme.mjs', 120_000));
    const losses = out.trim().split('\n').map(Number);
    expect(losses).toHaveLength(3);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(existsSync(join(app, 'lstm.safetensors'))).toBe(true);
  }, 150_000);

  it("(d) an esbuild browser bundle of the README's example (browser form) trains in headless Chromium", async () => {
    assertChromium();
    const [example, browserLines] = usingItBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(browserLines).toBeDefined();
    const www = join(app, 'www');
    mkdirSync(www);
    writeFileSync(join(app, 'page.ts'), browserModule(example!, browserLines!));
    cpSync(join(app, 'page.html'), join(www, 'index.html'));
    await timed('esbuild', () => build({
      entryPoints: [join(app, 'page.ts')], outfile: join(www, 'page.js'), bundle: true, minify: true,
      format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error', absWorkingDir: app,
    }));
    const server = await serve({ root: www, port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...BASE_FLAGS, ...WEBGPU_FLAGS] });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await timed('chromium', async () => {
        await page.goto(server.url);
        await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
      });
      const state = await page.evaluate(() => document.body.dataset.state);
      expect(state, `${await page.locator('#status').textContent()} | ${logs.join(' | ')}`).toBe('ready');
      const losses = logs.map(Number).filter((v) => !Number.isNaN(v));
      expect(losses).toHaveLength(3);
      for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 180_000);
});
