// saveLayersModel on models webrnn built: each supported module kind in an nn.Sequential (random
// weights), saved as model.json + weights.bin, read by TensorFlow.js itself (tf.loadLayersModel,
// cpu backend) and by webrnn's loadLayersModel: both give webrnn's native forward within 1e-5 of
// max |y| (time-major models compared with their input and per-step outputs transposed to batch
// first, the saved layout). Kinds TF.js cannot hold are refused by name, with nothing written.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, loadLayersModel, nn, saveLayersModel, tensor, type Tensor } from 'webrnn';
import { useTempDir } from '../util/temp_dir.js';
import { expectNear, input, swap01, tfjsPredict } from './tfjs_save_util.js';

const dir = useTempDir('webrnn-tfjs-native-');
beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

interface Case {
  build: () => nn.Module;
  x: ReturnType<typeof input>;
  timeMajor?: boolean;
  options?: { inputShape: (number | null)[] };
  /** The Keras layer classes the topology must hold, where the case checks them. */
  classes?: string[];
}

const H = 5;
const CASES: Record<string, Case> = {
  lstm_last: { build: () => new nn.Sequential(new nn.LSTM({ inputSize: 3, hiddenSize: H, batchFirst: true, seed: 1 }), new nn.LastStep(1), new nn.Linear(H, 4, { seed: 2 })), x: input([2, 6, 3]) },
  lstm_hard_sigmoid_seq_softmax: {
    build: () => new nn.Sequential(new nn.LSTM({ inputSize: 3, hiddenSize: H, batchFirst: true, recurrentActivation: 'hard_sigmoid', seed: 3 }), new nn.Linear(H, 4, { seed: 4 }), new nn.Softmax()),
    x: input([3, 4, 3]),
  },
  gru_reset_before_2_layers_time_major: {
    build: () => new nn.Sequential(new nn.GRU({ inputSize: 2, hiddenSize: H, numLayers: 2, dropout: 0.3, resetAfter: false, seed: 5 }), new nn.LastStep(0), new nn.Linear(H, 3, { seed: 6 })),
    x: input([7, 2, 2]),
    timeMajor: true,
    classes: ['GRU', 'Dropout', 'GRU', 'Dense'],
  },
  gru_reset_before_hard_sigmoid_bidirectional: {
    build: () => new nn.Sequential(new nn.GRU({ inputSize: 3, hiddenSize: H, resetAfter: false, recurrentActivation: 'hard_sigmoid', bidirectional: true, batchFirst: true, seed: 7 })),
    x: input([2, 5, 3]),
  },
  rnn_tanh_bidirectional_2_layers_nobias: {
    build: () => new nn.Sequential(new nn.RNN({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, bias: false, batchFirst: true, seed: 8 }), new nn.Linear(2 * H, 2, { seed: 9, bias: false })),
    x: input([2, 4, 3]),
    classes: ['Bidirectional', 'Bidirectional', 'Dense'],
  },
  rnn_relu_time_major_seq: {
    build: () => new nn.Sequential(new nn.RNN({ inputSize: 3, hiddenSize: H, nonlinearity: 'relu', seed: 10 }), new nn.Linear(H, 3, { seed: 11 }), new nn.Tanh()),
    x: input([5, 2, 3]),
    timeMajor: true,
  },
  embedding_padding_lstm: {
    build: () => new nn.Sequential(
      new nn.Embedding(11, 4, { paddingIdx: 0, seed: 12 }), new nn.LSTM({ inputSize: 4, hiddenSize: H, batchFirst: true, seed: 13 }), new nn.LastStep(),
      new nn.Linear(H, 6, { seed: 14 }), new nn.Dropout(0.5), new nn.ReLU(), new nn.Linear(6, 2, { seed: 15 }), new nn.Sigmoid(),
    ),
    x: input([3, 6], 11),
  },
  linear_first_nested_flatten: {
    build: () => new nn.Sequential(
      new nn.Sequential(new nn.Linear(2, 4, { seed: 16 }), new nn.Tanh()), new nn.LSTM({ inputSize: 4, hiddenSize: H, batchFirst: true, seed: 17 }), new nn.Flatten(), new nn.Linear(3 * H, 2, { seed: 18 }),
    ),
    x: input([2, 3, 2]),
    options: { inputShape: [3, 2] },
  },
  leaky_relu_log_softmax: {
    build: () => new nn.Sequential(new nn.Linear(3, 6, { seed: 20 }), new nn.LeakyReLU(0.07), new nn.GRU({ inputSize: 6, hiddenSize: H, resetAfter: false, batchFirst: true, seed: 21 }), new nn.Linear(H, 4, { seed: 22 }), new nn.LogSoftmax()),
    x: input([2, 5, 3]),
  },
  lone_lstm_module: { build: () => new nn.LSTM({ inputSize: 2, hiddenSize: H, numLayers: 2, seed: 19 }), x: input([4, 3, 2]), timeMajor: true },
};

/** The native model's output (eval mode), in the saved (batch-first) layout. */
async function nativeOutput(model: nn.Module, c: Case): Promise<{ data: number[]; shape: number[] }> {
  const x = tensor(c.x.int ? Int32Array.from(c.x.data) : Float32Array.from(c.x.data), c.x.shape);
  const out = (model as unknown as { forward(x: Tensor): Tensor | [Tensor, unknown] }).forward(x);
  const y = Array.isArray(out) ? out[0] : out;
  const data = Array.from(await y.data());
  const shape = [...y.shape];
  x.dispose();
  return c.timeMajor && shape.length > 2 ? swap01(data, shape) : { data, shape };
}

describe.each(Object.keys(CASES))('%s', (name) => {
  test('native → saveLayersModel → tf.loadLayersModel and webrnn loadLayersModel: the same predictions', async () => {
    const c = CASES[name]!;
    const model = c.build();
    model.eval();
    const want = await nativeOutput(model, c);
    const folder = join(dir(), name);
    await mkdir(folder, { recursive: true });
    const saved = await saveLayersModel(model, folder, c.options);
    const topology = saved.modelJson.modelTopology.config as { layers: { class_name: string; config: Record<string, unknown> }[] };
    if (c.classes) expect(topology.layers.map((l) => l.class_name)).toEqual(c.classes);
    expect(saved.modelJson.weightsManifest[0]!.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0)).toBe(saved.weights.byteLength);
    const xb = c.timeMajor ? swap01(c.x.data, c.x.shape) : { data: c.x.data, shape: c.x.shape };
    const tfy = await tfjsPredict(folder, xb);
    expectNear(tfy.data, tfy.shape, want.data, want.shape, 'TF.js');
    const back = await loadLayersModel(join(folder, 'model.json'));
    back.eval();
    const bx = tensor(c.x.int ? Int32Array.from(xb.data) : Float32Array.from(xb.data), xb.shape);
    const by = back.forward(bx) as Tensor;
    expectNear(await by.data(), by.shape, want.data, want.shape, 'webrnn loadLayersModel');
    for (const t of [bx, by]) t.dispose();
    back.dispose();
    model.dispose();
  });
});

describe('refused with a named error, nothing written', () => {
  const lstm = (o: Partial<nn.LSTMOptions> = {}) => new nn.LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true, seed: 1, ...o });
  const REFUSED: [string, () => nn.Module, RegExp, { inputShape: (number | null)[] }?][] = [
    ['a reset-after GRU (PyTorch default)', () => new nn.Sequential(new nn.GRU({ inputSize: 2, hiddenSize: 3 })), /layer '0' \(GRU\) is a reset-after GRU .*TF\.js's GRU has no reset_after=True.*resetAfter: false/],
    ['a custom module', () => new (class Net extends nn.Module {
      readonly rnn = lstm();
      readonly head = new nn.Linear(3, 1);
    })(), /the model \(Net\) is a custom module: its forward\(\) cannot be read.*its sub-modules: rnn \(LSTM\), head \(Linear\)/],
    ['a custom module inside a Sequential', () => new nn.Sequential(lstm(), new (class Head extends nn.Module {
      forward(x: Tensor) { return x; }
    })()), /layer '1' \(Head\) is a custom module/],
    ['nn.Conv1d', () => new nn.Sequential(new nn.Conv1d(2, 2, 1)), /layer '0' \(Conv1d\) has no TF\.js layers export here/],
    ['nn.MaxPool2d', () => new nn.Sequential(new nn.Linear(2, 2), new nn.MaxPool2d(2)), /layer '1' \(MaxPool2d\) has no TF\.js layers export/],
    ['LogSoftmax over the batch axis', () => new nn.Sequential(new nn.Linear(2, 2), new nn.LogSoftmax(0)), /layer '1' \(LogSoftmax\) over dim 0/],
    ['nn.GRUCell', () => new nn.GRUCell(2, 3), /the model \(GRUCell\) has no TF\.js layers export/],
    ['nn.LastStep after a bidirectional layer', () => new nn.Sequential(lstm({ bidirectional: true }), new nn.LastStep()), /layer '1' \(LastStep\) after the bidirectional layer '0' \(LSTM\) has no Keras twin/],
    ['nn.LastStep on the batch axis', () => new nn.Sequential(lstm({ batchFirst: false }), new nn.LastStep(1)), /takes dim 1, but the time axis of layer '0' \(LSTM\) is 0/],
    ['nn.LastStep not after a recurrent layer', () => new nn.Sequential(lstm(), new nn.Linear(3, 3), new nn.LastStep()), /layer '2' \(LastStep\) must come right after a recurrent layer/],
    ['time-major and batch-first layers together', () => new nn.Sequential(lstm(), new nn.GRU({ inputSize: 3, hiddenSize: 3, resetAfter: false })), /layer '1' \(GRU\) has batchFirst false, an earlier recurrent layer true/],
    ['mismatched feature sizes', () => new nn.Sequential(new nn.Linear(2, 4), lstm()), /layer '1' \(LSTM\) takes 2 features, the layers before give 4/],
    ['Flatten over an unknown number of steps', () => new nn.Sequential(lstm(), new nn.Flatten()), /Flatten needs every size known.*inputShape/],
    ['Softmax over the time axis', () => new nn.Sequential(lstm(), new nn.Softmax(1)), /layer '1' \(Softmax\) over dim 1/],
    ['a first layer without a shape', () => new nn.Sequential(new nn.Tanh()), /the first layer, layer '0' \(Tanh\), does not say the input's shape: pass \{ inputShape \}/],
    ['an empty nn.Sequential', () => new nn.Sequential(), /the nn\.Sequential has no layers/],
    ['a bad inputShape', () => new nn.Sequential(lstm()), /option inputShape = \[0\]/, { inputShape: [0] }],
  ];
  test.each(REFUSED)('%s', async (name, build, message, options) => {
    const model = build();
    const folder = join(dir(), `refused-${name.replace(/\W+/g, '_')}`);
    await mkdir(folder, { recursive: true });
    await expect(saveLayersModel(model, folder, options)).rejects.toThrow(/^webrnn: saveLayersModel: /);
    await expect(saveLayersModel(model, folder, options)).rejects.toThrow(message);
    expect(await readdir(folder)).toEqual([]);
    model.dispose();
  });

  test('a target folder that does not exist: a named error, nothing made', async () => {
    const model = new nn.Sequential(lstm());
    const folder = join(dir(), 'missing', 'deeper');
    await expect(saveLayersModel(model, folder)).rejects.toThrow(/^webrnn: saveLayersModel: cannot write '.*missing\/deeper\/weights\.bin'/);
    expect(await readdir(dir())).not.toContain('missing');
    model.dispose();
  });

  test('unknown options are named', async () => {
    const model = new nn.Sequential(lstm());
    await expect(saveLayersModel(model, undefined, { inputShap: [3, 2] } as never)).rejects.toThrow(/saveLayersModel.*inputShap/);
    model.dispose();
  });
});
