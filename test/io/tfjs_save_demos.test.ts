// The demos' models to TF.js: each is a custom module (its forward() is code), so saveLayersModel
// refuses it by name, listing its sub-modules; the nn.Sequential of those same sub-modules that its
// forward() runs saves, and TF.js's predictions on the batch-first input equal the demo's forward
// (time-major) within 1e-5 of max |y|. A demo GRU (reset-after, PyTorch's default) is refused.
import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, nn, noGrad, saveLayersModel, tensor, type Tensor } from 'webrnn';
import { AdderModel } from '../../demos/binary-add/model.js';
import { CharModel } from '../../demos/char-rnn/model.js';
import { RowClassifier } from '../../demos/seq-mnist/model.js';
import { Forecaster } from '../../demos/sine/model.js';
import { useTempDir } from '../util/temp_dir.js';
import { expectNear, input, swap01, tfjsPredict } from './tfjs_save_util.js';

const dir = useTempDir('webrnn-tfjs-demos-');
beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

interface DemoCase {
  model: () => nn.Module;
  /** The nn.Sequential its forward() runs, from its own sub-modules. */
  chain: (m: never) => nn.Sequential;
  /** The demo's forward on a time-major input, as data. */
  run: (m: never, x: Tensor) => Tensor;
  x: ReturnType<typeof input>;
  children: string;
}

const CASES: Record<string, DemoCase> = {
  'sine Forecaster (rnn_relu, 2 layers)': {
    model: () => new Forecaster('rnn_relu', 6, 2, 1),
    chain: (m: Forecaster) => new nn.Sequential(m.rnn, new nn.LastStep(0), m.head),
    run: (m: Forecaster, x) => m.forward(x),
    x: input([8, 3, 1]),
    children: 'rnn \\(RNN\\), head \\(Linear\\)',
  },
  'binary-add AdderModel (lstm)': {
    model: () => new AdderModel('lstm', 5, 1, 2),
    chain: (m: AdderModel) => new nn.Sequential(m.rnn, m.head),
    run: (m: AdderModel, x) => m.forward(x),
    x: input([6, 2, 2]),
    children: 'rnn \\(LSTM\\), head \\(Linear\\)',
  },
  'char-rnn CharModel (2-layer LSTM)': {
    model: () => new CharModel({ vocab: 9, embed: 4, hidden: 6, layers: 2, seed: 3 }),
    chain: (m: CharModel) => new nn.Sequential(m.embedding, m.lstm, m.head),
    run: (m: CharModel, x) => {
      const { logits, state } = m.forward(x, null);
      state.forEach((t) => t.dispose());
      return logits;
    },
    x: input([5, 2], 9),
    children: 'embedding \\(Embedding\\), lstm \\(LSTM\\), head \\(Linear\\)',
  },
  'seq-mnist RowClassifier (lstm)': {
    model: () => new RowClassifier('lstm', 4, 5, 1, 4),
    chain: (m: RowClassifier) => new nn.Sequential(m.rnn, new nn.LastStep(0), m.head),
    run: (m: RowClassifier, x) => m.forward(x),
    x: input([4, 3, 4]),
    children: 'rnn \\(LSTM\\), head \\(Linear\\)',
  },
};

describe.each(Object.keys(CASES))('%s', (name) => {
  test('refused as a custom module; the nn.Sequential of its layers saves and predicts the same', async () => {
    const c = CASES[name]!;
    const model = c.model();
    model.eval();
    await expect(saveLayersModel(model)).rejects.toThrow(new RegExp(`the model \\(\\w+\\) is a custom module.*its sub-modules: ${c.children}`));
    const x = tensor(c.x.int ? Int32Array.from(c.x.data) : Float32Array.from(c.x.data), c.x.shape);
    const y = noGrad(() => c.run(model as never, x));
    const want = Array.from(await y.data());
    const folder = join(dir(), name.replace(/\W+/g, '_'));
    await mkdir(folder, { recursive: true });
    await saveLayersModel(c.chain(model as never), folder);
    const got = await tfjsPredict(folder, swap01(c.x.data, c.x.shape));
    // TF.js gives [B, T, …] or [B, …]; the demo's rows are time-major (t·B + b).
    const back = got.shape.length > 2 ? swap01(got.data, got.shape) : got;
    expectNear(back.data, [back.data.length], want, [y.size], 'TF.js');
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });
});

test("seq-mnist's GRU is PyTorch's reset-after kind: refused with the way to a reset-before one", async () => {
  const m = new RowClassifier('gru', 4, 5, 1, 4);
  await expect(saveLayersModel(new nn.Sequential(m.rnn, new nn.LastStep(0), m.head))).rejects.toThrow(/layer '0' \(GRU\) is a reset-after GRU.*resetAfter: false/);
  m.dispose();
});
