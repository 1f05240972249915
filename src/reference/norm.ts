// CPU twins of the normalisation kernels (norm_stats, norm_forward, norm_backward_reduce,
// norm_backward) in float64: x viewed as [outer, C, inner], normalised per group c over its
// outer·inner elements with the biased variance; AFFINE 1 = weight/bias per group (batch norm),
// 2 = per inner position (layer norm).
import type { AffineMode, NormView } from '../kernels/norm.js';

const at = (v: NormView, c: number, k: number) => (Math.floor(k / v.inner) * v.c + c) * v.inner + (k % v.inner);

/** Mean, biased variance and 1/√(var + eps) of every group (two passes, like the kernel). */
export function normStatsRef(x: ArrayLike<number>, v: NormView, eps: number): { mean: Float64Array; variance: Float64Array; invstd: Float64Array } {
  const n = v.outer * v.inner;
  const mean = new Float64Array(v.c);
  const variance = new Float64Array(v.c);
  for (let c = 0; c < v.c; c++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += x[at(v, c, k)]!;
    mean[c] = s / n;
    let ss = 0;
    for (let k = 0; k < n; k++) ss += (x[at(v, c, k)]! - mean[c]!) ** 2;
    variance[c] = ss / n;
  }
  return { mean, variance, invstd: variance.map((s) => 1 / Math.sqrt(s + eps)) };
}

/** running ← (1 − f)·running + f·batch, the variance unbiased (n/(n − 1)); returns new arrays. */
export function runningUpdateRef(
  runMean: ArrayLike<number>, runVar: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, n: number, f: number,
): { mean: Float64Array; variance: Float64Array } {
  return {
    mean: Float64Array.from(runMean, (r, c) => (1 - f) * r + f * mean[c]!),
    variance: Float64Array.from(runVar, (r, c) => (1 - f) * r + (f * variance[c]! * n) / (n - 1)),
  };
}

/** y = (x − mean[c])·invstd[c] (· w + b, per group or inner position). */
export function normForwardRef(
  x: ArrayLike<number>, v: NormView, mean: ArrayLike<number>, invstd: ArrayLike<number>,
  mode: AffineMode, w?: ArrayLike<number>, b?: ArrayLike<number>,
): Float64Array {
  return Float64Array.from(x, (val, i) => {
    const c = Math.floor(i / v.inner) % v.c;
    const xhat = (val - mean[c]!) * invstd[c]!;
    if (mode === 0) return xhat;
    const a = mode === 1 ? c : i % v.inner;
    return xhat * w![a]! + b![a]!;
  });
}

/** dx, dweight and dbias of normForwardRef. `batchStats`: mean and invstd are x's own (their
 *  dependence on x is differentiated), else fixed (batch norm in eval mode). */
export function normBackwardRef(
  x: ArrayLike<number>, dy: ArrayLike<number>, v: NormView, mean: ArrayLike<number>, invstd: ArrayLike<number>,
  mode: AffineMode, w: ArrayLike<number> | undefined, batchStats: boolean,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const n = v.outer * v.inner;
  const wAt = (c: number, i: number) => (mode === 0 ? 1 : w![mode === 1 ? c : i % v.inner]!);
  const affineSize = mode === 1 ? v.c : v.inner;
  const dw = new Float64Array(affineSize);
  const db = new Float64Array(affineSize);
  const dx = new Float64Array(x.length);
  for (let c = 0; c < v.c; c++) {
    // ĝ = dL/dx̂ = dy·w; dx = invstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with batch statistics.
    let sg = 0;
    let sgx = 0;
    for (let k = 0; k < n; k++) {
      const i = at(v, c, k);
      const xhat = (x[i]! - mean[c]!) * invstd[c]!;
      const g = dy[i]! * wAt(c, i);
      sg += g;
      sgx += g * xhat;
      const a = mode === 1 ? c : i % v.inner;
      dw[a]! += dy[i]! * xhat;
      db[a]! += dy[i]!;
    }
    for (let k = 0; k < n; k++) {
      const i = at(v, c, k);
      const xhat = (x[i]! - mean[c]!) * invstd[c]!;
      const g = dy[i]! * wAt(c, i);
      dx[i] = invstd[c]! * (batchStats ? g - (sg + xhat * sgx) / n : g);
    }
  }
  return { dx, dw, db };
}
