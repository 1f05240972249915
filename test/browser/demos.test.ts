// The demo pages in headless Chromium (WebGPU on SwiftShader): every page loads and names the
// adapter, binary-add trains a few steps in the page and its loss goes down (screenshot kept),
// tfjs-finetune fine-tunes its imported TF.js model and reloads it from IndexedDB, the pages explain a missing WebGPU, and an LSTM + Linear with the same weights agrees with Node.
// WEBRNN_DOCS_SCREENSHOT=1 also trains binary-add with its defaults and writes docs/binary-add.png.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as nodeWebrnn from 'webrnn';
import { CAPTCHA_CONFIGS } from '../../demos/captcha/model.js';
import type { PageState } from '../../demos/common/page.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { rnnForwardRef, type ParamsRef } from '../../src/reference/rnn_layer.js';
import { expectAllClose, firstMismatch, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';
import { buildBundle, describeWithoutAdapter, REPO_ROOT, runInPage, screenshot, startBrowser, type BrowserSession, type OpenedPage } from './chromium.js';

const DEMOS = ['binary-add', 'sine', 'seq-mnist', 'char-rnn', 'seq2seq', 'captcha', 'tfjs-finetune'];
const RUN_TIMEOUT_MS = 40_000;
const docsScreenshot = process.env.WEBRNN_DOCS_SCREENSHOT === '1';

/** The page's state (window.demoPage); fails with the page's own words when it has none. */
async function pageState(opened: OpenedPage): Promise<PageState> {
  const s = await opened.page.evaluate(() => window.demoPage);
  if (!s) throw new Error(`no window.demoPage: ${opened.status}; ${opened.problems.join(' | ')}`);
  return s;
}

/** Waits until the run ends (done, stopped or failed) and returns the page state. */
async function finished(opened: OpenedPage, timeout = RUN_TIMEOUT_MS): Promise<PageState> {
  await opened.page.waitForFunction(() => ['done', 'stopped', 'failed'].includes(document.body.dataset.run ?? ''), null, { timeout });
  return pageState(opened);
}

// Sizes: two layers, an odd hidden size, enough steps for rounding differences to build up.
const EQ = { inputSize: 3, hiddenSize: 19, numLayers: 2, outputs: 5, seqLen: 12, batch: 3 };

/** LSTM + Linear in the page, with the weights from safetensors bytes (sent as source text: globals only). */
async function forwardInPage(w: Window['webrnn']) {
  const d = (window as unknown as { equality: { bytes: number[]; x: number[]; eq: typeof EQ } }).equality;
  const { eq } = d;
  const record = await w.loadSafetensors(new Uint8Array(d.bytes));
  // Other seeds than Node's: only the loaded weights can make the outputs agree.
  const lstm = new w.nn.LSTM({ inputSize: eq.inputSize, hiddenSize: eq.hiddenSize, numLayers: eq.numLayers, seed: 1001 });
  const head = new w.nn.Linear(eq.hiddenSize, eq.outputs, { seed: 1002 });
  const part = (prefix: string) => Object.fromEntries(Object.entries(record).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  lstm.loadStateDict(part('lstm.'));
  head.loadStateDict(part('head.'));
  const x = w.tensor(new Float32Array(d.x), [eq.seqLen, eq.batch, eq.inputSize]);
  const [y, [hN, cN]] = lstm.forward(x, null);
  const out = head.forward(y);
  return { out: Array.from(await out.data()), hN: Array.from(await hN.data()), cN: Array.from(await cN.data()) };
}

// The pages import the bundles, so build them from the current sources first.
beforeAll(() => buildBundle());

describe('demo pages (headless Chromium, WebGPU on SwiftShader)', () => {
  let session: BrowserSession;

  beforeAll(async () => {
    session = await startBrowser();
  }, 45_000);

  afterAll(async () => {
    await session?.close();
  });

  test.each(DEMOS)('the %s page loads and shows the adapter name', async (name) => {
    const opened = await session.open(`demos/${name}/`);
    try {
      expect(opened.state, `${opened.status}; ${opened.problems.join(' | ')}`).toBe('ready');
      const s = await pageState(opened);
      expect(s.demo).toBe(name);
      expect(s.run).toBe('idle');
      expect(s.adapter!.name).toMatch(/swiftshader/i);
      expect(opened.status).toContain(s.adapter!.name);
      expect(await opened.page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
      expect(await opened.page.locator('canvas#loss').isVisible()).toBe(true);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.page.close();
    }
  });

  test('the landing page links every demo page', async () => {
    const opened = await session.open('demos/');
    try {
      const links = await opened.page.locator('#demos a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
      expect(links).toEqual(DEMOS.map((name) => `${name}/`));
    } finally {
      await opened.page.close();
    }
  });

  test('seq2seq trains in the page, then draws the attention matrix of a typed date', async () => {
    const opened = await session.open('demos/seq2seq/?steps=3&batch=8&hidden=8&embed=4&holdout=8&evalEvery=3&beam=2&examples=1&autostart');
    try {
      const s = await finished(opened, 120_000);
      expect(s.run, s.error).toBe('done');
      expect(s.result!.summary.heldOut).toBe(8);
      await opened.page.waitForFunction(() => document.body.dataset.attention === 'shown', null, { timeout: 30_000 });
      expect(await opened.page.locator('#attention-output').textContent()).toMatch(/^"Saturday, 5 December 2026" → .{10}$/);
      await opened.page.locator('section input').fill('12/05/26');
      await opened.page.getByRole('button', { name: 'Show attention' }).click();
      await opened.page.waitForFunction(() => document.getElementById('attention-output')!.textContent!.startsWith('"12/05/26"'), null, { timeout: 30_000 });
      const width = await opened.page.locator('canvas#attention').evaluate((c) => (c as HTMLCanvasElement).width);
      expect(width).toBe(22 * 1.5 + 22 * 8 + 4); // one column per input character
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.page.close();
    }
  }, 180_000);

  test('captcha trains in the page, then shows held-out captchas with predicted and true text', async () => {
    const opened = await session.open('demos/captcha/?steps=2&trainCount=16&batch=8&holdout=4&evalBatch=4&examples=3&autostart');
    try {
      const s = await finished(opened, 150_000);
      expect(s.run, s.error).toBe('done');
      expect(s.result!.summary.heldOut).toBe(4);
      await opened.page.waitForFunction(() => document.body.dataset.examples === '3', null, { timeout: 10_000 });
      const captions = await opened.page.locator('#examples figure div').allTextContents();
      expect(captions).toHaveLength(3);
      for (const c of captions) expect(c).toMatch(/^[0-9A-Z]{4}( \([0-9A-Z]{4}\))?$/);
      const width = await opened.page.locator('#examples canvas').first().evaluate((c) => (c as HTMLCanvasElement).width);
      expect(width).toBe(3 * CAPTCHA_CONFIGS.small.width); // the small model's images at 3×
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.page.close();
    }
  }, 200_000);

  test('tfjs-finetune imports the TF.js model, fine-tunes it, saves it to IndexedDB and loads it back', async () => {
    const opened = await session.open('demos/tfjs-finetune/?steps=4&batch=4&seqLen=8&sample=4&autostart');
    try {
      const s = await finished(opened, 120_000);
      expect(s.run, s.error).toBe('done');
      expect(s.losses.map((p) => p.step)).toEqual([1, 2, 3, 4]);
      expect(s.losses.every((p) => Number.isFinite(p.loss))).toBe(true);
      const r = s.result!.summary;
      expect(r.store).toBe('indexeddb://tfjs-finetune');
      expect(r.lossReloaded).toBe(r.lossAfter); // the same weights back from IndexedDB
      expect(r.lossAfter).not.toBe(r.lossBefore); // fine-tuning changed the imported weights
      expect(s.log.join('\n')).toMatch(/listModels\(\): indexeddb:\/\/tfjs-finetune is a layers-model, \d+ bytes of weights/);
      expect(s.log[0]).toMatch(/imported .* from TF.js/);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.page.close();
    }
  }, 150_000);

  describe('binary-add', () => {
    let opened: OpenedPage;

    // One page for these tests: the second run reuses the pipelines the first one compiled (seconds on SwiftShader).
    beforeAll(async () => {
      opened = await session.open('demos/binary-add/?steps=30&holdout=100&autostart');
    }, 30_000);

    afterAll(async () => {
      await opened?.page.close();
    });

    test('the adapter allows the 9 storage buffers of the LSTM backward kernel', async () => {
      expect(opened.state, opened.status).toBe('ready');
      const { adapter } = await pageState(opened);
      console.log(`chromium ${adapter!.name}: maxStorageBuffersPerShaderStage = ${adapter!.maxStorageBuffersPerShaderStage}`);
      // lstm_step_backward binds 9 storage buffers; WebGPU's default limit is 8, init() asks for the adapter's maximum.
      expect(adapter!.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(9);
    });

    test('trains a few steps in the page and the loss goes down', async () => {
      const s = await finished(opened);
      expect(s.run, s.error).toBe('done');
      expect(s.config.steps).toBe(30);
      expect(s.progress!.step).toBe(30);
      const losses = s.losses.map((p) => p.loss);
      expect(losses.length, JSON.stringify(s.losses)).toBeGreaterThanOrEqual(10);
      expect(losses.every(Number.isFinite)).toBe(true);
      // Per-step losses are noisy (a fresh batch each step): compare the first and last five.
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      const [first, last] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
      console.log(`binary-add in Chromium: loss ${first.toFixed(4)} → ${last.toFixed(4)} in 30 steps, ${s.seconds!.toFixed(1)} s ` +
        `(first step ${s.losses[0]!.seconds.toFixed(1)} s: pipeline compilation)`);
      expect(last).toBeLessThan(first);
      expect(s.result!.summary.steps).toBe(30);
      expect(await opened.page.locator('#progress').textContent()).toContain('step 30 / 30');
      expect(await opened.page.locator('#summary').isVisible()).toBe(true);
      await screenshot(opened.page, 'demos/binary-add.png');
    }, 60_000);

    test('the Stop button ends a second run after the current step', async () => {
      await finished(opened);
      await opened.page.locator('input[name=steps]').fill('100000');
      await opened.page.locator('input[name=earlyStop]').uncheck();
      await opened.page.getByRole('button', { name: 'Start' }).click();
      await opened.page.waitForFunction(() => window.demoPage?.run === 'running' && window.demoPage.losses.length > 0, null, { timeout: RUN_TIMEOUT_MS });
      await opened.page.getByRole('button', { name: 'Stop' }).click();
      const s = await finished(opened);
      expect(s.run, s.error).toBe('stopped');
      expect(s.config.steps).toBe(100000);
      expect(s.progress!.step).toBeLessThan(100000);
      expect(await opened.page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
    }, 60_000);
  });

  test('a page without navigator.gpu says that WebGPU is missing and what to do', async () => {
    const opened = await session.open('demos/binary-add/', { hideWebGpu: true });
    try {
      expect(opened.state).toBe('error');
      expect(opened.status).toMatch(/WebGPU/);
      expect(opened.status).toMatch(/navigator\.gpu/);
      expect(opened.status).toMatch(/Chrome .*113/);
      expect(await opened.page.getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
    } finally {
      await opened.page.close();
    }
  });

  test('an unknown URL option is named in the error', async () => {
    const opened = await session.open('demos/binary-add/?stepz=3');
    try {
      expect(opened.state).toBe('error');
      expect(opened.status).toMatch(/unknown URL option 'stepz'/);
    } finally {
      await opened.page.close();
    }
  });

  test('the same weights give the same outputs in Chrome and in Node: LSTM (2 layers) + Linear = float64 reference', async () => {
    const w = nodeWebrnn;
    await w.init();
    const lstm = new w.nn.LSTM({ inputSize: EQ.inputSize, hiddenSize: EQ.hiddenSize, numLayers: EQ.numLayers, seed: 7 });
    const head = new w.nn.Linear(EQ.hiddenSize, EQ.outputs, { seed: 8 });
    const prefixed = (p: string, r: Record<string, nodeWebrnn.Tensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [p + k, t]));
    const bytes = await w.saveSafetensors({ ...prefixed('lstm.', lstm.stateDict()), ...prefixed('head.', head.stateDict()) });
    const x = roundF32(uniform(EQ.seqLen * EQ.batch * EQ.inputSize, 3, -2, 2));
    const xT = w.tensor(Float32Array.from(x), [EQ.seqLen, EQ.batch, EQ.inputSize]);
    const [y, [hN, cN]] = lstm.forward(xT, null);
    const outT = head.forward(y);
    const node = { out: await outT.data(), hN: await hN.data(), cN: await cN.data() };

    const opened = await session.open('test/browser/harness.html');
    try {
      expect(opened.state, opened.status).toBe('ready');
      await opened.page.evaluate((d) => { (window as unknown as { equality: unknown }).equality = d; }, { bytes: Array.from(bytes), x: Array.from(x), eq: EQ });
      const chrome = await runInPage(opened.page, forwardInPage);

      // The float64 reference from the same bytes: both GPUs must match the math, not just each other.
      const file = decodeSafetensors(bytes);
      const param = (k: string) => Float64Array.from(file.tensors[k]!.data as Float32Array);
      const params: ParamsRef = {};
      for (const k of Object.keys(file.tensors)) if (k.startsWith('lstm.')) params[k.slice(5)] = param(k);
      const cfg = { mode: 'lstm' as const, inputSize: EQ.inputSize, hiddenSize: EQ.hiddenSize, numLayers: EQ.numLayers, bias: true, bidirectional: false, batchFirst: false };
      const ref = rnnForwardRef(cfg, params, { x, seqLen: EQ.seqLen, batch: EQ.batch });
      const [W, b] = [param('head.weight'), param('head.bias')];
      const refOut = new Float64Array(EQ.seqLen * EQ.batch * EQ.outputs);
      for (let r = 0; r < EQ.seqLen * EQ.batch; r++) {
        for (let o = 0; o < EQ.outputs; o++) {
          let s = b[o]!;
          for (let j = 0; j < EQ.hiddenSize; j++) s += W[o * EQ.hiddenSize + j]! * ref.y[r * EQ.hiddenSize + j]!;
          refOut[r * EQ.outputs + o] = s;
        }
      }

      // Chrome vs Node: two float32 implementations (SwiftShader vs lavapipe: exp/tanh, FMA, summation
      // order) over 12 recurrent steps and 2 layers. Measured: at most ~1e-7 apart (a few ulps), so
      // TOL.reduction (10× tighter than TOL.bptt) holds with room; the same bound applies to the twin.
      for (const k of ['out', 'hN', 'cN'] as const) {
        const diff = firstMismatch(chrome[k], node[k], { rtol: 0, atol: 0 });
        console.log(`chrome vs node ${k}: ${diff === null ? 'bit-identical' : `largest difference ${diff}`}`);
        expectAllClose(chrome[k], node[k], TOL.reduction);
      }
      expectAllClose(chrome.out, refOut, TOL.reduction);
      expectAllClose(node.out, refOut, TOL.reduction);
      expectAllClose(chrome.hN, ref.hN, TOL.reduction);
      expectAllClose(chrome.cN, ref.cN!, TOL.reduction);
    } finally {
      await opened.page.close();
      for (const t of [xT, y, hN, cN, outT, lstm, head]) t.dispose();
    }
  });

  test.runIf(docsScreenshot)('README screenshot: binary-add trained with its defaults', async () => {
    const opened = await session.open('demos/binary-add/?autostart');
    try {
      const s = await finished(opened, 170_000);
      expect(s.run, s.error).toBe('done');
      console.log(`binary-add in Chromium: ${JSON.stringify(s.result!.summary)}, ${s.seconds!.toFixed(1)} s`);
      // The top of the page (settings, progress, loss curve, the sums in the log), not the whole page: small.
      await opened.page.setViewportSize({ width: 900, height: 960 });
      const path = join(REPO_ROOT, 'docs/binary-add.png');
      mkdirSync(dirname(path), { recursive: true });
      await opened.page.screenshot({ path });
      console.log(`screenshot: ${path}`);
    } finally {
      await opened.page.close();
    }
  }, 180_000);
});

describeWithoutAdapter('demo page with WebGPU but no adapter', (session) => {
  test('the page names the missing adapter and what to do', async () => {
    const opened = await session().open('demos/binary-add/');
    expect(opened.state, opened.status).toBe('error');
    expect(opened.status).toMatch(/adapter/);
    expect(opened.status).toMatch(/hardware acceleration/);
  });
});
