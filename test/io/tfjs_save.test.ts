// saveLayersModel round trip: a model imported from a TF.js fixture, fine-tuned in webrnn (so every
// weight moved), saved as model.json + weights.bin, and read back by TensorFlow.js itself
// (tf.loadLayersModel, cpu backend): TF.js's predictions equal webrnn's within 1e-5 of max |y|.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, optim, tidy, type Tensor } from 'webrnn';
import { loadLayersModel, saveLayersModel } from '../../src/io/tfjs/index.js';
import { useTempDir } from '../util/temp_dir.js';
import { expectClose, expected, inputTensor, modelPath } from './tfjs_fixtures.js';

const dir = useTempDir('webrnn-tfjs-');
beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

const CASES = ['lstm_last', 'lstm_seq_nobias_backwards', 'gru_stack', 'simple_rnn', 'embedding_lstm', 'bidi_concat', 'bidi_sum', 'bidi_mul', 'bidi_ave', 'shapes', 'functional', 'functional_two_inputs', 'activations', 'tfjs_defaults'];

/** A few SGD steps on Σ y² so the saved weights are not the imported ones. */
function fineTune(model: Awaited<ReturnType<typeof loadLayersModel>>, xs: Tensor[]): void {
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  for (let i = 0; i < 3; i++) {
    tidy(() => {
      const ys = model.forwardAll(xs);
      let loss = ys[0]!.square().sum();
      for (const y of ys.slice(1)) loss = loss.add(y.square().sum());
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
}

describe.each(CASES)('%s', (name) => {
  test('webrnn → TF.js format → tf.loadLayersModel gives the same predictions', async () => {
    const model = await loadLayersModel(modelPath(name));
    const { inputs } = expected(name);
    const xs = inputs.map(inputTensor);
    const before = await Promise.all(model.parameters().map((p) => p.data()));
    fineTune(model, xs);
    const after = await Promise.all(model.parameters().map((p) => p.data()));
    expect(after.some((a, i) => a.some((v, k) => v !== before[i]![k]))).toBe(true);
    model.eval();
    const out = join(dir(), name);
    await import('node:fs/promises').then((fs) => fs.mkdir(out, { recursive: true }));
    await saveLayersModel(model, out);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    const bin = await readFile(join(out, 'weights.bin'));
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }));
    const tfx = inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
    const tfy = tfModel.predict(tfx.length === 1 ? tfx[0]! : tfx);
    const want = (Array.isArray(tfy) ? tfy : [tfy]).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
    const ys = model.forwardAll(xs);
    for (let i = 0; i < ys.length; i++) await expectClose(ys[i]!, want[i]!);
    tf.dispose([tfx, tfy]);
    [...xs, ...ys].forEach((t) => t.dispose());
    model.dispose();
  });
});
