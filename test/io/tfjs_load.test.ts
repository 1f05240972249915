// loadLayersModel against TensorFlow.js: every fixture scripts/tfjs-fixtures.mjs built and ran with
// tfjs 4.22 (cpu backend) loads, and its outputs on the saved inputs agree with TF.js's within
// 1e-5 relative to max |expected|. Buffers are NaN-poisoned, so an unwritten element fails.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tidy } from 'webrnn';
import { loadLayersModel } from '../../src/io/tfjs/index.js';
import { expectClose, expected, inputTensor, modelPath } from './tfjs_fixtures.js';

beforeAll(async () => {
  (await init()).tuning.poisonBuffers = true;
});

const PLAIN = [
  'lstm_last', 'lstm_seq_nobias_backwards', 'gru_stack', 'simple_rnn', 'embedding_lstm',
  'bidi_concat', 'bidi_sum', 'bidi_mul', 'bidi_ave', 'shapes', 'functional', 'functional_two_inputs',
  'activations', 'lstm_hard_sigmoid', 'tfjs_defaults', 'lstm_last_sharded', 'lstm_last_uint8', 'lstm_last_uint16', 'lstm_last_float16',
];

describe.each(PLAIN)('%s', (name) => {
  test('outputs agree with TF.js', async () => {
    const model = await loadLayersModel(modelPath(name));
    model.eval();
    const { inputs, outputs } = expected(name);
    const xs = inputs.map(inputTensor);
    const ys = model.forwardAll(xs);
    expect(ys.length).toBe(outputs.length);
    for (let i = 0; i < ys.length; i++) await expectClose(ys[i]!, outputs[i]!);
    [...xs, ...ys].forEach((t) => t.dispose());
    model.dispose();
  });
});

describe.each(['masking', 'masking_seq', 'mask_zero'])('%s (right-padded)', (name) => {
  test('outputs agree with TF.js, lengths from the mask', async () => {
    const model = await loadLayersModel(modelPath(name));
    model.eval();
    const { inputs, outputs } = expected(name);
    const lengths = model.maskLengths(inputs[0]!.data, inputs[0]!.shape);
    const x = inputTensor(inputs[0]!);
    const y = tidy(() => model.forward(x, { lengths }));
    await expectClose(y as never, outputs[0]!);
    expect(() => model.forward(x)).toThrow(/webrnn: .*masks its input: pass forward\(x, \{ lengths \}\)/);
    x.dispose();
    model.dispose();
  });
});

test('stateful layers: the caller keeps the state from one batch to the next, as TF.js carries it', async () => {
  const model = await loadLayersModel(modelPath('stateful'));
  const { inputs, outputs } = expected('stateful');
  const [x1, x2] = inputs.map(inputTensor);
  const first = model.forwardWithState([x1!]);
  await expectClose(first.outputs[0]!, outputs[0]!);
  expect(Object.keys(first.state).sort()).toEqual(model.plan.order.filter((l) => l.plan).map((l) => l.node.config.name).sort());
  const second = model.forwardWithState([x2!], { state: first.state });
  await expectClose(second.outputs[0]!, outputs[1]!);
  // From zeros instead, the second batch's outputs are not TF.js's.
  const fresh = model.forward(x2!) as import('webrnn').Tensor;
  const a = await fresh.data();
  expect(a.some((v, i) => Math.abs(v - outputs[1]!.data[i]!) > 1e-3)).toBe(true);
  for (const r of [first, second]) [...r.outputs, ...Object.values(r.state).flat()].forEach((t) => t.dispose());
  [x1!, x2!, fresh].forEach((t) => t.dispose());
  model.dispose();
});
