// matmulRef, the spec of matmul.wgsl, checked in float64 against a hand-computed product,
// explicit transposes, per-batch products and finite differences (no GPU).
import { describe, expect, test } from 'vitest';
import { matmulRef } from '../../src/reference/matmul.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { uniform } from '../util/rng.js';

/** The [rows, cols] row-major matrix x, transposed to [cols, rows]. */
function transpose(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c]!;
  return t;
}

describe('matmulRef', () => {
  test('a product worked out by hand', () => {
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    const c = matmulRef([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], { batch: 1, m: 2, n: 2, k: 3 });
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    // alpha = 2, bias [1, -1], old C [1, 2, 3, 4]
    const d = matmulRef([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], { batch: 1, m: 2, n: 2, k: 3 }, { alpha: 2, bias: [1, -1], accumulate: [1, 2, 3, 4] });
    expect(Array.from(d)).toEqual([118, 129, 282, 311]);
  });

  test.each([[false, true], [true, false], [true, true]])('transA=%s transB=%s equals transposing the data first', (transA, transB) => {
    const [m, k, n] = [3, 5, 4];
    const a = uniform(m * k, 1);
    const b = uniform(k * n, 2);
    const want = matmulRef(a, b, { batch: 1, m, n, k });
    const got = matmulRef(transA ? transpose(a, m, k) : a, transB ? transpose(b, k, n) : b, { batch: 1, m, n, k, transA, transB });
    expectAllClose(got, want, TOL.elementwise);
  });

  test('batched and broadcast products equal one product per batch entry', () => {
    const [batch, m, k, n] = [3, 2, 4, 5];
    const a = uniform(batch * m * k, 3);
    const b = uniform(k * n, 4);
    const got = matmulRef(a, b, { batch, m, n, k, broadcastB: true });
    for (let p = 0; p < batch; p++) {
      const one = matmulRef(a.subarray(p * m * k, (p + 1) * m * k), b, { batch: 1, m, n, k });
      expectAllClose(got.subarray(p * m * n, (p + 1) * m * n), one, TOL.elementwise);
    }
    const b3 = Float64Array.from({ length: batch * k * n }, (_, i) => b[i % (k * n)]!);
    expectAllClose(matmulRef(a, b3, { batch, m, n, k }), got, TOL.elementwise);
  });

  test.each([[false, false], [true, true]])('dC[i,j]/dA[i,q] = opB[q,j] by central differences (transA=%s transB=%s)', (transA, transB) => {
    const [m, k, n] = [3, 4, 2];
    const a = uniform(m * k, 5);
    const b = uniform(k * n, 6);
    const dims = { batch: 1, m, n, k, transA, transB };
    const h = 1e-6;
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) {
        const at = transA ? q * m + i : i * k + q;
        const plus = Float64Array.from(a);
        const minus = Float64Array.from(a);
        plus[at]! += h;
        minus[at]! -= h;
        const cp = matmulRef(plus, b, dims);
        const cm = matmulRef(minus, b, dims);
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < n; j++) {
            const slope = (cp[r * n + j]! - cm[r * n + j]!) / (2 * h);
            const want = r === i ? (transB ? b[j * k + q]! : b[q * n + j]!) : 0;
            expect(Math.abs(slope - want)).toBeLessThan(1e-8);
          }
        }
      }
    }
  });
});
