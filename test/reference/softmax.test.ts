// The softmax twins' math in float64: backward rules and the cross-entropy gradient vs central
// finite differences of the forward twins, plus identities (rows sum to 1, log of softmax).
import { describe, expect, test } from 'vitest';
import { softmaxBackwardRef, softmaxRef, softmaxXentRef, type RowDims } from '../../src/reference/softmax.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { ints, uniform } from '../util/rng.js';

const H = 1e-6;
/** Central differences of a scalar function at x; float64 gives about 1e-9 accuracy here. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[j]! += H;
    xm[j]! -= H;
    g[j] = (f(xp) - f(xm)) / (2 * H);
  }
  return g;
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
/** Finite differences in float64 agree to ~1e-8; this leaves room for the step's truncation error. */
const FD = { rtol: 1e-6, atol: 1e-7 };

const DIMS: RowDims[] = [
  { outer: 1, len: 1, inner: 1 },
  { outer: 2, len: 5, inner: 3 },
  { outer: 3, len: 10, inner: 1 },
  { outer: 1, len: 7, inner: 4 },
];

describe.each([false, true])('softmax twin (log = %s)', (log) => {
  test.each(DIMS)('backward matches finite differences for %j', (dims) => {
    const n = dims.outer * dims.len * dims.inner;
    const x = uniform(n, 1 + n, -3, 3);
    const dy = uniform(n, 2 + n);
    const y = softmaxRef(x, dims, log);
    const want = numericGrad((xv) => dot(softmaxRef(xv, dims, log), dy), x);
    expectAllClose(softmaxBackwardRef(y, dy, dims, log), want, FD);
  });

  test('rows are normalised and stable for logits of ±1e4', () => {
    const dims = { outer: 2, len: 6, inner: 3 };
    const x = uniform(36, 3, -1e4, 1e4);
    const y = softmaxRef(x, dims, log);
    expect(y.every(Number.isFinite)).toBe(true);
    const p = log ? y.map(Math.exp) : y;
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += p[(o * 6 + k) * 3 + i]!;
        expect(Math.abs(s - 1)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('softmax twin identities and non-finite rows', () => {
  test('log-softmax is the log of softmax for moderate logits', () => {
    const dims = { outer: 4, len: 9, inner: 2 };
    const x = uniform(72, 4, -5, 5);
    expectAllClose(softmaxRef(x, dims, true), softmaxRef(x, dims).map(Math.log), TOL.elementwise);
  });

  test('-Inf logits get probability 0; a NaN or an all -Inf row is all NaN', () => {
    const d = { outer: 1, len: 3, inner: 1 };
    expect(Array.from(softmaxRef([-Infinity, 2, -Infinity], d))).toEqual([0, 1, 0]);
    expect(Array.from(softmaxRef([-Infinity, 2, -Infinity], d, true))).toEqual([-Infinity, 0, -Infinity]);
    expect(softmaxRef([1, NaN, 2], d).every(Number.isNaN)).toBe(true);
    expect(softmaxRef([-Infinity, -Infinity, -Infinity], d).every(Number.isNaN)).toBe(true);
  });
});

describe('softmax cross-entropy twin', () => {
  test.each([
    [1, 1], [3, 2], [4, 7], [2, 30],
  ])('N=%i C=%i: dlogits is the gradient of the summed loss; loss is −log softmax[t]', (n, c) => {
    const x = uniform(n * c, 5 + n * c, -4, 4);
    const t = ints(n, c, 6 + n);
    const sum = (xv: Float64Array) => softmaxXentRef(xv, t, { n, c }).loss.reduce((a, b) => a + b, 0);
    const { loss, dlogits } = softmaxXentRef(x, t, { n, c });
    expectAllClose(dlogits, numericGrad(sum, x), FD);
    const p = softmaxRef(x, { outer: n, len: c, inner: 1 });
    expectAllClose(loss, Array.from(t, (k, r) => -Math.log(p[r * c + k]!)), TOL.elementwise);
  });

  test.each([
    [1, 1], [3, 2], [4, 7], [2, 30],
  ])('N=%i C=%i with class weights and label smoothing 0.2: dlogits is the gradient of the summed loss; loss is Σ q·w·(−log p)', (n, c) => {
    const x = uniform(n * c, 9 + n * c, -4, 4);
    const t = ints(n, c, 8 + n);
    const weight = uniform(c, 3 + c, 0.1, 2);
    const o = { weight, labelSmoothing: 0.2 };
    const sum = (xv: Float64Array) => softmaxXentRef(xv, t, { n, c }, undefined, o).loss.reduce((a, b) => a + b, 0);
    const { loss, dlogits } = softmaxXentRef(x, t, { n, c }, undefined, o);
    expectAllClose(dlogits, numericGrad(sum, x), FD);
    const p = softmaxRef(x, { outer: n, len: c, inner: 1 });
    const want = Array.from(t, (k, r) => {
      let l = 0;
      for (let j = 0; j < c; j++) l -= ((j === k ? 0.8 : 0) + 0.2 / c) * weight[j]! * Math.log(p[r * c + j]!);
      return l;
    });
    expectAllClose(loss, want, TOL.elementwise);
  });

  test('ignored rows are 0; out-of-range targets give NaN rows; neighbours are unaffected', () => {
    const x = uniform(4 * 3, 7);
    const { loss, dlogits } = softmaxXentRef(x, [1, -100, 3, 0], { n: 4, c: 3 }, -100);
    expect(loss[1]).toBe(0);
    expect(Array.from(dlogits.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Number.isNaN(loss[2]!)).toBe(true);
    expect(dlogits.subarray(6, 9).every(Number.isNaN)).toBe(true);
    expect([loss[0], loss[3]].every((v) => Number.isFinite(v) && v! > 0)).toBe(true);
    // Each valid gradient row sums to 0: Σ softmax = 1 and the one-hot contributes −1.
    expect(Math.abs(dlogits.subarray(0, 3).reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
  });
});
