// Imported ONNX models are webrnn's own layers: their parameters' gradients (W, R, B in ONNX's
// layout, Gemm's weight and bias) equal those of nn.LSTM / nn.GRU / nn.Linear built in this file
// from the same initializers, after the same gate reordering (ONNX LSTM i,o,f,c and GRU z,r,h).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { crossEntropy, init, memory, nn, ops, optim, tensor, tidy, type Tensor } from 'webrnn';
import { loadOnnx, type OnnxModel } from '../../src/io/onnx/index.js';
import { decodeModel } from '../../src/io/onnx/proto.js';
import { fromProto } from '../../src/io/onnx/values.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { uniform } from '../util/rng.js';
import { feedTensors, onnxExpected, onnxPath, type Feed } from './onnx_fixtures.js';

beforeAll(async () => {
  (await init()).tuning.poisonBuffers = true;
});

const ORDER = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2] };

/** The fixture's initializers as float32 arrays with their dims. */
function initializers(name: string): Record<string, { dims: number[]; data: Float32Array }> {
  const m = decodeModel(new Uint8Array(readFileSync(onnxPath(name))));
  return Object.fromEntries(m.graph!.initializer!.map((t) => {
    const h = fromProto(t, t.name!);
    return [t.name!, { dims: h.shape, data: Float32Array.from(h.data) }];
  }));
}

/** Direction d of an ONNX [D, G·H, K] array (K = 1 for a bias half at `from`), blocks reordered to webrnn's. */
function toNative(a: Float32Array, D: number, d: number, order: number[], H: number, K: number, from = 0): Float32Array {
  const per = a.length / D;
  const out = new Float32Array(order.length * H * K);
  order.forEach((g, k) => out.set(a.subarray(d * per + (from + g * H) * K, d * per + (from + (g + 1) * H) * K), k * H * K));
  return out;
}
/** The inverse: native per-direction gradients back into ONNX's [D, G·H, K] layout. */
function toOnnx(parts: Float32Array[][], order: number[], H: number, K: number): Float32Array {
  const perDir = parts[0]!.reduce((a, p) => a + p.length, 0);
  const out = new Float32Array(parts.length * perDir);
  parts.forEach((ps, d) => {
    let from = 0;
    for (const p of ps) {
      order.forEach((g, k) => out.set(p.subarray(k * H * K, (k + 1) * H * K), d * perDir + (from + g * H) * K));
      from += order.length * H;
    }
  });
  return out;
}

/** Loads the ONNX recurrent weights into a native layer (D directions, suffix _reverse). */
function loadNative(layer: nn.LSTM | nn.GRU, w: ReturnType<typeof initializers>, op: 'LSTM' | 'GRU', D: number, H: number, I: number) {
  const sd: Record<string, Float32Array> = {};
  const o = ORDER[op];
  for (let d = 0; d < D; d++) {
    const s = d ? '_reverse' : '';
    sd[`weight_ih_l0${s}`] = toNative(w.W!.data, D, d, o, H, I);
    sd[`weight_hh_l0${s}`] = toNative(w.R!.data, D, d, o, H, H);
    sd[`bias_ih_l0${s}`] = toNative(w.B!.data, D, d, o, H, 1);
    sd[`bias_hh_l0${s}`] = toNative(w.B!.data, D, d, o, H, 1, o.length * H);
  }
  layer.loadStateDict(sd);
}

/** Σ R⊙y over the outputs (fixed random R), backward; the gradients of `params`. */
async function grads(params: Tensor[], ys: Tensor[]): Promise<Float32Array[]> {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
  let loss: Tensor | null = null;
  const made: Tensor[] = [];
  ys.forEach((y, i) => {
    const r = tensor(Float32Array.from(uniform(y.size, 700 + i)), y.shape);
    const prod = y.mul(r);
    const term = prod.sum();
    const next = loss ? loss.add(term) : term;
    made.push(r, prod, term, ...(loss ? [loss] : []));
    loss = next;
  });
  loss!.backward();
  made.push(loss!, ...ys);
  const out = await Promise.all(params.map(async (p) => (await p.grad!.data()) as Float32Array));
  for (const t of made) t.dispose();
  return out;
}

const param = (m: OnnxModel, name: string) => [...m.namedParameters()].find(([n]) => n === name)![1];

/** Host reversal of each batch column of a time-major [T, B, K] feed within its length. */
function reverseWithin(f: Feed, lens: number[]): Feed {
  const [, B, K] = f.dims as [number, number, number];
  const data = [...f.data];
  for (let b = 0; b < B; b++) for (let t = 0; t < lens[b]!; t++) for (let k = 0; k < K; k++) data[(t * B + b) * K + k] = f.data[((lens[b]! - 1 - t) * B + b) * K + k]!;
  return { ...f, data };
}

describe('gradients of imported recurrent models equal native layers from the same weights', () => {
  test('LSTM bidirectional, sequence_lens, initial_h/c: every output', async () => {
    const name = 'lstm_bidirectional_layout0_lens_states';
    const [T, B, I, H, D] = [5, 3, 4, 6, 2];
    const before = memory().liveTensors;
    const model = await loadOnnx(onnxPath(name));
    expect([...model.namedParameters()].map(([n]) => n)).toEqual(['W', 'R', 'B']);
    const e = onnxExpected(name);
    const feeds = feedTensors(e);
    const out = await model.run(feeds);
    const yt = ops.permute(out.Y!, 0, 2, 1, 3);
    const y = ops.reshape(yt, [T, B, D * H]);
    const got = await grads(['W', 'R', 'B'].map((n) => param(model, n)), [y, out.Y_h!, out.Y_c!]);
    const lstm = new nn.LSTM({ inputSize: I, hiddenSize: H, bidirectional: true });
    loadNative(lstm, initializers(name), 'LSTM', D, H, I);
    const [yn, [hn, cn]] = lstm.forward(feeds.X!, [feeds.h0!, feeds.c0!], { lengths: e.inputs.lens!.data });
    const p = (n: string) => [...lstm.namedParameters()].find(([k]) => k === n)![1];
    const names = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'];
    const g = await grads([...names, ...names.map((n) => `${n}_reverse`)].map(p), [yn, hn, cn]);
    const o = ORDER.LSTM;
    expectAllClose(got[0]!, toOnnx([[g[0]!], [g[4]!]], o, H, I), TOL.bptt);
    expectAllClose(got[1]!, toOnnx([[g[1]!], [g[5]!]], o, H, H), TOL.bptt);
    expectAllClose(got[2]!, toOnnx([[g[2]!, g[3]!], [g[6]!, g[7]!]], o, H, 1), TOL.bptt);
    for (const t of [...Object.values(feeds), ...Object.values(out), yt]) t.dispose();
    [model, lstm].forEach((m) => m.dispose());
    expect(memory().liveTensors).toBe(before); // the graph freed what it saved; nothing else was left
  });

  test('GRU linear_before_reset=0, layout 1, sequence_lens, initial_h', async () => {
    const name = 'gru_forward_layout1_lbr0_lens_states';
    const [T, B, I, H] = [5, 3, 4, 6];
    const model = await loadOnnx(onnxPath(name));
    const e = onnxExpected(name);
    const feeds = feedTensors(e);
    const out = await model.run(feeds);
    const got = await grads(['W', 'R', 'B'].map((n) => param(model, n)), [ops.reshape(out.Y!, [B, T, H]), out.Y_h!]);
    const gru = new nn.GRU({ inputSize: I, hiddenSize: H, batchFirst: true, resetAfter: false });
    loadNative(gru, initializers(name), 'GRU', 1, H, I);
    const h0 = ops.transpose(feeds.h0!, 0, 1);
    const [yn, hn] = gru.forward(feeds.X!, h0, { lengths: e.inputs.lens!.data });
    const g = await grads([...gru.parameters()], [yn, ops.transpose(hn, 0, 1)]);
    const o = ORDER.GRU;
    expectAllClose(got[0]!, toOnnx([[g[0]!]], o, H, I), TOL.bptt);
    expectAllClose(got[1]!, toOnnx([[g[1]!]], o, H, H), TOL.bptt);
    expectAllClose(got[2]!, toOnnx([[g[2]!, g[3]!]], o, H, 1), TOL.bptt);
    for (const t of [...Object.values(feeds), ...Object.values(out), h0]) t.dispose();
    [model, gru].forEach((m) => m.dispose());
  });

  test('GRU reverse, linear_before_reset=1: Y_h equals nn.GRU over each sequence reversed within its length', async () => {
    const name = 'gru_reverse_layout0_lbr1_lens_states';
    const [I, H] = [4, 6];
    const model = await loadOnnx(onnxPath(name));
    const e = onnxExpected(name);
    const feeds = feedTensors(e);
    const out = await model.run(feeds);
    const got = await grads(['W', 'R', 'B'].map((n) => param(model, n)), [out.Y_h!]);
    const gru = new nn.GRU({ inputSize: I, hiddenSize: H });
    loadNative(gru, initializers(name), 'GRU', 1, H, I);
    const lens = e.inputs.lens!.data;
    const xr = feedTensors({ inputs: { x: reverseWithin(e.inputs.X!, lens) }, outputs: {} }).x!;
    const [yn, hn] = gru.forward(xr, feeds.h0!, { lengths: lens });
    yn.dispose();
    const g = await grads([...gru.parameters()], [hn]);
    const o = ORDER.GRU;
    expectAllClose(got[0]!, toOnnx([[g[0]!]], o, H, I), TOL.bptt);
    expectAllClose(got[1]!, toOnnx([[g[1]!]], o, H, H), TOL.bptt);
    expectAllClose(got[2]!, toOnnx([[g[2]!, g[3]!]], o, H, 1), TOL.bptt);
    for (const t of [...Object.values(feeds), ...Object.values(out), xr]) t.dispose();
    [model, gru].forEach((m) => m.dispose());
  });

  test('exported classifier (Shape arithmetic → LSTM → Squeeze → Gemm → Softmax) through forward()', async () => {
    const name = 'exported_lstm_classifier';
    const [I, H, O] = [5, 8, 3];
    const model = await loadOnnx(onnxPath(name));
    expect([...model.namedParameters()].map(([n]) => n).sort()).toEqual(['B', 'R', 'W', 'fc_b', 'fc_w']);
    const x = feedTensors(onnxExpected(name)).X!;
    const [probs, y] = model.forward(x) as Tensor[];
    y!.dispose();
    const got = await grads(['W', 'R', 'B', 'fc_w', 'fc_b'].map((n) => param(model, n)), [probs!]);
    const w = initializers(name);
    const lstm = new nn.LSTM({ inputSize: I, hiddenSize: H, batchFirst: true });
    loadNative(lstm, w, 'LSTM', 1, H, I);
    const fc = new nn.Linear(H, O);
    fc.loadStateDict({ weight: w.fc_w!.data, bias: w.fc_b!.data });
    const [yn, [hn, cn]] = lstm.forward(x);
    const h = ops.select(hn, 0, 0);
    const logits = fc.forward(h);
    const g = await grads([...lstm.parameters(), ...fc.parameters()], [logits.softmax(-1)]);
    [yn, hn, cn, h, logits].forEach((t) => t.dispose());
    const o = ORDER.LSTM;
    expectAllClose(got[0]!, toOnnx([[g[0]!]], o, H, I), TOL.bptt);
    expectAllClose(got[1]!, toOnnx([[g[1]!]], o, H, H), TOL.bptt);
    expectAllClose(got[2]!, toOnnx([[g[2]!, g[3]!]], o, H, 1), TOL.bptt);
    expectAllClose(got[3]!, g[4]!, TOL.bptt);
    expectAllClose(got[4]!, g[5]!, TOL.bptt);
    x.dispose();
    [model, lstm, fc].forEach((m) => m.dispose());
  });
});

test('an imported model fine-tunes with webrnn\'s optimizers: Adam lowers the cross-entropy of the exported classifier', async () => {
  const model = await loadOnnx(onnxPath('exported_lstm_classifier'));
  const x = feedTensors(onnxExpected('exported_lstm_classifier')).X!;
  const target = tensor(new Int32Array([2, 0]), [2]);
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const losses: number[] = [];
  const live: number[] = [];
  for (let i = 0; i < 8; i++) {
    const loss = tidy(() => {
      const [probs] = model.forward(x) as Tensor[];
      const l = crossEntropy(probs!.log(), target);
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
    live.push(memory().liveTensors);
  }
  expect(losses[7]!).toBeLessThan(losses[0]! * 0.7);
  expect(live.slice(1).every((n) => n === live[0]), `live tensors per step: ${live}`).toBe(true); // no step leaves anything
  [x, target].forEach((t) => t.dispose());
  model.dispose();
});
