// Imported models are webrnn's own layers: (1) Keras's reset_after=True GRU, which TF.js cannot build
// (model.json written by hand in Keras 2's style), against the Keras formula in float64 and against
// nn.GRU built from the same weights; (2) gradients of imported models equal those of native layers
// (nn.LSTM / nn.GRU / nn.Linear) built in this file from the same Keras weights, parameter by parameter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, nn, ops, tensor, tidy, type Tensor } from 'webrnn';
import { loadLayersModel, type LayersModel } from '../../src/io/tfjs/index.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { uniform } from '../util/rng.js';
import { expectClose, expected, FIXTURES, inputTensor, modelPath, type HostArray } from './tfjs_fixtures.js';

beforeAll(async () => {
  (await init()).tuning.poisonBuffers = true;
});

/** The fixture's weights by manifest name (float32 fixtures, one group). */
function kerasWeights(name: string): Record<string, Float64Array> {
  const json = JSON.parse(readFileSync(modelPath(name), 'utf8'));
  const group = json.weightsManifest[0];
  const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(join(FIXTURES, name, p))));
  const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const out: Record<string, Float64Array> = {};
  let at = 0;
  for (const w of group.weights) {
    const n = w.shape.reduce((a: number, b: number) => a * b, 1);
    out[w.name] = Float64Array.from(f.subarray(at, at + n));
    at += n;
  }
  return out;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Keras GRU, reset_after=True, gates z, r, h: kernel [I, 3H], recurrent [H, 3H], bias [2, 3H];
 *  xs is [T][I]; returns every h. */
function kerasGru(xs: number[][], k: Float64Array, u: Float64Array, b: Float64Array, H: number): number[][] {
  const I = xs[0]!.length;
  let h = new Array<number>(H).fill(0);
  const hs: number[][] = [];
  for (const x of xs) {
    const proj = (g: number, j: number) => {
      let a = b[g * H + j]!;
      for (let i = 0; i < I; i++) a += x[i]! * k[i * 3 * H + g * H + j]!;
      return a;
    };
    const rec = (g: number, j: number) => {
      let a = b[3 * H + g * H + j]!;
      for (let i = 0; i < H; i++) a += h[i]! * u[i * 3 * H + g * H + j]!;
      return a;
    };
    h = h.map((hp, j) => {
      const z = sigmoid(proj(0, j) + rec(0, j));
      const r = sigmoid(proj(1, j) + rec(1, j));
      const hh = Math.tanh(proj(2, j) + r * rec(2, j));
      return z * hp + (1 - z) * hh;
    });
    hs.push(h);
  }
  return hs;
}

/** webrnn's layout from a Keras kernel [in, G·H]: transposed, gate blocks picked by `order`. */
function torchWeight(k: Float64Array, inSize: number, H: number, order: number[]): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * H * inSize);
  for (let g = 0; g < G; g++) for (let j = 0; j < H; j++) for (let i = 0; i < inSize; i++) out[(g * H + j) * inSize + i] = k[i * G * H + order[g]! * H + j]!;
  return out;
}
const torchBias = (b: Float64Array, H: number, order: number[]) => Float32Array.from(order.flatMap((g) => Array.from(b.subarray(g * H, (g + 1) * H))));

/** Loads one direction's Keras weights (prefix) into a native layer's direction (suffix). */
function loadDirection(sd: Record<string, Float32Array>, w: Record<string, Float64Array>, prefix: string, sfx: string, inSize: number, H: number, order: number[], resetAfter: boolean) {
  const GH = order.length * H;
  sd[`weight_ih_l0${sfx}`] = torchWeight(w[`${prefix}kernel`]!, inSize, H, order);
  sd[`weight_hh_l0${sfx}`] = torchWeight(w[`${prefix}recurrent_kernel`]!, H, H, order);
  const b = w[`${prefix}bias`]!;
  sd[`bias_ih_l0${sfx}`] = torchBias(b.subarray(0, GH), H, order);
  sd[`bias_hh_l0${sfx}`] = resetAfter ? torchBias(b.subarray(GH), H, order) : new Float32Array(GH);
}

const GRU_ORDER = [1, 0, 2]; // webrnn r, z, n = Keras blocks 1, 0, 2
const flip = (y: Tensor) => ops.stack(Array.from({ length: y.shape[1]! }, (_, t) => ops.select(y, 1, y.shape[1]! - 1 - t)), 1);

/** Σ R⊙y for each output with fixed random R, then backward; returns every parameter's gradient. */
async function grads(params: [string, Tensor][], run: () => Tensor[]): Promise<Record<string, Float32Array>> {
  for (const [, p] of params) {
    p.grad?.dispose();
    p.grad = null;
  }
  tidy(() => {
    const ys = run();
    let loss: Tensor | null = null;
    ys.forEach((y, i) => {
      const r = tensor(Float32Array.from(uniform(y.size, 500 + i)), y.shape);
      const term = y.mul(r).sum();
      loss = loss ? loss.add(term) : term;
    });
    loss!.backward();
  });
  const out: Record<string, Float32Array> = {};
  for (const [n, p] of params) out[n] = (await p.grad!.data()) as Float32Array;
  return out;
}

function expectSameGrads(got: Record<string, Float32Array>, want: Record<string, Float32Array>, names: Record<string, string>) {
  for (const [imported, native] of Object.entries(names)) {
    expect(got[imported], imported).toBeDefined();
    expectAllClose(got[imported]!, want[native]!, TOL.bptt);
  }
}

describe("Keras GRU reset_after=True (hand-written model.json)", () => {
  const name = 'keras_gru_reset_after';
  const w = kerasWeights(name);
  const input: HostArray = JSON.parse(readFileSync(join(FIXTURES, name, 'inputs.json'), 'utf8')).inputs[0];
  const [B, T, I] = input.shape as [number, number, number];
  const rows = (b: number) => Array.from({ length: T }, (_, t) => input.data.slice((b * T + t) * I, (b * T + t + 1) * I));

  function native() {
    const bi = new nn.GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, batchFirst: true });
    const top = new nn.GRU({ inputSize: 8, hiddenSize: 3, batchFirst: true });
    const sd1: Record<string, Float32Array> = {};
    loadDirection(sd1, w, 'bidirectional/forward_gru/gru_cell/', '', 3, 4, GRU_ORDER, true);
    loadDirection(sd1, w, 'bidirectional/backward_gru/gru_cell/', '_reverse', 3, 4, GRU_ORDER, true);
    bi.loadStateDict(sd1);
    const sd2: Record<string, Float32Array> = {};
    loadDirection(sd2, w, 'gru_1/gru_cell/', '', 8, 3, GRU_ORDER, true);
    top.loadStateDict(sd2);
    const run = (x: Tensor) => {
      const [y1] = bi.forward(x);
      const [, h] = top.forward(flip(y1)); // go_backwards
      return [ops.select(h, 0, 0)];
    };
    return { bi, top, run };
  }

  test('outputs equal the Keras formula (float64) and nn.GRU from the same weights', async () => {
    const model = await loadLayersModel(modelPath(name));
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      const fw = kerasGru(rows(b), w['bidirectional/forward_gru/gru_cell/kernel']!, w['bidirectional/forward_gru/gru_cell/recurrent_kernel']!, w['bidirectional/forward_gru/gru_cell/bias']!, 4);
      const bw = kerasGru(rows(b).reverse(), w['bidirectional/backward_gru/gru_cell/kernel']!, w['bidirectional/backward_gru/gru_cell/recurrent_kernel']!, w['bidirectional/backward_gru/gru_cell/bias']!, 4).reverse();
      const seq = fw.map((f, t) => [...f, ...bw[t]!]);
      const top = kerasGru(seq.reverse(), w['gru_1/gru_cell/kernel']!, w['gru_1/gru_cell/recurrent_kernel']!, w['gru_1/gru_cell/bias']!, 3);
      want.push(...top[T - 1]!);
    }
    const x = inputTensor(input);
    const y = model.forward(x) as Tensor;
    await expectClose(y, { shape: [B, 3], data: want });
    const { run, bi, top } = native();
    const [yn] = run(x);
    expectAllClose(await y.data(), await yn!.data(), TOL.elementwise);
    [x, y, yn!].forEach((t) => t.dispose());
    [model, bi, top].forEach((m) => m.dispose());
  });

  test('gradients equal those of nn.GRU built from the same weights', async () => {
    const model = await loadLayersModel(modelPath(name));
    const { run, bi, top } = native();
    const x = inputTensor(input);
    const got = await grads([...model.namedParameters()], () => model.forwardAll([x]));
    const want = await grads([...bi.namedParameters('bi.'), ...top.namedParameters('top.')], () => run(x));
    const names: Record<string, string> = {};
    for (const n of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) {
      names[`bidirectional.rnn.${n}`] = `bi.${n}`;
      names[`bidirectional.rnn.${n}_reverse`] = `bi.${n}_reverse`;
      names[`gru_1.rnn.${n}`] = `top.${n}`;
    }
    expect(Object.keys(got).sort()).toEqual(Object.keys(names).sort());
    expectSameGrads(got, want, names);
    x.dispose();
    [model, bi, top].forEach((m) => m.dispose());
  });
});

describe('gradients of imported TF.js models equal native layers from the same weights', () => {
  test('lstm_last: LSTM → Dense(softmax)', async () => {
    const name = 'lstm_last';
    const w = kerasWeights(name);
    const model: LayersModel = await loadLayersModel(modelPath(name));
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true });
    const sd: Record<string, Float32Array> = {};
    loadDirection(sd, w, 'lstm_LSTM1/', '', 3, 4, [0, 1, 2, 3], false);
    lstm.loadStateDict(sd);
    const dense = new nn.Linear(4, 2);
    dense.loadStateDict({ weight: torchWeight(w['dense_Dense1/kernel']!, 4, 2, [0]), bias: Float32Array.from(w['dense_Dense1/bias']!) });
    const x = inputTensor(expected(name).inputs[0]!);
    const got = await grads([...model.namedParameters()], () => model.forwardAll([x]));
    const want = await grads([...lstm.namedParameters('lstm.'), ...dense.namedParameters('dense.')], () => {
      const [, [h]] = lstm.forward(x);
      return [dense.forward(ops.select(h, 0, 0)).softmax(-1)];
    });
    const names: Record<string, string> = { 'dense_Dense1.dense.weight': 'dense.weight', 'dense_Dense1.dense.bias': 'dense.bias' };
    for (const n of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) names[`lstm_LSTM1.rnn.${n}`] = `lstm.${n}`;
    expectSameGrads(got, want, names);
    x.dispose();
    [model, lstm, dense].forEach((m) => m.dispose());
  });

  test('gru_stack: GRU(reset_after=False) → GRU(go_backwards) → Dense(tanh)', async () => {
    const name = 'gru_stack';
    const w = kerasWeights(name);
    const json = JSON.parse(readFileSync(modelPath(name), 'utf8'));
    const [l1, l2, l3] = json.modelTopology.config.layers.map((l: { config: { name: string } }) => l.config.name);
    const model = await loadLayersModel(modelPath(name));
    const g1 = new nn.GRU({ inputSize: 3, hiddenSize: 5, batchFirst: true, resetAfter: false });
    const g2 = new nn.GRU({ inputSize: 5, hiddenSize: 4, batchFirst: true, resetAfter: false });
    const sd1: Record<string, Float32Array> = {};
    const sd2: Record<string, Float32Array> = {};
    loadDirection(sd1, w, `${l1}/`, '', 3, 5, GRU_ORDER, false);
    loadDirection(sd2, w, `${l2}/`, '', 5, 4, GRU_ORDER, false);
    g1.loadStateDict(sd1);
    g2.loadStateDict(sd2);
    const dense = new nn.Linear(4, 3);
    dense.loadStateDict({ weight: torchWeight(w[`${l3}/kernel`]!, 4, 3, [0]), bias: Float32Array.from(w[`${l3}/bias`]!) });
    const x = inputTensor(expected(name).inputs[0]!);
    const got = await grads([...model.namedParameters()], () => model.forwardAll([x]));
    const want = await grads([...g1.namedParameters('g1.'), ...g2.namedParameters('g2.'), ...dense.namedParameters('d.')], () => {
      const [y1] = g1.forward(x);
      const [, h] = g2.forward(flip(y1));
      return [dense.forward(ops.select(h, 0, 0)).tanh()];
    });
    const names: Record<string, string> = { [`${l3}.dense.weight`]: 'd.weight', [`${l3}.dense.bias`]: 'd.bias' };
    for (const n of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) {
      names[`${l1}.rnn.${n}`] = `g1.${n}`;
      names[`${l2}.rnn.${n}`] = `g2.${n}`;
    }
    expectSameGrads(got, want, names);
    x.dispose();
    [model, g1, g2, dense].forEach((m) => m.dispose());
  });
});
