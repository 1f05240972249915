// loadOnnx against ONNX Runtime: every model scripts/onnx-fixtures.ts wrote (each recurrent option,
// every other operator) loads, and run() on the saved feeds gives every output ONNX Runtime gave,
// within 1e-5 relative to max |expected|. Buffers are NaN-poisoned, so an unwritten element fails.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory } from 'webrnn';
import { loadOnnx } from '../../src/io/onnx/index.js';
import { NAMES, feedTensors, onnxExpected, onnxPath } from './onnx_fixtures.js';
import { expectClose } from './tfjs_fixtures.js';

beforeAll(async () => {
  (await init()).tuning.poisonBuffers = true;
});

describe.each(NAMES)('%s', (name) => {
  test('run() agrees with ONNX Runtime', async () => {
    const before = memory().liveTensors;
    const model = await loadOnnx(onnxPath(name));
    const e = onnxExpected(name);
    const feeds = feedTensors(e);
    const out = await model.run(feeds);
    expect(Object.keys(out).sort()).toEqual(Object.keys(e.outputs).sort());
    for (const [k, want] of Object.entries(e.outputs)) await expectClose(out[k]!, { shape: want.dims, data: want.data } as never);
    [...Object.values(feeds), ...Object.values(out)].forEach((t) => t.dispose());
    model.dispose();
    expect(memory().liveTensors).toBe(before);
  });
});
