// Browser storage in headless Chromium (the harness page, WebGPU on SwiftShader): weights and TF.js
// models (imported or a native nn.Sequential) saved to 'indexeddb://name' are listed, load back
// with the same predictions, are overwritten and removed by name; File objects, Blobs and URLs
// load; 'downloads://name' offers TF.js's files; a save over the storage quota fails with a named
// error and leaves the old entry.
// The Node side of the same API is test/io/storage_sources.test.ts.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildBundle, runInPage, startBrowser, type BrowserSession, type OpenedPage } from './chromium.js';

const FIXTURE = '/test/fixtures/tfjs/lstm_last_sharded/';

beforeAll(() => buildBundle());

describe('browser storage (headless Chromium)', () => {
  let session: BrowserSession;
  let opened: OpenedPage;

  beforeAll(async () => {
    session = await startBrowser();
    opened = await session.open('test/browser/harness.html');
  }, 45_000);

  afterAll(async () => {
    await session?.close();
  });

  test('safetensors weights: save → list → load gives equal outputs; overwrite; remove; a missing name', async () => {
    expect(opened.state, opened.status).toBe('ready');
    const r = await runInPage(opened.page, async (w) => {
      const make = (seed: number) => new w.nn.GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed });
      const x = w.tensor(Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.sin(i)), [4, 2, 3]);
      const run = async (m: InstanceType<typeof w.nn.GRU>) => Array.from(await m.forward(x)[0].data());
      const a = make(1);
      const want = await run(a);
      const bytes = await w.saveSafetensors(a, 'indexeddb://gru');
      const listed = (await w.listModels())['indexeddb://gru'];
      const b = make(2);
      const before = await run(b);
      b.loadStateDict(await w.loadSafetensors('indexeddb://gru'));
      const got = await run(b);
      // The same bytes from a blob: URL (fetch) and a missing address relative to the page.
      const fromUrl = await w.loadSafetensors(URL.createObjectURL(new Blob([bytes])));
      b.loadStateDict(fromUrl);
      const viaUrl = await run(b);
      const notThere = await w.loadSafetensors('nowhere.safetensors').then(() => 'loaded', (e: Error) => e.message);
      // Overwrite the name with other weights: the entry holds the new ones.
      await w.saveSafetensors(make(3), 'indexeddb://gru');
      b.loadStateDict(await w.loadSafetensors('indexeddb://gru'));
      const third = await run(b);
      const removed = await w.removeModel('indexeddb://gru');
      const after = Object.keys(await w.listModels());
      const missing = await w.loadSafetensors('indexeddb://gru').then(() => 'loaded', (e: Error) => e.message);
      const removeMissing = await w.removeModel('indexeddb://gru').then(() => 'removed', (e: Error) => e.message);
      return {
        want, before, got, viaUrl, notThere, third, after, missing, removeMissing, bytes: bytes.length,
        listed: listed && { ...listed, dateSaved: listed.dateSaved instanceof Date },
        removed: { format: removed.format, weightDataBytes: removed.weightDataBytes },
      };
    });
    expect(r.listed).toEqual({ dateSaved: true, format: 'safetensors', modelTopologyType: null, modelTopologyBytes: 0, weightDataBytes: r.bytes });
    expect(r.before).not.toEqual(r.want);
    expect(r.got).toEqual(r.want);
    expect(r.viaUrl).toEqual(r.want);
    expect(r.notThere).toMatch(/^webrnn: loadSafetensors: fetching 'nowhere.safetensors' gave HTTP 404/);
    expect(r.third).not.toEqual(r.want);
    expect(r.removed).toEqual({ format: 'safetensors', weightDataBytes: r.bytes });
    expect(r.after).not.toContain('indexeddb://gru');
    expect(r.missing).toMatch(/^webrnn: loadSafetensors: no model stored as 'indexeddb:\/\/gru'/);
    expect(r.removeMissing).toMatch(/^webrnn: removeModel\('indexeddb:\/\/gru'\): no model stored as 'indexeddb:\/\/gru'/);
  });

  test('a TF.js model from a URL, from File objects and from IndexedDB gives TF.js\'s predictions; checkpoints round-trip', async () => {
    await opened.page.evaluate((dir) => { (window as unknown as { fixtureDir: string }).fixtureDir = dir; }, FIXTURE);
    const r = await runInPage(opened.page, async (w) => {
      const dir = (window as unknown as { fixtureDir: string }).fixtureDir;
      const exp = await (await fetch(`${dir}expected.json`)).json() as { inputs: { shape: number[]; data: number[] }[]; outputs: { data: number[] }[] };
      const x = w.tensor(Float32Array.from(exp.inputs[0]!.data), exp.inputs[0]!.shape);
      const predict = async (m: Awaited<ReturnType<typeof w.loadLayersModel>>) => Array.from(await (m.forward(x) as InstanceType<typeof w.Tensor>).data());
      const fromUrl = await w.loadLayersModel(`${dir}model.json`); // relative to the page's origin
      const names = ['model.json', 'group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'];
      const files = await Promise.all(names.map(async (n) => new File([await (await fetch(dir + n)).arrayBuffer()], n)));
      const fromFiles = await w.loadLayersModel(files);
      const [url, fromFileOutputs] = [await predict(fromUrl), await predict(fromFiles)];
      await w.saveLayersModel(fromUrl, 'indexeddb://lstm');
      const info = (await w.listModels())['indexeddb://lstm']!;
      const fromDb = await w.loadLayersModel('indexeddb://lstm');
      const wrongKind = await w.loadSafetensors('indexeddb://lstm').then(() => 'loaded', (e: Error) => e.message);
      // A checkpoint with the optimizer's state, through IndexedDB, into a model with other weights.
      const opt = new w.optim.Adam(fromUrl.parameters(), { lr: 0.01 });
      const loss = w.mean(w.square(fromUrl.forward(x) as InstanceType<typeof w.Tensor>));
      loss.backward();
      opt.step();
      await w.saveCheckpoint('indexeddb://ckpt', { model: fromUrl, optimizer: opt, extra: { note: 'tuned' } });
      const restored = await w.loadCheckpoint('indexeddb://ckpt', { model: fromFiles, optimizer: new w.optim.Adam(fromFiles.parameters(), { lr: 0.01 }) });
      const tuned = await predict(fromUrl);
      const blobBytes = await w.saveSafetensors(fromUrl);
      const fromBlob = await w.loadSafetensors(new Blob([blobBytes]));
      const out = {
        want: exp.outputs[0]!.data, url, files: fromFileOutputs, db: await predict(fromDb), wrongKind,
        info: { format: info.format, modelTopologyType: info.modelTopologyType, json: info.modelTopologyBytes > 100, weightDataBytes: info.weightDataBytes },
        restored, tuned, restoredOutputs: await predict(fromFiles), blobNames: Object.keys(fromBlob).length, params: fromUrl.parameters().length,
      };
      for (const name of ['indexeddb://lstm', 'indexeddb://ckpt']) await w.removeModel(name);
      return out;
    }, 60_000);
    const scale = Math.max(...r.want.map(Math.abs));
    const close = (got: number[]) => got.every((v, i) => Math.abs(v - r.want[i]!) <= 1e-5 * scale);
    for (const k of ['url', 'files', 'db'] as const) expect(close(r[k]), `${k}: ${JSON.stringify({ got: r[k], want: r.want })}`).toBe(true);
    expect(r.db).toEqual(r.url);
    expect(r.info).toEqual({ format: 'layers-model', modelTopologyType: 'JSON', json: true, weightDataBytes: 4 * (4 * 3 * 4 + 4 * 4 * 4 + 4 * 4 + 4 * 2 + 2) });
    expect(r.wrongKind).toMatch(/'indexeddb:\/\/lstm' holds a TF.js layers model, not safetensors weights: load it with loadLayersModel/);
    expect(r.restored).toEqual({ step: 1, extra: { note: 'tuned' } });
    expect(r.restoredOutputs).toEqual(r.tuned);
    expect(r.blobNames).toBe(r.params);
  }, 90_000);

  test('a native nn.Sequential saved to IndexedDB loads back as a TF.js layers model with the same outputs', async () => {
    const r = await runInPage(opened.page, async (w) => {
      const net = new w.nn.Sequential(new w.nn.LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 1 }), new w.nn.LastStep(), new w.nn.Linear(4, 2, { seed: 2 }));
      const x = w.tensor(Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.cos(i)), [2, 5, 3]);
      const want = Array.from(await (net.forward(x) as InstanceType<typeof w.Tensor>).data());
      await w.saveLayersModel(net, 'indexeddb://native');
      const back = await w.loadLayersModel('indexeddb://native');
      const got = Array.from(await (back.forward(x) as InstanceType<typeof w.Tensor>).data());
      const format = (await w.listModels())['indexeddb://native']!.format;
      await w.removeModel('indexeddb://native');
      return { want, got, format };
    });
    expect(r.format).toBe('layers-model');
    expect(r.got).toHaveLength(4);
    const scale = Math.max(...r.want.map(Math.abs));
    r.got.forEach((v, i) => expect(Math.abs(v - r.want[i]!)).toBeLessThanOrEqual(1e-5 * scale));
  });

  test('downloads:// offers TF.js\'s files for a layers model and name.safetensors for weights', async () => {
    const page = opened.page;
    const downloads: { name: string; bytes: Buffer }[] = [];
    const seen = new Promise<void>((done) => {
      page.on('download', async (d) => {
        downloads.push({ name: d.suggestedFilename(), bytes: await readFile((await d.path())!) });
        if (downloads.length === 3) done();
      });
    });
    await page.evaluate((dir) => { (window as unknown as { fixtureDir: string }).fixtureDir = dir; }, FIXTURE);
    const sizes = await runInPage(page, async (w) => {
      const m = await w.loadLayersModel(`${(window as unknown as { fixtureDir: string }).fixtureDir}model.json`);
      const saved = await w.saveLayersModel(m, 'downloads://tuned');
      const bytes = await w.saveSafetensors({ w: w.tensor(Float32Array.of(1, 2, 3), [3]) }, 'downloads://weights');
      return { weights: saved.weights.length, safetensors: bytes.length, stored: Object.keys(await w.listModels()).length };
    });
    await Promise.race([seen, new Promise((_, no) => setTimeout(() => no(new Error(`only ${downloads.length} downloads`)), 20_000))]);
    const byName = Object.fromEntries(downloads.map((d) => [d.name, d.bytes]));
    expect(Object.keys(byName).sort()).toEqual(['tuned.json', 'tuned.weights.bin', 'weights.safetensors']);
    expect(JSON.parse(byName['tuned.json']!.toString()).weightsManifest[0].paths).toEqual(['./tuned.weights.bin']);
    expect(byName['tuned.weights.bin']!.length).toBe(sizes.weights);
    expect(byName['weights.safetensors']!.length).toBe(sizes.safetensors);
    expect(sizes.stored).toBe(0); // a download stores nothing
  });

  test('a save over the storage quota fails by name and leaves the previous entry intact', async () => {
    // Chromium applies a quota override only to an origin whose storage is not open yet: a fresh
    // origin (localhost, the same server) with the override set before the page touches IndexedDB.
    const url = new URL('test/browser/harness.html', session.baseUrl.replace('127.0.0.1', 'localhost')).href;
    const fresh = await session.open(url);
    const page = fresh.page;
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(url).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 64 * 1024 });
    try {
      expect(fresh.state, fresh.status).toBe('ready');
      const r = await runInPage(page, async (w) => {
        await w.saveSafetensors({ w: w.tensor(Float32Array.of(1, 2, 3), [3]) }, 'indexeddb://q');
        const big = w.rand([256, 1024], { seed: 1 }); // 1 MiB that does not compress: over the quota
        const error = await w.saveSafetensors({ w: big }, 'indexeddb://q').then(() => 'saved', (e: Error) => e.message);
        big.dispose();
        const kept = await w.loadSafetensors('indexeddb://q');
        return { error, kept: Array.from(await kept.w!.data()), info: (await w.listModels())['indexeddb://q']!.weightDataBytes };
      }, 60_000);
      expect(r.error).toMatch(/^webrnn: saveSafetensors: saving 'indexeddb:\/\/q' exceeds the browser's storage quota \(QuotaExceededError\b.*the previous entry is unchanged/);
      expect(r.kept).toEqual([1, 2, 3]);
      expect(r.info).toBeLessThan(1000);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
      await page.close();
    }
  }, 90_000);
});
