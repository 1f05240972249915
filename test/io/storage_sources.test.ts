// Where weights come from and go to, in Node: loadSafetensors and loadCheckpoint from bytes, an
// ArrayBuffer, a Blob, a File, a path, a file:// URL and an http URL (a local server, through
// fetch) all give the same tensors; the browser-only addresses ('indexeddb://', 'downloads://')
// fail here with errors that say why and write nothing; the files a 'downloads://' save offers
// load back through loadLayersModel's File source. The browser tier is test/browser/storage.test.ts.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, listModels, loadCheckpoint, loadLayersModel, loadSafetensors, nn, removeModel, saveCheckpoint, saveLayersModel, saveSafetensors, tensor, type Tensor, type WeightsSource } from 'webrnn';
import { downloadFiles } from '../../src/io/browser_storage.js';
import { uniform } from '../util/rng.js';
import { useTempDir } from '../util/temp_dir.js';
import { expectClose, expected, inputTensor, modelPath } from './tfjs_fixtures.js';

const dir = useTempDir('webrnn-storage-');
const W = Float32Array.from(uniform(12, 3));
const IDS = Int32Array.of(-5, 0, 7);

let server: Server;
let base = '';
beforeAll(async () => {
  await init();
  server = createServer((req, res) => {
    readFile(join(dir(), decodeURIComponent(req.url!.slice(1)))).then((b) => res.end(b), () => {
      res.statusCode = 404;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function savedBytes(): Promise<Uint8Array> {
  const rec = { w: tensor(W, [3, 4]), ids: tensor(IDS, [3]) };
  const bytes = await saveSafetensors(rec);
  Object.values(rec).forEach((t) => t.dispose());
  await writeFile(join(dir(), 'w.safetensors'), bytes);
  return bytes;
}

const SOURCES: [string, (bytes: Uint8Array) => WeightsSource][] = [
  ['a Uint8Array view into a larger buffer', (b) => {
    const big = new Uint8Array(b.length + 16);
    big.set(b, 8);
    return big.subarray(8, 8 + b.length);
  }],
  ['an ArrayBuffer', (b) => b.slice().buffer],
  ['a Blob', (b) => new Blob([b.slice()])],
  ['a File', (b) => new File([b.slice()], 'w.safetensors')],
  ['a path', () => join(dir(), 'w.safetensors')],
  ['a file:// URL object', () => pathToFileURL(join(dir(), 'w.safetensors'))],
  ['an http URL string (fetch)', () => `${base}/w.safetensors`],
  ['an http URL object (fetch)', () => new URL(`${base}/w.safetensors`)],
];

describe.each(SOURCES)('loadSafetensors from %s', (_what, source) => {
  test('gives the saved tensors', async () => {
    const rec = await loadSafetensors(source(await savedBytes()));
    expect(Object.keys(rec).sort()).toEqual(['ids', 'w']);
    expect(Array.from(await rec.w!.data())).toEqual(Array.from(W));
    expect(Array.from(await rec.ids!.data())).toEqual(Array.from(IDS));
    expect(rec.ids!.dtype).toBe('int32');
    Object.values(rec).forEach((t) => t.dispose());
  });
});

test('a URL that is not there names the address and the HTTP status', async () => {
  await expect(loadSafetensors(`${base}/nowhere.safetensors`)).rejects.toThrow(/webrnn: loadSafetensors: fetching 'http:.*nowhere.safetensors' gave HTTP 404/);
  await expect(loadSafetensors(join(dir(), 'nowhere.safetensors'))).rejects.toThrow(/webrnn: loadSafetensors: cannot read '.*nowhere.safetensors'/);
});

test('loadCheckpoint reads an http URL and a Blob', async () => {
  const make = (seed: number) => new nn.GRU({ inputSize: 2, hiddenSize: 3, seed });
  const a = make(1);
  await saveCheckpoint(join(dir(), 'c.safetensors'), { model: a, step: 9, extra: { epoch: 2 } });
  const bytes = await readFile(join(dir(), 'c.safetensors'));
  for (const src of [`${base}/c.safetensors`, new Blob([bytes])]) {
    const b = make(2);
    expect(await loadCheckpoint(src, { model: b })).toEqual({ step: 9, extra: { epoch: 2 } });
    expect(Array.from(await b.parameters()[0]!.data())).toEqual(Array.from(await a.parameters()[0]!.data()));
    b.dispose();
  }
  a.dispose();
});

describe('browser-only addresses in Node', () => {
  const rec = () => ({ w: tensor(W, [3, 4]) });
  /** Files a path-writing fallback would have made (relative to the working folder or the temp one). */
  const strayFiles = async () => [...await readdir('.'), ...await readdir(dir())].filter((f) => /^(indexeddb|downloads|http)/.test(f));

  test('indexeddb:// says Node has no IndexedDB, for every saver and loader, and writes no file', async () => {
    const noIdb = /IndexedDB is not available in Node: save to a file path/;
    const r = rec();
    const lin = new nn.Linear(2, 2, { seed: 1 });
    await expect(saveSafetensors(r, 'indexeddb://w')).rejects.toThrow(new RegExp(`webrnn: saveSafetensors: ${noIdb.source}`));
    await expect(saveCheckpoint('indexeddb://c', { model: lin })).rejects.toThrow(noIdb);
    await expect(loadSafetensors('indexeddb://w')).rejects.toThrow(new RegExp(`webrnn: loadSafetensors: ${noIdb.source}`));
    await expect(loadCheckpoint('indexeddb://c', { model: lin })).rejects.toThrow(noIdb);
    await expect(loadLayersModel('indexeddb://m')).rejects.toThrow(new RegExp(`webrnn: loadLayersModel: ${noIdb.source}`));
    const model = await loadLayersModel(modelPath('lstm_last'));
    await expect(saveLayersModel(model, 'indexeddb://m')).rejects.toThrow(new RegExp(`webrnn: saveLayersModel: ${noIdb.source}`));
    await expect(listModels()).rejects.toThrow(/webrnn: listModels: IndexedDB is not available in Node/);
    await expect(removeModel('indexeddb://w')).rejects.toThrow(/webrnn: removeModel\('indexeddb:\/\/w'\): IndexedDB is not available in Node/);
    model.dispose();
    lin.dispose();
    r.w.dispose();
    expect(await strayFiles()).toEqual([]); // not even a file called 'indexeddb:'
  });

  test('downloads:// needs a page, an empty name and an upload URL are refused', async () => {
    const r = rec();
    const lin = new nn.Linear(2, 2, { seed: 1 });
    await expect(saveSafetensors(r, 'downloads://w')).rejects.toThrow(/webrnn: saveSafetensors: 'downloads:\/\/w' needs a browser page to download from/);
    await expect(loadSafetensors('downloads://w')).rejects.toThrow(/'downloads:\/\/w' is for saving \(a download\)/);
    await expect(saveSafetensors(r, 'indexeddb://')).rejects.toThrow(/webrnn: saveSafetensors: 'indexeddb:\/\/' names no model/);
    await expect(removeModel('w')).rejects.toThrow(/'w' is not an IndexedDB address: write 'indexeddb:\/\/<name>'/);
    await expect(saveSafetensors(r, `${base}/w.safetensors`)).rejects.toThrow(/webrnn: saveSafetensors: cannot save to the URL 'http:.*' \(webrnn does not upload\)/);
    await expect(saveCheckpoint('', { model: lin })).rejects.toThrow(/webrnn: saveCheckpoint: the target must be a file path/);
    r.w.dispose();
    lin.dispose();
    expect(await strayFiles()).toEqual([]);
  });
});

test('the files of a downloads:// save (TF.js\'s names) load back as File objects', async () => {
  const model = await loadLayersModel(modelPath('lstm_last_sharded'));
  const saved = await saveLayersModel(model);
  const files = downloadFiles('downloads://tuned', { format: 'layers-model', modelJson: saved.modelJson, weights: saved.weights });
  expect(files.map((f) => f.name)).toEqual(['tuned.json', 'tuned.weights.bin']);
  expect(JSON.parse(new TextDecoder().decode(files[0]!.bytes)).weightsManifest[0].paths).toEqual(['./tuned.weights.bin']);
  const back = await loadLayersModel(files.map((f) => new File([f.bytes.slice()], f.name)));
  const { inputs, outputs } = expected('lstm_last_sharded');
  const x = inputTensor(inputs[0]!);
  const y = back.forward(x) as Tensor;
  await expectClose(y, outputs[0]!);
  expect(downloadFiles('downloads://', { format: 'safetensors', bytes: new Uint8Array(3) }).map((f) => f.name)).toEqual(['model.safetensors']);
  expect(downloadFiles('downloads://lm.safetensors', { format: 'safetensors', bytes: new Uint8Array(3) }).map((f) => f.name)).toEqual(['lm.safetensors']);
  [x, y].forEach((t) => t.dispose());
  model.dispose();
  back.dispose();
});
