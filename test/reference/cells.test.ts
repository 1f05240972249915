// The step twins' math, in float64, without the GPU: the forward loop against a plain per-sequence
// implementation of each cell, and the backward loop (with its carry rules) against central finite
// differences of loss = Σ y⊙R + Σ hN⊙R2 (+ Σ cN⊙R3), with variable lengths and both directions.
import { describe, expect, test } from 'vitest';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import {
  backwardSequenceRef, cellSizes, checkSequenceRef, forwardSequenceRef, TWINS, type Arr, type SequenceDims, type SequenceInputs,
} from '../../src/reference/cells/index.js';
import { expectAllClose, type Tolerance } from '../util/allclose.js';
import { KINDS, randomCase } from '../util/cell_sequence.js';

const CASES: { dims: SequenceDims; lengths: number[] }[] = [
  { dims: { batch: 3, hidden: 3, steps: 3, dirs: 2 }, lengths: [3, 1, 2] },
  { dims: { batch: 2, hidden: 2, steps: 4, dirs: 1 }, lengths: [2, 4] },
  { dims: { batch: 1, hidden: 2, steps: 1, dirs: 2 }, lengths: [1] },
];
// Both sides are float64 and compute the same sums in a different order.
const EXACT: Tolerance = { rtol: 1e-12, atol: 1e-14 };
// Central differences with eps = 1e-6 in float64: truncation ~eps² plus rounding ~1e-16·|loss|/eps.
const FD: Tolerance = { rtol: 1e-6, atol: 1e-7 };

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** One cell step written from the equations, for one sequence: x [G·H], h and c [H], W [G·H, H]. */
type PlainStep = (x: number[], h: number[], c: number[], W: (r: number, i: number) => number, bhh: (r: number) => number) => { h: number[]; c: number[] };
const units = (H: number) => Array.from({ length: H }, (_, j) => j);
const mv = (W: (r: number, i: number) => number, h: number[], r: number) => h.reduce((acc, hi, i) => acc + W(r, i) * hi, 0);
const plainRnn = (act: (p: number) => number): PlainStep => (x, h, c, W) => ({ h: units(h.length).map((j) => act(x[j]! + mv(W, h, j))), c });
/** σ, and the hard sigmoid of TF.js and Keras 2. */
const hardSig = (x: number): number => Math.min(1, Math.max(0, 0.2 * x + 0.5));
const plainLstm = (gate: (p: number) => number): PlainStep => (x, h, c, W) => {
  const H = h.length;
  const a = (k: number, j: number) => x[k * H + j]! + mv(W, h, k * H + j);
  const c2 = units(H).map((j) => gate(a(1, j)) * c[j]! + gate(a(0, j)) * Math.tanh(a(2, j)));
  return { h: units(H).map((j) => gate(a(3, j)) * Math.tanh(c2[j]!)), c: c2 };
};
const plainGru = (gate: (p: number) => number): PlainStep => (x, h, c, W, bhh) => {
  const H = h.length;
  const hh = (k: number, j: number) => mv(W, h, k * H + j) + bhh(k * H + j);
  return {
    h: units(H).map((j) => {
      const r = gate(x[j]! + hh(0, j));
      const z = gate(x[H + j]! + hh(1, j));
      const n = Math.tanh(x[2 * H + j]! + r * hh(2, j));
      return (1 - z) * n + z * h[j]!;
    }),
    c,
  };
};
const plainGruResetBefore = (gate: (p: number) => number): PlainStep => (x, h, c, W) => {
  const H = h.length;
  const r = units(H).map((j) => gate(x[j]! + mv(W, h, j)));
  const z = units(H).map((j) => gate(x[H + j]! + mv(W, h, H + j)));
  const u = h.map((v, j) => r[j]! * v);
  const n = units(H).map((j) => Math.tanh(x[2 * H + j]! + mv(W, u, 2 * H + j)));
  return { h: units(H).map((j) => (1 - z[j]!) * n[j]! + z[j]! * h[j]!), c };
};
const PLAIN: Record<CellKind, PlainStep> = {
  rnn_tanh: plainRnn(Math.tanh),
  rnn_relu: plainRnn((p) => Math.max(p, 0)),
  lstm: plainLstm(sig),
  gru: plainGru(sig),
  gru_reset_before: plainGruResetBefore(sig),
  lstm_hard_sigmoid: plainLstm(hardSig),
  gru_hard_sigmoid: plainGru(hardSig),
  gru_reset_before_hard_sigmoid: plainGruResetBefore(hardSig),
};

/** y, hN, cN by running each sequence and direction alone over its own length. */
function plainSequence(cell: CellKind, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, inp: SequenceInputs) {
  const GH = CELLS[cell].gates * H;
  const y = new Float64Array(T * B * D * H);
  const hN = new Float64Array(D * B * H);
  const cN = new Float64Array(D * B * H);
  const row = (a: Arr, at: number, n: number) => Array.from({ length: n }, (_, i) => a[at + i]!);
  for (let d = 0; d < D; d++) {
    for (let b = 0; b < B; b++) {
      const len = inp.lengths[b]!;
      let h = row(inp.h0, (d * B + b) * H, H);
      let c = inp.c0 ? row(inp.c0, (d * B + b) * H, H) : h.map(() => 0);
      const times = Array.from({ length: len }, (_, s) => (d === 0 ? s : len - 1 - s));
      for (const t of times) {
        const x = row(inp.xproj, (t * B + b) * D * GH + d * GH, GH);
        ({ h, c } = PLAIN[cell](x, h, c, (r, i) => inp.w_hh[(d * GH + r) * H + i]!, (r) => inp.b_hh?.[d * GH + r] ?? 0));
        h.forEach((v, j) => (y[(t * B + b) * D * H + d * H + j] = v));
      }
      h.forEach((v, j) => (hN[(d * B + b) * H + j] = v));
      c.forEach((v, j) => (cN[(d * B + b) * H + j] = v));
    }
  }
  return { y, hN, cN };
}

describe.each(KINDS)('%s reference', (cell) => {
  test.each(CASES)('forward loop matches a plain per-sequence run (%o)', ({ dims, lengths }) => {
    const { inp } = randomCase(cell, dims, lengths, 41);
    const got = forwardSequenceRef(TWINS[cell], dims, inp);
    const want = plainSequence(cell, dims, inp);
    expectAllClose(got.y, want.y, EXACT);
    expectAllClose(got.hN, want.hN, EXACT);
    if (CELLS[cell].cellState) expectAllClose(got.cN!, want.cN, EXACT);
  });

  test.each(CASES)('backward loop matches finite differences (%o)', ({ dims, lengths }) => {
    const { inp, grad } = randomCase(cell, dims, lengths, 42);
    const loss = (p: SequenceInputs): number => {
      const f = forwardSequenceRef(TWINS[cell], dims, p);
      let L = 0;
      f.y.forEach((v, i) => (L += v * grad.dy[i]!));
      f.hN.forEach((v, i) => (L += v * grad.dhN[i]!));
      f.cN?.forEach((v, i) => (L += v * grad.dcN![i]!));
      return L;
    };
    const fwd = forwardSequenceRef(TWINS[cell], dims, inp);
    const bwd = backwardSequenceRef(TWINS[cell], dims, inp, fwd, grad);
    const numeric = (key: 'xproj' | 'w_hh' | 'b_hh' | 'h0' | 'c0'): Float64Array => {
      const base = Float64Array.from(inp[key]!);
      const eps = 1e-6;
      return base.map((v, i) => {
        const plus = Float64Array.from(base);
        const minus = Float64Array.from(base);
        plus[i] = v + eps;
        minus[i] = v - eps;
        return (loss({ ...inp, [key]: plus }) - loss({ ...inp, [key]: minus })) / (2 * eps);
      });
    };
    expectAllClose(bwd.dxproj, numeric('xproj'), FD);
    expectAllClose(bwd.dw_hh, numeric('w_hh'), FD);
    expectAllClose(bwd.dh0, numeric('h0'), FD);
    if (CELLS[cell].cellState) expectAllClose(bwd.dc0!, numeric('c0'), FD);
    if (CELLS[cell].hhBias === 'bind') expectAllClose(bwd.db_hh, numeric('b_hh'), FD);
  });

  test('inactive steps write zero gate gradients and leave dxproj zero at padded positions', () => {
    const dims = { batch: 2, hidden: 2, steps: 3, dirs: 2 };
    const { inp, grad } = randomCase(cell, dims, [1, 3], 43);
    const backward = backwardSequenceRef(TWINS[cell], dims, inp, forwardSequenceRef(TWINS[cell], dims, inp), grad);
    const GH = CELLS[cell].gates * 2;
    for (let d = 0; d < 2; d++) {
      for (let s = 1; s < 3; s++) {
        const at = ((d * 3 + s) * 2 + 0) * GH; // batch row 0 has length 1
        expect(Array.from(backward.dgates_hh.subarray(at, at + GH))).toEqual(Array(GH).fill(0));
      }
    }
    for (let t = 1; t < 3; t++) {
      const at = (t * 2 + 0) * 2 * GH;
      expect(Array.from(backward.dxproj.subarray(at, at + 2 * GH))).toEqual(Array(2 * GH).fill(0));
    }
  });
});

test('the reference refuses lengths outside 1..T and arrays of the wrong size', () => {
  const dims = { batch: 2, hidden: 2, steps: 3, dirs: 1 };
  const { inp } = randomCase('lstm', dims, [1, 3], 44);
  expect(() => checkSequenceRef(CELLS.lstm, dims, { ...inp, lengths: [0, 3] })).toThrow(/lengths\[0\] = 0 is outside 1..3/);
  expect(() => checkSequenceRef(CELLS.lstm, dims, { ...inp, lengths: [1, 4] })).toThrow(/lengths\[1\] = 4 is outside 1..3/);
  expect(() => checkSequenceRef(CELLS.lstm, dims, { ...inp, c0: undefined })).toThrow(/c0 has no values, needs 4/);
  expect(() => checkSequenceRef(CELLS.gru, dims, { ...inp, xproj: new Float64Array(cellSizes(CELLS.gru, dims).xproj - 1) })).toThrow(/xproj has 35 values, needs 36/);
});
