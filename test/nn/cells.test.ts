// nn.RNNCell / LSTMCell / GRUCell against the float64 whole-layer reference with T = 1 (a cell's
// weight_ih is the layer's weight_ih_l0): outputs and every gradient, a cell unrolled by hand over
// several steps, and seed 001's worked 2-step RNN example through the public API.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, nn, tensor, tidy, type Tensor } from 'webrnn';
import { rnnForwardRef, type RnnRefConfig } from '../../src/reference/rnn_layer.js';
import { rnnBackwardRef } from '../../src/reference/rnn_layer_backward.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import { KINDS } from '../util/cell_sequence.js';
import { CELL_MODULES, type AnyCell } from '../util/layer_check.js';

beforeAll(async () => {
  await init();
});

function makeCell(mode: CellKind, I: number, H: number, bias: boolean, seed: number): AnyCell {
  return CELL_MODULES[mode](I, H, { bias, seed });
}

/** One step of any cell: [h', c' or null]. */
function stepCell(cell: AnyCell, x: Tensor, h: Tensor | null, c: Tensor | null): [Tensor, Tensor | null] {
  if (cell instanceof nn.LSTMCell) return cell.forward(x, h && c ? [h, c] : null);
  return [cell.forward(x, h), null];
}

const f64 = async (t: Tensor) => Float64Array.from(await t.data());
const t32 = (a: Float64Array, shape: number[], requiresGrad = false) => tensor(Float32Array.from(a), shape, { requiresGrad });

/** The cell's parameters under the layer's `_l0` names, as the reference wants them. */
async function layerParams(cell: AnyCell): Promise<Record<string, Float64Array>> {
  const out: Record<string, Float64Array> = {};
  for (const [n, p] of cell.namedParameters()) out[`${n}_l0`] = await f64(p);
  return out;
}

const MODES = KINDS;
// B = 1, odd sizes, and H = 65 past one 64-wide workgroup; with and without initial states.
const SHAPES: { B: number; I: number; H: number; bias: boolean; state: boolean }[] = [
  { B: 1, I: 1, H: 1, bias: true, state: true },
  { B: 3, I: 5, H: 7, bias: true, state: true },
  { B: 2, I: 3, H: 65, bias: false, state: true },
  { B: 4, I: 2, H: 6, bias: true, state: false },
];
const CASES = MODES.flatMap((mode) => SHAPES.map((s) => ({ mode, ...s })));

describe.each(CASES.map((c) => [`${c.mode} B=${c.B} I=${c.I} H=${c.H} bias=${c.bias} state=${c.state}`, c] as const))('%s', (_n, c) => {
  test('one step and every gradient match the reference layer with T = 1', async () => {
    const lstm = CELLS[c.mode].cellState;
    const cell = makeCell(c.mode, c.I, c.H, c.bias, 3);
    const x = roundF32(uniform(c.B * c.I, 1, -2, 2));
    const h0 = c.state ? roundF32(uniform(c.B * c.H, 2)) : undefined;
    const c0 = c.state && lstm ? roundF32(uniform(c.B * c.H, 3)) : undefined;
    const dh = roundF32(uniform(c.B * c.H, 4));
    const dc = roundF32(uniform(c.B * c.H, 5));

    const xt = t32(x, [c.B, c.I], true);
    const ht = h0 && t32(h0, [c.B, c.H], true);
    const ct = c0 && t32(c0, [c.B, c.H], true);
    const got = tidy(() => {
      const [h, cc] = stepCell(cell, xt, ht ?? null, ct ?? null);
      let loss = h.mul(t32(dh, [c.B, c.H])).sum();
      if (cc) loss = loss.add(cc.mul(t32(dc, [c.B, c.H])).sum());
      loss.backward();
      return { h, cc };
    });
    expect(got.h.shape).toEqual([c.B, c.H]);

    const cfg: RnnRefConfig = { mode: c.mode, inputSize: c.I, hiddenSize: c.H, numLayers: 1, bias: c.bias, bidirectional: false, batchFirst: false };
    const params = await layerParams(cell);
    const input = { x, seqLen: 1, batch: c.B, h0, c0 };
    const ref = rnnForwardRef(cfg, params, input);
    expectAllClose(await got.h.data(), ref.hN, TOL.bptt);
    if (lstm) expectAllClose(await got.cc!.data(), ref.cN!, TOL.bptt);

    // With T = 1 the layer's y is h', so the loss's weight on h' goes in as dy.
    const back = rnnBackwardRef(cfg, params, input, ref, { dy: dh, dhN: new Float64Array(dh.length), dcN: lstm ? dc : undefined });
    expectAllClose(await xt.grad!.data(), back.dx, TOL.bptt);
    if (ht) expectAllClose(await ht.grad!.data(), back.dh0, TOL.bptt);
    if (ct) expectAllClose(await ct.grad!.data(), back.dc0!, TOL.bptt);
    const names = [...cell.namedParameters()].map(([n]) => n);
    expect(names).toEqual(c.bias ? ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] : ['weight_ih', 'weight_hh']);
    for (const [n, p] of cell.namedParameters()) {
      expect(p.grad, n).not.toBeNull();
      expectAllClose(await p.grad!.data(), back.dparams[`${n}_l0`]!, TOL.bptt);
    }
    for (const t of [xt, ht, ct, got.h, got.cc]) t?.dispose();
    cell.dispose();
  });
});

describe.each(MODES)('%s cell unrolled by hand', (mode) => {
  test('four steps equal the reference layer over T = 4, gradients included', async () => {
    const [T, B, I, H] = [4, 3, 2, 5];
    const lstm = CELLS[mode].cellState;
    const cell = makeCell(mode, I, H, true, 8);
    const x = roundF32(uniform(T * B * I, 11, -2, 2));
    const dy = roundF32(uniform(T * B * H, 12));
    const xt = t32(x, [T, B, I], true);
    const ys = tidy(() => {
      let h: Tensor | null = null;
      let c: Tensor | null = null;
      const outs: Tensor[] = [];
      let loss: Tensor | null = null;
      for (let t = 0; t < T; t++) {
        [h, c] = stepCell(cell, xt.select(0, t), h, c);
        outs.push(h);
        const term = h.mul(t32(dy.subarray(t * B * H, (t + 1) * B * H), [B, H])).sum();
        loss = loss ? loss.add(term) : term;
      }
      loss!.backward();
      return outs;
    });
    const cfg: RnnRefConfig = { mode, inputSize: I, hiddenSize: H, numLayers: 1, bias: true, bidirectional: false, batchFirst: false };
    const params = await layerParams(cell);
    const input = { x, seqLen: T, batch: B };
    const ref = rnnForwardRef(cfg, params, input);
    const y = new Float64Array(T * B * H);
    for (let t = 0; t < T; t++) y.set(await f64(ys[t]!), t * B * H);
    expectAllClose(y, ref.y, TOL.bptt);
    const back = rnnBackwardRef(cfg, params, input, ref, { dy, dhN: new Float64Array(B * H), dcN: lstm ? new Float64Array(B * H) : undefined });
    expectAllClose(await xt.grad!.data(), back.dx, TOL.bptt);
    for (const [n, p] of cell.namedParameters()) expectAllClose(await p.grad!.data(), back.dparams[`${n}_l0`]!, TOL.bptt);
    for (const t of [xt, ...ys]) t.dispose();
    cell.dispose();
  });
});

describe("seed 001's worked example (2-step RNN) through the public API", () => {
  // The seed's numpy: state = tanh(state·W + x·w_in + b), output = state·[1, 2] + 0.1, inputs 1 then 2.
  // PyTorch computes W_ih·x + b_ih + W_hh·h + b_hh, so weight_hh = Wᵀ and b goes in bias_ih.
  const W = [[0.1, 0.2], [0.3, 0.4]];
  const state = {
    weight_ih: Float32Array.of(0.5, 0.6),
    weight_hh: Float32Array.of(W[0]![0]!, W[1]![0]!, W[0]![1]!, W[1]![1]!),
    bias_ih: Float32Array.of(0.1, -0.1),
    bias_hh: Float32Array.of(0, 0),
  };
  const head = { weight: Float32Array.of(1, 2), bias: Float32Array.of(0.1) };
  const XS = [1, 2];
  // The values quoted in the issue, from the seed.
  const STATES = [[0.53704957, 0.46211716], [0.85973818, 0.88366641]];
  const OUTPUTS = [1.56128388, 2.72707101];

  test('the seed numbers follow from its own formula (float64, no GPU)', () => {
    let s = [0, 0];
    XS.forEach((x, t) => {
      s = [0, 1].map((j) => Math.tanh(s[0]! * W[0]![j]! + s[1]! * W[1]![j]! + x * [0.5, 0.6][j]! + [0.1, -0.1][j]!));
      expectAllClose(s, STATES[t]!, { rtol: 0, atol: 1e-8 });
      expectAllClose([s[0]! + 2 * s[1]! + 0.1], [OUTPUTS[t]!], { rtol: 0, atol: 1e-8 });
    });
  });

  test('nn.RNNCell + nn.Linear reproduce the states and outputs', async () => {
    const cell = new nn.RNNCell(1, 2, { seed: 1 });
    const linear = new nn.Linear(2, 1, { seed: 2 });
    cell.loadStateDict(state);
    linear.loadStateDict(head);
    let h: Tensor | null = null;
    for (let t = 0; t < 2; t++) {
      const x = tensor([[XS[t]!]]);
      const next: Tensor = cell.forward(x, h);
      const out = linear.forward(next);
      expectAllClose(await next.data(), STATES[t]!, TOL.elementwise);
      expectAllClose(await out.data(), [OUTPUTS[t]!], TOL.elementwise);
      for (const u of [x, out, h]) u?.dispose();
      h = next;
    }
    h!.dispose();
    cell.dispose();
    linear.dispose();
  });

  test('nn.RNN over both steps at once + nn.Linear reproduce them too', async () => {
    const rnn = new nn.RNN({ inputSize: 1, hiddenSize: 2, seed: 1 });
    const linear = new nn.Linear(2, 1, { seed: 2 });
    rnn.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [`${k}_l0`, v])));
    linear.loadStateDict(head);
    const x = tensor([[[XS[0]!]], [[XS[1]!]]]); // [T = 2, B = 1, I = 1]
    const [y, hN] = rnn.forward(x);
    const out = linear.forward(y);
    expectAllClose(await y.data(), STATES.flat(), TOL.elementwise);
    expectAllClose(await hN.data(), STATES[1]!, TOL.elementwise);
    expectAllClose(await out.data(), OUTPUTS, TOL.elementwise);
    for (const u of [x, y, hN, out]) u.dispose();
    rnn.dispose();
    linear.dispose();
  });
});

describe('cell input checks', () => {
  test('wrong input or state shapes throw naming the shapes, before any GPU work', () => {
    const cell = new nn.LSTMCell(3, 4, { seed: 1 });
    const x = tensor(new Float32Array(6), [2, 3]);
    const wrongX = tensor(new Float32Array(4), [2, 2]);
    const wrongH = tensor(new Float32Array(6), [2, 3]);
    const before = { ...memory(), dispatches: counters().dispatches };
    expect(() => cell.forward(wrongX)).toThrow(/input \[2, 2\] must be \[B, 3\]/);
    expect(() => cell.forward(x, [wrongH, wrongH])).toThrow(/h \[2, 3\] must be \[B, hiddenSize\] = \[2, 4\]/);
    expect({ ...memory(), dispatches: counters().dispatches }).toEqual(before);
    expect(() => new nn.GRUCell(0, 4)).toThrow(/inputSize = 0/);
    expect(() => new nn.RNNCell(2, 4, { nonlinearity: 'gelu' as 'tanh' })).toThrow(/option nonlinearity = 'gelu' must be one of 'tanh', 'relu'/);
    for (const t of [x, wrongX, wrongH]) t.dispose();
    cell.dispose();
  });
});
