// loadLayersModel's sources give the same model: a Node path, a file:// URL, an http:// URL (a local
// server, through fetch), File objects (as an <input type=file multiple> gives them), and the JSON
// with weights in memory (one buffer, a list of shards, shards by path). The sharded fixture is used,
// so every source has to put three shards back together.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, type Tensor } from 'webrnn';
import { loadLayersModel, type LayersModelSource } from '../../src/io/tfjs/index.js';
import { expectClose, expected, FIXTURES, inputTensor, modelPath } from './tfjs_fixtures.js';

const NAME = 'lstm_last_sharded';
const DIR = join(FIXTURES, NAME);
const SHARDS = ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'];
const json = readFileSync(join(DIR, 'model.json'), 'utf8');
const shards = SHARDS.map((p) => new Uint8Array(readFileSync(join(DIR, p))));

let server: Server;
let base = '';
beforeAll(async () => {
  await init();
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(FIXTURES, decodeURIComponent(req.url!.slice(1)))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const SOURCES: [string, () => LayersModelSource][] = [
  ['a Node path', () => modelPath(NAME)],
  ['a file:// URL', () => pathToFileURL(modelPath(NAME))],
  ['an http URL (fetch)', () => `${base}/${NAME}/model.json`],
  ['File objects', () => [new File([json], 'model.json'), ...SHARDS.map((p, i) => new File([shards[i]!], p))]],
  ['JSON text and one buffer', () => ({ modelJson: json, weights: new Uint8Array(shards.flatMap((s) => [...s])).buffer })],
  ['parsed JSON and a list of shards', () => ({ modelJson: JSON.parse(json), weights: shards })],
  ['shards by path', () => ({ modelJson: json, weights: Object.fromEntries(SHARDS.map((p, i) => [p, shards[i]!])) })],
];

describe.each(SOURCES)('loadLayersModel from %s', (_what, source) => {
  test('gives TF.js\'s outputs', async () => {
    const model = await loadLayersModel(source());
    const { inputs, outputs } = expected(NAME);
    const x = inputTensor(inputs[0]!);
    const y = model.forward(x) as Tensor;
    await expectClose(y, outputs[0]!);
    [x, y].forEach((t) => t.dispose());
    model.dispose();
  });
});

test('a URL whose shard is missing names it', async () => {
  const text = json.replace('group1-shard2of3.bin', 'nowhere.bin');
  const files = [new File([text], 'model.json'), ...SHARDS.map((p, i) => new File([shards[i]!], p))];
  await expect(loadLayersModel(files)).rejects.toThrow(/weight shard 'nowhere.bin' is missing from the files/);
  await expect(loadLayersModel(`${base}/${NAME}/missing.json`)).rejects.toThrow(/webrnn: loadLayersModel: fetching 'http:.*missing.json' gave HTTP 404/);
});
