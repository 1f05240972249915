// The library in headless Chromium (WebGPU on SwiftShader): the browser bundle loads, init()
// finds an adapter, kernels run and read back the same numbers as in Node (Dawn), and a
// browser without WebGPU gets a message that names it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as nodeWebrnn from 'webrnn';
import { matmulRef } from '../../src/reference/matmul.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { buildBundle, describeWithoutAdapter, runInPage, screenshot, startBrowser, type BrowserSession, type OpenedPage } from './chromium.js';

const HARNESS = 'test/browser/harness.html';

type Webrnn = typeof nodeWebrnn;

/**
 * Runs in Node and in the page (sent as source text, so it may use only its argument).
 * Sizes pass one 64-wide workgroup; randn is seeded, so both sides see the same data.
 */
async function workload(w: Webrnn) {
  const z = w.zeros([1000]);
  const f = w.full([3, 333], -2.5);
  const t = w.tensor([[1, 2, 3], [4, 5, 6]]);
  const i = w.tensor(new Int32Array([-3, 0, 2147483647]), [3]);
  const r = w.randn([257], { seed: 7 });
  // Odd sizes past one tile in every dimension; the second product broadcasts B over a batch.
  const a = w.randn([37, 67], { seed: 1 });
  const b = w.randn([67, 29], { seed: 2 });
  const ab = w.matmul(a, b);
  const a3 = w.randn([2, 5, 17], { seed: 3 });
  const b3 = w.randn([17, 70], { seed: 4 });
  const ab3 = w.matmul(a3, b3);
  const out = {
    zeros: Array.from(await z.data()),
    full: Array.from(await f.data()),
    fullShape: [...f.shape],
    tensor: Array.from(await t.data()),
    int32: Array.from(await i.data()),
    randn: Array.from(await r.data()),
    a: Array.from(await a.data()),
    b: Array.from(await b.data()),
    ab: Array.from(await ab.data()),
    abShape: [...ab.shape],
    a3: Array.from(await a3.data()),
    b3: Array.from(await b3.data()),
    ab3: Array.from(await ab3.data()),
    ab3Shape: [...ab3.shape],
  };
  for (const x of [z, f, t, i, r, a, b, ab, a3, b3, ab3]) x.dispose();
  return out;
}

// The pages import the bundle, so build it from the current sources first.
beforeAll(() => buildBundle());

describe('browser (headless Chromium, WebGPU on SwiftShader)', () => {
  let session: BrowserSession;
  let opened: OpenedPage;

  beforeAll(async () => {
    session = await startBrowser();
    opened = await session.open(HARNESS);
  }, 45_000);

  afterAll(async () => {
    await session?.close();
  });

  test('the bundle loads and init() finds a WebGPU adapter', async () => {
    expect(opened.state, `${opened.status}; ${opened.problems.join(' | ')}`).toBe('ready');
    const info = await opened.page.evaluate(() => window.webrnn.adapterInfo());
    console.log(`chromium adapter: ${info.name} (software: ${info.isSoftware}); flags: ${session.args.join(' ')}`);
    expect(info.name.length).toBeGreaterThan(0);
    expect(info.isSoftware).toBe(true); // SwiftShader, pinned by --use-webgpu-adapter
    expect(opened.status).toContain(info.name);
  });

  test('kernels run in the page and agree with Node (Dawn)', async () => {
    const chrome = await runInPage(opened.page, workload);
    expect(chrome.zeros).toEqual(Array(1000).fill(0));
    expect(chrome.fullShape).toEqual([3, 333]);
    expect(chrome.full).toEqual(Array(999).fill(-2.5));
    expect(chrome.tensor).toEqual([1, 2, 3, 4, 5, 6]);
    expect(chrome.int32).toEqual([-3, 0, 2147483647]);
    expect(chrome.randn).toHaveLength(257);
    expect(chrome.randn.every(Number.isFinite)).toBe(true);

    await nodeWebrnn.init();
    const node = await workload(nodeWebrnn);
    // Fills, uploads and seeded data are exact: the same bits on both sides.
    for (const key of ['zeros', 'full', 'tensor', 'int32', 'randn', 'a', 'b', 'a3', 'b3'] as const) {
      expect(chrome[key], key).toEqual(node[key]);
    }
    // Products may round differently (FMA, summation order): float32 tolerance scaled to K,
    // against Node and against the float64 twin.
    expect(chrome.abShape).toEqual([37, 29]);
    expect(chrome.ab3Shape).toEqual([2, 5, 70]);
    expectAllClose(chrome.ab, node.ab, reductionTol(67));
    expectAllClose(chrome.ab3, node.ab3, reductionTol(17));
    expectAllClose(chrome.ab, matmulRef(chrome.a, chrome.b, { batch: 1, m: 37, n: 29, k: 67 }), reductionTol(67));
    expectAllClose(chrome.ab3, matmulRef(chrome.a3, chrome.b3, { batch: 2, m: 5, n: 70, k: 17, broadcastB: true }), reductionTol(17));

    await opened.page.evaluate((r) => {
      window.show(`zeros[1000]: all ${r.zeros.every((v) => v === 0) ? '0' : 'NOT 0'}`);
      window.show(`full([3, 333], -2.5): ${r.full.slice(0, 3).join(', ')}, ...`);
      window.show(`randn(257, seed 7): ${r.randn.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}, ...`);
      window.show(`matmul([37, 67], [67, 29])[0, :4]: ${r.ab.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}, ...`);
    }, chrome);
    await screenshot(opened.page, 'browser.png');
  }, 30_000);

  test('the demos landing page loads the bundle and reports WebGPU', async () => {
    const page = await session.open('demos/');
    try {
      expect(page.state, `${page.status}; ${page.problems.join(' | ')}`).toBe('ready');
      expect(page.status).toMatch(/WebGPU works here: .*swiftshader/i);
    } finally {
      await page.page.close();
    }
  });

  test('a page without navigator.gpu shows an error that names WebGPU', async () => {
    const page = await session.open(HARNESS, { hideWebGpu: true });
    try {
      expect(page.state).toBe('error');
      expect(page.status).toMatch(/WebGPU/);
      expect(page.status).toMatch(/navigator\.gpu/);
      expect(await page.page.locator('#status').isVisible()).toBe(true);
    } finally {
      await page.page.close();
    }
  });
});

describeWithoutAdapter('browser with WebGPU but no adapter', (session) => {
  test('init() fails with a message that names WebGPU and the missing adapter', async () => {
    const page = await session().open(HARNESS);
    expect(page.state, page.status).toBe('error');
    expect(page.status).toMatch(/WebGPU/);
    expect(page.status).toMatch(/adapter/);
  });
});
