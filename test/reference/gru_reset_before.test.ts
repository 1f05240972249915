// The reset-before GRU twins' math in float64, without the GPU: the step twins' whole-sequence
// forward against a plain per-sequence forward written from the formula, and their backward (with
// the between-loop products) against central finite differences of that plain forward, taken
// through the input projection: loss = Σ y⊙R + Σ hN⊙R2 as a function of x, W_ih, b_ih, b_hh,
// W_hh and h0, with variable lengths and both directions.
import { describe, expect, test } from 'vitest';
import { backwardSequenceRef, forwardSequenceRef, type SequenceDims } from '../../src/reference/cells/index.js';
import { expectAllClose, type Tolerance } from '../util/allclose.js';
import { fdGrad } from '../util/gradcheck.js';
import { twin } from '../util/gru_reset_before_sequence.js';
import { roundF32, uniform } from '../util/rng.js';

// Both sides are float64 and compute the same sums in a different order.
const EXACT: Tolerance = { rtol: 1e-12, atol: 1e-14 };
// Central differences with eps = 1e-6 in float64: truncation ~eps² plus rounding ~1e-16·|loss|/eps.
const FD: Tolerance = { rtol: 1e-6, atol: 1e-7 };
const I = 3; // input features

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** Named views of the flat inputs: x [T, B, I], w_ih [D, 3H, I], b_ih and b_hh [D, 3H], w_hh [D, 3H, H], h0 [D, B, H]. */
const NAMES = ['x', 'w_ih', 'b_ih', 'b_hh', 'w_hh', 'h0'] as const;
type Params = Record<(typeof NAMES)[number], Float64Array>;
const named = (xs: readonly Float64Array[]): Params => Object.fromEntries(NAMES.map((k, i) => [k, xs[i]!])) as Params;

/** y [T, B, D·H] then hN [D, B, H], each sequence and direction run alone over its own length. */
function plainForward({ batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, lengths: number[], p: Params): Float64Array {
  const y = new Float64Array(T * B * D * H);
  const hN = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) {
    for (let b = 0; b < B; b++) {
      let h = Array.from({ length: H }, (_, j) => p.h0[(d * B + b) * H + j]!);
      for (let s = 0; s < lengths[b]!; s++) {
        const t = d === 0 ? s : lengths[b]! - 1 - s;
        // Row k of gate block g: W_ih·x + b_ih + b_hh, and W_hh times a vector v.
        const row = (g: number, j: number) => (d * 3 + g) * H + j;
        const xp = (g: number, j: number) => {
          let a = p.b_ih[row(g, j)]! + p.b_hh[row(g, j)]!;
          for (let i = 0; i < I; i++) a += p.w_ih[row(g, j) * I + i]! * p.x[(t * B + b) * I + i]!;
          return a;
        };
        const wv = (g: number, j: number, v: number[]) => v.reduce((a, vi, i) => a + p.w_hh[row(g, j) * H + i]! * vi, 0);
        const r = h.map((_, j) => sig(xp(0, j) + wv(0, j, h)));
        const z = h.map((_, j) => sig(xp(1, j) + wv(1, j, h)));
        const rh = h.map((hj, j) => r[j]! * hj);
        const n = h.map((_, j) => Math.tanh(xp(2, j) + wv(2, j, rh)));
        h = h.map((hj, j) => (1 - z[j]!) * n[j]! + z[j]! * hj);
        h.forEach((v, j) => (y[(t * B + b) * D * H + d * H + j] = v));
      }
      h.forEach((v, j) => (hN[(d * B + b) * H + j] = v));
    }
  }
  const out = new Float64Array(y.length + hN.length);
  out.set(y);
  out.set(hN, y.length);
  return out;
}

/** xproj [T, B, D·3H] = W_ih·x + b_ih + b_hh. */
function project({ batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, p: Params): Float64Array {
  const xproj = new Float64Array(T * B * D * 3 * H);
  for (let tb = 0; tb < T * B; tb++) {
    for (let k = 0; k < D * 3 * H; k++) {
      let a = p.b_ih[k]! + p.b_hh[k]!;
      for (let i = 0; i < I; i++) a += p.w_ih[k * I + i]! * p.x[tb * I + i]!;
      xproj[tb * D * 3 * H + k] = a;
    }
  }
  return xproj;
}

function randomParams({ batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, seed: number): Params {
  const sizes = [T * B * I, D * 3 * H * I, D * 3 * H, D * 3 * H, D * 3 * H * H, D * B * H];
  return named(sizes.map((n, i) => roundF32(uniform(n, seed + i, -1, 1))));
}

const CASES: { dims: SequenceDims; lengths: number[] }[] = [
  { dims: { batch: 3, hidden: 3, steps: 3, dirs: 2 }, lengths: [3, 1, 2] },
  { dims: { batch: 2, hidden: 2, steps: 4, dirs: 1 }, lengths: [2, 4] },
  { dims: { batch: 1, hidden: 2, steps: 1, dirs: 2 }, lengths: [1] },
  { dims: { batch: 2, hidden: 4, steps: 3, dirs: 2 }, lengths: [2, 2] }, // every sequence shorter than T
];

describe.each(CASES)('gru_reset_before reference %o', ({ dims, lengths }) => {
  const p = randomParams(dims, 60 + dims.hidden);
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const inp = { xproj: project(dims, p), w_hh: p.w_hh, lengths, h0: p.h0 };

  test('the step twins\' forward matches the plain forward', () => {
    const want = plainForward(dims, lengths, p);
    const got = forwardSequenceRef(twin, dims, inp);
    expectAllClose(got.y, want.subarray(0, T * B * D * H), EXACT);
    expectAllClose(got.hN, want.subarray(T * B * D * H), EXACT);
  });

  test('the backward matches finite differences of the plain forward', () => {
    const R = uniform(T * B * D * H + D * B * H, 77, -1, 1);
    const fwd = forwardSequenceRef(twin, dims, inp);
    const bwd = backwardSequenceRef(twin, dims, inp, fwd, { dy: R.subarray(0, T * B * D * H), dhN: R.subarray(T * B * D * H) });
    const xs = NAMES.map((k) => p[k]);
    const fd = named(fdGrad((v) => plainForward(dims, lengths, named(v)), xs, R, NAMES.map(() => true)) as Float64Array[]);
    // Through xproj = W_ih·x + b_ih + b_hh: dx = dxprojᵀ·W_ih, dW_ih = Σ dxproj⊗x, db_ih = db_hh.
    const G3 = D * 3 * H;
    const dx = new Float64Array(T * B * I);
    const dw_ih = new Float64Array(G3 * I);
    for (let tb = 0; tb < T * B; tb++) {
      for (let k = 0; k < G3; k++) {
        for (let i = 0; i < I; i++) {
          dx[tb * I + i] += bwd.dxproj[tb * G3 + k]! * p.w_ih[k * I + i]!;
          dw_ih[k * I + i] += bwd.dxproj[tb * G3 + k]! * p.x[tb * I + i]!;
        }
      }
    }
    expectAllClose(dx, fd.x, FD);
    expectAllClose(dw_ih, fd.w_ih, FD);
    expectAllClose(bwd.db_hh, fd.b_ih, FD);
    expectAllClose(bwd.db_hh, fd.b_hh, FD);
    expectAllClose(bwd.dw_hh, fd.w_hh, FD);
    expectAllClose(bwd.dh0, fd.h0, FD);
  });
});

test('inactive steps write zero gate gradients and leave dxproj zero at padded positions', () => {
  const dims = { batch: 2, hidden: 2, steps: 3, dirs: 2 };
  const p = randomParams(dims, 90);
  const inp = { xproj: project(dims, p), w_hh: p.w_hh, lengths: [1, 3], h0: p.h0 };
  const fwd = forwardSequenceRef(twin, dims, inp);
  const bwd = backwardSequenceRef(twin, dims, inp, fwd, { dy: uniform(3 * 2 * 4, 91), dhN: uniform(8, 92) });
  for (let d = 0; d < 2; d++) {
    for (let s = 1; s < 3; s++) {
      const at = ((d * 3 + s) * 2 + 0) * 6; // batch row 0 has length 1
      expect(Array.from(bwd.dgates_hh.subarray(at, at + 6))).toEqual(Array(6).fill(0));
      expect(Array.from(fwd.gates.subarray(((d * 3 + s) * 2 + 0) * 8, ((d * 3 + s) * 2 + 1) * 8))).toEqual(Array(8).fill(0));
    }
  }
  for (let t = 1; t < 3; t++) expect(Array.from(bwd.dxproj.subarray(t * 2 * 12, (t * 2 + 1) * 12))).toEqual(Array(12).fill(0));
});

test('the reference refuses lengths outside 1..T and arrays of the wrong size', () => {
  const dims = { batch: 2, hidden: 2, steps: 3, dirs: 1 };
  const p = randomParams(dims, 95);
  const inp = { xproj: project(dims, p), w_hh: p.w_hh, lengths: [1, 3], h0: p.h0 };
  expect(() => forwardSequenceRef(twin, dims, { ...inp, lengths: [0, 3] })).toThrow(/lengths\[0\] = 0 is outside 1..3/);
  expect(() => forwardSequenceRef(twin, dims, { ...inp, lengths: [1, 4] })).toThrow(/lengths\[1\] = 4 is outside 1..3/);
  expect(() => forwardSequenceRef(twin, dims, { ...inp, w_hh: new Float64Array(11) })).toThrow(/w_hh has 11 values, needs 12/);
});

test('the textbook step (layer reference) matches finite differences of its own forward', () => {
  const H = 3;
  const [xi, hPrev, wHh, bHh, R] = [3 * H, H, 3 * H * H, 3 * H, H].map((n, i) => roundF32(uniform(n, 120 + i)));
  const step = (v: readonly Float64Array[]) => twin.layer.forward({ H, wHh: v[2]!, bHh: v[3]! }, v[0]!, v[1]!, null).h;
  const { h, cache } = twin.layer.forward({ H, wHh, bHh }, xi, hPrev, null);
  expectAllClose(h, plainForward({ batch: 1, hidden: H, steps: 1, dirs: 1 }, [1], {
    x: new Float64Array(I), w_ih: new Float64Array(3 * H * I), b_ih: xi, b_hh: bHh, w_hh: wHh, h0: hPrev,
  }).subarray(0, H), EXACT);
  const dW = { wHh: new Float64Array(3 * H * H), bHh: new Float64Array(3 * H) };
  const got = twin.layer.backward({ H, wHh, bHh }, cache, R, null, dW);
  const [dxi, dhPrev, dwHh, dbHh] = fdGrad(step, [xi, hPrev, wHh, bHh], R, [true, true, true, true]) as Float64Array[];
  expectAllClose(got.dxi, dxi!, FD);
  expectAllClose(got.dhPrev, dhPrev!, FD);
  expectAllClose(dW.wHh, dwHh!, FD);
  expectAllClose(dW.bHh, dbHh!, FD);
});
