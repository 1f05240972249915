// loadOnnx's sources give the same model: a Node path, a file:// URL, an http:// URL (a local
// server, through fetch), a Uint8Array and an ArrayBuffer; forward(x) on the single-input
// exported classifier gives ONNX Runtime's outputs, as run() does.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, type Tensor } from 'webrnn';
import { loadOnnx, type OnnxSource } from '../../src/io/onnx/index.js';
import { FIXTURES, feedTensors, onnxExpected, onnxPath } from './onnx_fixtures.js';
import { expectClose } from './tfjs_fixtures.js';

const NAME = 'exported_lstm_classifier';
const bytes = new Uint8Array(readFileSync(onnxPath(NAME)));
let server: Server;
let base = '';
beforeAll(async () => {
  await init();
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(`${FIXTURES}/${decodeURIComponent(req.url!.slice(1))}`));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const SOURCES: [string, () => OnnxSource][] = [
  ['a Node path', () => onnxPath(NAME)],
  ['a file:// URL', () => pathToFileURL(onnxPath(NAME))],
  ['an http URL (fetch)', () => `${base}/${NAME}.onnx`],
  ['a Uint8Array', () => bytes],
  ['an ArrayBuffer', () => bytes.slice().buffer],
  ['a File (a Blob)', () => new File([bytes.slice()], `${NAME}.onnx`)],
];

describe.each(SOURCES)('loadOnnx from %s', (_what, source) => {
  test('forward(x) gives ONNX Runtime\'s outputs', async () => {
    const model = await loadOnnx(source());
    expect(model.inputNames).toEqual(['X']);
    expect(model.outputNames).toEqual(['probs', 'Y']);
    const e = onnxExpected(NAME);
    const x = feedTensors(e).X!;
    const ys = model.forward(x) as Tensor[];
    await expectClose(ys[0]!, { shape: e.outputs.probs!.dims, data: e.outputs.probs!.data });
    await expectClose(ys[1]!, { shape: e.outputs.Y!.dims, data: e.outputs.Y!.data });
    [x, ...ys].forEach((t) => t.dispose());
    model.dispose();
  });
});

test('a URL that is not there names it; forward() refuses multi-input models', async () => {
  await expect(loadOnnx(`${base}/missing.onnx`)).rejects.toThrow(/webrnn: loadOnnx: fetching 'http:.*missing.onnx' gave HTTP 404/);
  const model = await loadOnnx(onnxPath('lstm_forward_layout0_lens_states'));
  expect(() => model.forward(null as never)).toThrow(/webrnn: onnx: forward\(\) takes models with one input; this one has 4 \(X, lens, h0, c0\): use run\(feeds\)/);
  model.dispose();
});

test('forward(ids) takes int32 indices on the GPU (Gather as an embedding lookup) and agrees with ONNX Runtime', async () => {
  const model = await loadOnnx(onnxPath('opset11'));
  expect([...model.namedParameters()].map(([n]) => n)).toEqual(['emb']); // the table is trainable
  const e = onnxExpected('opset11');
  const ids = feedTensors(e).ids!;
  expect(ids.dtype).toBe('int32');
  const p = model.forward(ids) as Tensor;
  await expectClose(p, { shape: e.outputs.p!.dims, data: e.outputs.p!.data });
  const floats = feedTensors({ inputs: { x: { dtype: 'float32', dims: [2, 3], data: [0, 1, 2, 3, 4, 5] } }, outputs: {} }).x!;
  expect(() => model.forward(floats)).toThrow(/webrnn: onnx: forward: input 'ids' must be int32, got float32 \[2, 3\]/);
  [ids, p, floats].forEach((t) => t.dispose());
  model.dispose();
});
