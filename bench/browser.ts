// Benchmark section `browser`: the workloads' inference forwards (and webrnn's training steps) in
// headless Chromium on its SwiftShader adapter (what a browser without a GPU gets), webrnn and
// onnxruntime-web (WebGPU execution provider, and wasm with 2 threads) in the same page:
// bench/browser_page.ts, bundled here with esbuild and served through Playwright's request routing
// with the cross-origin isolation headers that wasm threads need. The system Chromium only; never a downloaded one.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { Browser, Route } from 'playwright-core';
import { BASE_FLAGS, CHROMIUM_PATH, WEBGPU_FLAGS } from '../test/browser/flags.js';
import type { BenchRow, RunSection } from './bench.js';
import { LOGIT_TOLERANCE } from './ort_workloads.js';
import { repoRoot } from './repo.js';
import { ratio } from './timing.js';
import type { PageConfig, PageInfo, PageResult } from './browser_page.js';
import { FULL_WORKLOADS, QUICK_WORKLOADS, selectWorkloads, shapeOf, type Workload } from './workloads.js';

const req = createRequire(import.meta.url);
const ORIGIN = 'http://localhost';
/** Where the page gets onnxruntime-web's dist/ files. */
const ORT_WEB_PATH = '/ort/';
/** Threads of onnxruntime-web's wasm provider: the machine kind's 2 CPUs. */
const ORT_WASM_THREADS = 2;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>webrnn bench</title><script type="module" src="/page.js"></script>';

/** The page's files: the page, its bundle, and onnxruntime-web's dist/ under ORT_WEB_PATH. */
async function pageFiles(root: string): Promise<(path: string) => Promise<Buffer | string | null>> {
  const { build } = (await import('esbuild')) as typeof import('esbuild');
  const out = await build({
    entryPoints: [join(root, 'bench/browser_page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    external: ['webgpu', 'node:*'], write: false, logLevel: 'warning',
  });
  const bundle = out.outputFiles[0]!.text;
  let ortDist: string | null = null;
  try {
    ortDist = dirname(req.resolve('onnxruntime-web'));
  } catch {
    // not installed: the page reports it, webrnn still runs
  }
  return async (path) => {
    if (path === '/' || path === '/index.html') return PAGE;
    if (path === '/page.js') return bundle;
    const name = path.startsWith(ORT_WEB_PATH) ? path.slice(ORT_WEB_PATH.length) : null;
    if (ortDist && name && /^[\w.-]+$/.test(name)) return readFile(join(ortDist, name)).catch(() => null);
    return null;
  };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`bench: browser: ${what} did not finish within ${ms / 1000} s`)), ms).unref())]);

export const browserSection: RunSection = {
  name: 'browser',
  async run(ctx) {
    if (!existsSync(CHROMIUM_PATH)) {
      ctx.note(`Skipped: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH; the bench never downloads a browser).`);
      return [];
    }
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = req('playwright-core') as typeof import('playwright-core'));
    } catch (e) {
      ctx.note(`Skipped: playwright-core, which drives Chromium, is not installed (${(e as Error).message.split('\n')[0]}).`);
      return [];
    }
    const files = await pageFiles(repoRoot());
    const withOrt = !ctx.options.skipOrt;
    let browser: Browser | undefined;
    const rows: BenchRow[] = [];
    const agreement: BenchRow[] = [];
    const errors = new Map<string, string>();
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...BASE_FLAGS, ...WEBGPU_FLAGS], timeout: 30_000 });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.route(`${ORIGIN}/**`, async (route: Route) => {
        const path = new URL(route.request().url()).pathname;
        const body = await files(path);
        if (body === null) return route.fulfill({ status: 404, body: `404 ${path}` });
        // Cross-origin isolation: SharedArrayBuffer, so onnxruntime-web's wasm can use threads.
        const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
        return route.fulfill({ status: 200, body, contentType: TYPES[extname(path)] ?? 'text/html', headers });
      });
      await page.goto(`${ORIGIN}/`);
      const info = await withTimeout(page.evaluate((c) => window.benchPage!.start(c), { ortPath: withOrt ? ORT_WEB_PATH : null, wasmThreads: ORT_WASM_THREADS } as PageConfig) as Promise<PageInfo>, 60_000, 'the page').catch((e: Error) => {
        throw new Error(`${e.message}; page errors: ${problems.join(' | ') || 'none'}`);
      });
      ctx.progress(`browser: ${info.adapter}, onnxruntime-web ${info.ortVersion ?? (withOrt ? `missing (${info.ortError})` : 'skipped')}, isolated: ${info.crossOriginIsolated}`);
      const all = ctx.quick ? QUICK_WORKLOADS : FULL_WORKLOADS;
      for (const wl of selectWorkloads(all, ctx.options.only)) {
        const r = await withTimeout(
          page.evaluate(([w, q, o, t]) => window.benchPage!.workload(w, q, o, t), [wl, ctx.quick, withOrt, !ctx.options.inferOnly] as [Workload, boolean, boolean, boolean]) as Promise<PageResult>,
          ctx.quick ? 120_000 : 900_000,
          `${wl.id}`,
        );
        for (const [p, why] of Object.entries(r.errors)) errors.set(p, why);
        const ours = r.webrnn.medianMs;
        const gpu = r.ort.webgpu?.infer?.medianMs;
        const wasm = r.ort.wasm?.infer?.medianMs;
        ctx.progress(`browser ${wl.id}: webrnn ${ours.toFixed(1)} ms (train ${r.train?.medianMs.toFixed(1) ?? '—'} ms), ORT-webgpu ${gpu?.toFixed(1) ?? '—'} ms, ORT-wasm ${wasm?.toFixed(1) ?? '—'} ms`);
        rows.push({
          case: `${wl.id} infer`,
          shape: shapeOf(wl),
          'webrnn ms (median)': ours,
          'webrnn ms (min)': r.webrnn.minMs,
          ...(withOrt ? { 'ORT-webgpu ms': gpu ?? '—', 'vs ORT-webgpu': ratio(gpu, ours), 'ORT-wasm×2 ms': wasm ?? '—', 'vs ORT-wasm': ratio(wasm, ours) } : {}),
          runs: [r.webrnn, r.ort.webgpu?.infer, r.ort.wasm?.infer].filter(Boolean).map((x) => `${x!.warmup}+${x!.runs}`).join(' / '),
        });
        if (r.train) {
          const none: Record<string, string> = withOrt ? { 'ORT-webgpu ms': '—', 'vs ORT-webgpu': '—', 'ORT-wasm×2 ms': '—', 'vs ORT-wasm': '—' } : {};
          rows.push({ case: `${wl.id} train`, shape: shapeOf(wl), 'webrnn ms (median)': r.train.medianMs, 'webrnn ms (min)': r.train.minMs, ...none, runs: `${r.train.warmup}+${r.train.runs}` });
        }
        if (withOrt) agreement.push({ case: wl.id, 'ORT-webgpu max Δ': r.ort.webgpu?.maxDiff ?? '—', 'ORT-wasm max Δ': r.ort.wasm?.maxDiff ?? '—' });
      }
      ctx.note(
        `Headless Chromium (${CHROMIUM_PATH}) on ${info.adapter}: webrnn and onnxruntime-web ${info.ortVersion ?? '(not loaded)'} in the same page, the same ` +
          'models, weights and inputs as the workloads section; each inference call ending with the logits read back; ' +
          'train rows: webrnn\'s training step (forward, backward, Adam, loss read back; ONNX Runtime Web does not train). ' +
          `ORT-webgpu: onnxruntime-web's WebGPU execution provider on the page's adapter (CPU fall-back disabled); ORT-wasm×2: its wasm provider with ${ORT_WASM_THREADS} threads ` +
          `(page cross-origin isolated: ${info.crossOriginIsolated}), as context. "vs ORT" = ORT median / webrnn median.`,
      );
      if (!withOrt) ctx.note('ONNX Runtime was skipped (--skip-ort).');
      else if (info.ortError) ctx.note(`onnxruntime-web did not load: ${info.ortError}`);
      for (const [p, why] of errors) ctx.note(`onnxruntime-web ${p} provider unavailable: ${why}`);
      if (withOrt) {
        ctx.table('onnxruntime-web logits vs webrnn in the page', agreement, 3);
        ctx.note(`max Δ: largest absolute difference of a logit, ORT − webrnn; above ${LOGIT_TOLERANCE} a provider is not timed.`);
      }
    } finally {
      await browser?.close();
    }
    return rows;
  },
};
