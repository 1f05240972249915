// loadOnnx in headless Chromium from the library's ES modules (dist/esm, protobufjs vendored): an
// ONNX model fetched by URL, and the same file as an ArrayBuffer, give ONNX Runtime's outputs.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildBundle, runInPage, startBrowser, type BrowserSession } from './chromium.js';

let session: BrowserSession;
beforeAll(async () => {
  buildBundle();
  session = await startBrowser();
}, 60_000);
afterAll(async () => {
  await session?.close();
});

test('loadOnnx from a URL and from an ArrayBuffer agrees with ONNX Runtime in the browser', async () => {
  const opened = await session.open('test/browser/harness.html');
  expect(opened.state, `${opened.status}; ${opened.problems.join(' | ')}`).toBe('ready');
  const worst = await runInPage(opened.page, async (w) => {
    const base = '/test/fixtures/onnx/exported_lstm_classifier';
    const e = await (await fetch(`${base}.json`)).json();
    const bytes = await (await fetch(`${base}.onnx`)).arrayBuffer();
    const result: number[] = [];
    for (const source of [`${base}.onnx`, bytes]) {
      const model = await w.loadOnnx(source);
      const x = w.tensor(Float32Array.from(e.inputs.X.data), e.inputs.X.dims);
      const out = await model.run({ X: x });
      const got = await out.probs!.data();
      const want: number[] = e.outputs.probs.data;
      const scale = Math.max(...want.map(Math.abs));
      result.push(Math.max(...want.map((v, i) => Math.abs(v - got[i]!))) / scale);
      [x, ...Object.values(out)].forEach((t) => t.dispose());
      model.dispose();
    }
    return result;
  });
  expect(worst.length).toBe(2);
  for (const r of worst) expect(r).toBeLessThanOrEqual(1e-5);
});
