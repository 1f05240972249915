// The whole-layer float64 reference (src/reference/rnn_layer*.ts): hand-computed forward values,
// BPTT vs central finite differences for every input and parameter, and the variable-length rules. No GPU.
import { describe, expect, test } from 'vitest';
import {
  initParamsRef,
  lengthsMask,
  paramShapes,
  rnnForwardRef,
  type ParamsRef,
  type RnnRefConfig,
  type RnnRefInput,
} from '../../src/reference/rnn_layer.js';
import { rnnBackwardRef } from '../../src/reference/rnn_layer_backward.js';
import { expectAllClose, firstMismatch, type Tolerance } from '../util/allclose.js';
import { uniform } from '../util/rng.js';
import { CELLS } from '../../src/kernels/cells/index.js';
import { KINDS } from '../util/cell_sequence.js';
import { config, makeInput, SAME, stateSize } from '../util/rnn_ref_case.js';

const MODES = KINDS;
// Central differences with eps 1e-6 in float64: truncation ~eps², roundoff ~1e-16·|loss|/eps; observed |diff| ≤ 2e-9.
const FD_EPS = 1e-6;
const FD_TOL: Tolerance = { rtol: 1e-6, atol: 1e-8 };

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('worked example (seed 001): 1-layer tanh RNN, I=1, H=2, x = [1, 2]', () => {
  test('states and outputs', () => {
    const cfg = config('rnn_tanh', { inputSize: 1, hiddenSize: 2 });
    // The seed's numpy step is state·W + x·w_in + b, so PyTorch's weight_hh = Wᵀ.
    const params: ParamsRef = {
      weight_ih_l0: Float64Array.from([0.5, 0.6]),
      weight_hh_l0: Float64Array.from([0.1, 0.3, 0.2, 0.4]),
      bias_ih_l0: Float64Array.from([0.1, -0.1]),
      bias_hh_l0: Float64Array.from([0, 0]),
    };
    const { y, hN } = rnnForwardRef(cfg, params, { x: Float64Array.from([1, 2]), seqLen: 2, batch: 1 });
    expectAllClose(y, [0.53704957, 0.46211716, 0.85973818, 0.88366641], { rtol: 0, atol: 5e-9 });
    expectAllClose(hN, [0.85973818, 0.88366641], { rtol: 0, atol: 5e-9 });
    const wOut = [1, 2];
    const outputs = [0, 1].map((t) => dot(wOut, y.subarray(2 * t, 2 * t + 2)) + 0.1);
    expectAllClose(outputs, [1.56128388, 2.72707101], { rtol: 0, atol: 5e-9 });
  });
});

describe('one step by hand, H=1, I=1 (gate order and formulas)', () => {
  const x = 0.7;
  const h0 = -0.4;
  test('lstm: gates i, f, g, o; c = f·c0 + i·g; h = o·tanh(c)', () => {
    const c0 = 0.3;
    const w = [0.5, -0.6, 0.7, 0.8]; // weight_ih rows i, f, g, o
    const u = [-0.2, 0.3, 0.9, -0.5]; // weight_hh
    const bi = [0.1, 0.2, -0.3, 0.4];
    const bh = [-0.05, 0.15, 0.25, -0.35];
    const pre = [0, 1, 2, 3].map((k) => w[k]! * x + bi[k]! + u[k]! * h0 + bh[k]!);
    const [i, f, g, o] = [sig(pre[0]!), sig(pre[1]!), Math.tanh(pre[2]!), sig(pre[3]!)];
    const c = f * c0 + i * g;
    const h = o * Math.tanh(c);
    const params = { weight_ih_l0: Float64Array.from(w), weight_hh_l0: Float64Array.from(u), bias_ih_l0: Float64Array.from(bi), bias_hh_l0: Float64Array.from(bh) };
    const out = rnnForwardRef(config('lstm', { inputSize: 1, hiddenSize: 1 }), params, { x: Float64Array.of(x), seqLen: 1, batch: 1, h0: Float64Array.of(h0), c0: Float64Array.of(c0) });
    expectAllClose(out.y, [h], SAME);
    expectAllClose(out.hN, [h], SAME);
    expectAllClose(out.cN!, [c], SAME);
  });
  test('gru: gates r, z, n; n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)); h = (1 − z)·n + z·h0', () => {
    const w = [0.5, -0.6, 0.7];
    const u = [-0.2, 0.3, 0.9];
    const bi = [0.1, 0.2, -0.3];
    const bh = [-0.05, 0.15, 0.25];
    const r = sig(w[0]! * x + bi[0]! + u[0]! * h0 + bh[0]!);
    const z = sig(w[1]! * x + bi[1]! + u[1]! * h0 + bh[1]!);
    const n = Math.tanh(w[2]! * x + bi[2]! + r * (u[2]! * h0 + bh[2]!));
    const h = (1 - z) * n + z * h0;
    const params = { weight_ih_l0: Float64Array.from(w), weight_hh_l0: Float64Array.from(u), bias_ih_l0: Float64Array.from(bi), bias_hh_l0: Float64Array.from(bh) };
    const out = rnnForwardRef(config('gru', { inputSize: 1, hiddenSize: 1 }), params, { x: Float64Array.of(x), seqLen: 1, batch: 1, h0: Float64Array.of(h0) });
    expectAllClose(out.y, [h], SAME);
    expect(out.cN).toBeUndefined();
  });
  test('rnn_relu: max(0, ·) over two steps, negative then positive pre-activation', () => {
    const params = { weight_ih_l0: Float64Array.of(1), weight_hh_l0: Float64Array.of(0.5) };
    const out = rnnForwardRef(config('rnn_relu', { inputSize: 1, hiddenSize: 1, bias: false }), params, { x: Float64Array.of(-1, 2), seqLen: 2, batch: 1, h0: Float64Array.of(0.4) });
    // step 1: max(0, −1 + 0.2) = 0; step 2: max(0, 2 + 0) = 2
    expectAllClose(out.y, [0, 2], SAME);
  });
});

test('2 layers, bidirectional, H=1 by hand: layer input is [fwd, rev], hN order l0 fwd, l0 rev, l1 fwd, l1 rev', () => {
  const cfg = config('rnn_tanh', { inputSize: 1, hiddenSize: 1, numLayers: 2, bidirectional: true, bias: false });
  const [a0, u0, a0r, u0r, p, q, u1, pr, qr, u1r] = [0.5, -0.7, 0.9, 0.3, 0.6, -0.8, 0.4, -0.3, 0.7, -0.6];
  const params = {
    weight_ih_l0: Float64Array.of(a0), weight_hh_l0: Float64Array.of(u0),
    weight_ih_l0_reverse: Float64Array.of(a0r), weight_hh_l0_reverse: Float64Array.of(u0r),
    weight_ih_l1: Float64Array.of(p, q), weight_hh_l1: Float64Array.of(u1),
    weight_ih_l1_reverse: Float64Array.of(pr, qr), weight_hh_l1_reverse: Float64Array.of(u1r),
  };
  const [x1, x2] = [0.8, -1.3];
  const h0 = [0.1, -0.2, 0.3, -0.4];
  const f1 = Math.tanh(a0 * x1 + u0 * h0[0]!);
  const f2 = Math.tanh(a0 * x2 + u0 * f1);
  const r2 = Math.tanh(a0r * x2 + u0r * h0[1]!);
  const r1 = Math.tanh(a0r * x1 + u0r * r2);
  const g1 = Math.tanh(p * f1 + q * r1 + u1 * h0[2]!);
  const g2 = Math.tanh(p * f2 + q * r2 + u1 * g1);
  const k2 = Math.tanh(pr * f2 + qr * r2 + u1r * h0[3]!);
  const k1 = Math.tanh(pr * f1 + qr * r1 + u1r * k2);
  const out = rnnForwardRef(cfg, params, { x: Float64Array.of(x1, x2), seqLen: 2, batch: 1, h0: Float64Array.from(h0) });
  expectAllClose(out.y, [g1, k1, g2, k2], SAME);
  expectAllClose(out.hN, [f2, r1, g2, k1], SAME);
});

interface Case {
  name: string;
  over: Partial<RnnRefConfig>;
  T: number;
  B: number;
  lengths?: number[];
}
const CASES: Case[] = [
  { name: '1 layer, T=3, B=2', over: {}, T: 3, B: 2 },
  { name: '2 layers, bidirectional, lengths [2, 1, 4] (unsorted)', over: { numLayers: 2, bidirectional: true }, T: 4, B: 3, lengths: [2, 1, 4] },
  { name: '3 layers, bidirectional, no bias, batchFirst, lengths [3, 5, 1]', over: { numLayers: 3, bidirectional: true, bias: false, batchFirst: true }, T: 5, B: 3, lengths: [3, 5, 1] },
  { name: '3 layers, lengths [4, 1, 2, 4]', over: { numLayers: 3, hiddenSize: 4 }, T: 4, B: 4, lengths: [4, 1, 2, 4] },
  { name: '2 layers, no bias, T=1', over: { numLayers: 2, bias: false }, T: 1, B: 2 },
  { name: 'B=1, bidirectional, batchFirst, lengths [3]', over: { bidirectional: true, batchFirst: true }, T: 4, B: 1, lengths: [3] },
  { name: 'T=1, B=1, I=1, H=1', over: { inputSize: 1, hiddenSize: 1 }, T: 1, B: 1 },
];

/** loss = Σ y⊙R1 + Σ hN⊙R2 (+ Σ cN⊙R3). */
function lossOf(cfg: RnnRefConfig, params: ParamsRef, input: RnnRefInput, R: Float64Array[]): number {
  const out = rnnForwardRef(cfg, params, input);
  return dot(out.y, R[0]!) + dot(out.hN, R[1]!) + (out.cN ? dot(out.cN, R[2]!) : 0);
}

/** Central differences of `loss` wrt every element of `v` (perturbed in place, then restored). */
function numericGrad(v: Float64Array, loss: () => number): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i]!;
    v[i] = old + FD_EPS;
    const lp = loss();
    v[i] = old - FD_EPS;
    const lm = loss();
    v[i] = old;
    g[i] = (lp - lm) / (2 * FD_EPS);
  }
  return g;
}

describe.each(MODES)('%s: BPTT vs finite differences', (mode) => {
  test.each(CASES)('$name', ({ over, T, B, lengths }) => {
    const cfg = config(mode, over);
    const params = initParamsRef(cfg, 11);
    const input = makeInput(cfg, T, B, 21, lengths);
    const D = cfg.bidirectional ? 2 : 1;
    const n = stateSize(cfg, B);
    const R = [uniform(T * B * D * cfg.hiddenSize, 31), uniform(n, 32), uniform(n, 33)];
    const out = rnnForwardRef(cfg, params, input);
    const grads = rnnBackwardRef(cfg, params, input, out, { dy: R[0]!, dhN: R[1]!, ...(CELLS[mode].cellState ? { dcN: R[2]! } : {}) });
    const loss = (): number => lossOf(cfg, params, input, R);
    const checks: [string, Float64Array, Float64Array][] = [
      ['x', input.x, grads.dx],
      ['h0', input.h0!, grads.dh0],
      ...Object.keys(paramShapes(cfg)).map((k): [string, Float64Array, Float64Array] => [k, params[k]!, grads.dparams[k]!]),
    ];
    if (CELLS[mode].cellState) checks.push(['c0', input.c0!, grads.dc0!]);
    else expect(grads.dc0).toBeUndefined();
    expect(Object.keys(grads.dparams).sort()).toEqual(Object.keys(params).sort());
    for (const [name, v, analytic] of checks) {
      const m = firstMismatch(analytic, numericGrad(v, loss), FD_TOL);
      expect(m, `d${name}: ${m}`).toBeNull();
    }
  });
});

describe.each(MODES)('%s: variable lengths', (mode) => {
  const T = 5;
  const lengths = [3, 1, 5, 2];
  const B = lengths.length;
  const cfg = config(mode, { numLayers: 2, bidirectional: true });
  const H = cfg.hiddenSize;
  const params = initParamsRef(cfg, 41);
  const input = makeInput(cfg, T, B, 51, lengths);
  const out = rnnForwardRef(cfg, params, input);
  const at = (t: number, b: number, from: number, to: number): Float64Array => out.y.slice((t * B + b) * 2 * H + from, (t * B + b) * 2 * H + to);

  test('outputs past each sequence end are 0, and lengthsMask marks the same positions', () => {
    const mask = lengthsMask(lengths, T, B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const y = at(t, b, 0, 2 * H);
        expect(mask[t * B + b]).toBe(t < lengths[b]! ? 1 : 0);
        if (t >= lengths[b]!) expect(Array.from(y)).toEqual(new Array(2 * H).fill(0));
        else expect(y.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  test("hN holds each sequence's state at its last step (fwd: position len−1, rev: position 0)", () => {
    const top = (cfg.numLayers - 1) * 2;
    for (let b = 0; b < B; b++) {
      expectAllClose(out.hN.slice(((top + 0) * B + b) * H, ((top + 0) * B + b + 1) * H), at(lengths[b]! - 1, b, 0, H), SAME);
      expectAllClose(out.hN.slice(((top + 1) * B + b) * H, ((top + 1) * B + b + 1) * H), at(0, b, H, 2 * H), SAME);
    }
  });

  test('the reverse direction at position len−1 is one step from h0', () => {
    const one = config(mode, { bidirectional: true });
    const p1 = initParamsRef(one, 42);
    const inp = makeInput(one, T, B, 52, lengths);
    const full = rnnForwardRef(one, p1, inp);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      const x = inp.x.slice(((len - 1) * B + b) * one.inputSize, ((len - 1) * B + b + 1) * one.inputSize);
      const pick = (s: Float64Array | undefined): Float64Array | undefined => s && Float64Array.from([0, 1].flatMap((d) => Array.from(s.slice((d * B + b) * H, (d * B + b + 1) * H))));
      const single = rnnForwardRef(one, p1, { x, seqLen: 1, batch: 1, h0: pick(inp.h0), ...(inp.c0 ? { c0: pick(inp.c0) } : {}) });
      const base = ((len - 1) * B + b) * 2 * H;
      expectAllClose(full.y.slice(base + H, base + 2 * H), single.y.slice(H, 2 * H), SAME);
    }
  });

  test('a sequence of length L gives the same outputs and gradients as running it alone with T = L', () => {
    const n = stateSize(cfg, B);
    const dy = uniform(T * B * 2 * H, 61);
    const dhN = uniform(n, 62);
    const dcN = uniform(n, 63);
    const isLstm = CELLS[mode].cellState;
    const g = rnnBackwardRef(cfg, params, input, out, { dy, dhN, ...(isLstm ? { dcN } : {}) });
    const dparamsSum: ParamsRef = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, new Float64Array(v.length)]));
    const I = cfg.inputSize;
    // Row b of a [T, B, F] tensor, first L steps; row b of a [L·D, B, H] state.
    const rowT = (a: Float64Array, F: number, L: number): ((b: number) => Float64Array) => (b) => Float64Array.from({ length: L * F }, (_, i) => a[(Math.floor(i / F) * B + b) * F + (i % F)]!);
    const rowS = (a: Float64Array, b: number): Float64Array => Float64Array.from({ length: n / B }, (_, i) => a[(Math.floor(i / H) * B + b) * H + (i % H)]!);
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      const alone: RnnRefInput = { x: rowT(input.x, I, L)(b), seqLen: L, batch: 1, h0: rowS(input.h0!, b), ...(isLstm ? { c0: rowS(input.c0!, b) } : {}) };
      const o = rnnForwardRef(cfg, params, alone);
      expectAllClose(rowT(out.y, 2 * H, L)(b), o.y, SAME);
      expectAllClose(rowS(out.hN, b), o.hN, SAME);
      if (isLstm) expectAllClose(rowS(out.cN!, b), o.cN!, SAME);
      const ga = rnnBackwardRef(cfg, params, alone, o, { dy: rowT(dy, 2 * H, L)(b), dhN: rowS(dhN, b), ...(isLstm ? { dcN: rowS(dcN, b) } : {}) });
      expectAllClose(rowT(g.dx, I, L)(b), ga.dx, SAME);
      // Positions past the end never influence anything: their dx is 0.
      for (let t = L; t < T; t++) expect(Array.from(g.dx.slice((t * B + b) * I, (t * B + b + 1) * I))).toEqual(new Array(I).fill(0));
      expectAllClose(rowS(g.dh0, b), ga.dh0, SAME);
      if (isLstm) expectAllClose(rowS(g.dc0!, b), ga.dc0!, SAME);
      for (const [k, v] of Object.entries(ga.dparams)) for (let i = 0; i < v.length; i++) dparamsSum[k]![i] += v[i]!;
    }
    // Parameter gradients of the batch are the sum over its sequences (summed in another order: rounding only).
    for (const k of Object.keys(params)) expectAllClose(g.dparams[k]!, dparamsSum[k]!, { rtol: 1e-10, atol: 1e-12 });
  });
});
