// CPU twins of the clipping kernels: the global p-norm of several tensors taken as one vector,
// scaling to a maximum norm, clamping by value. Float64 loops; the scale and clamp twins return new
// arrays.

/** (Σ over all tensors of Σ |x|^p)^(1/p), or max |x| for p = Infinity; NaN if any x is NaN, else
 *  Infinity if any is infinite. Computed as M·(Σ (|x|/M)^p)^(1/p) with M = max |x|, so float64
 *  does not overflow either. */
export function clipNormRef(ts: readonly ArrayLike<number>[], p = 2): number {
  const all = ts.flatMap((x) => Array.from(x, Math.abs));
  if (all.some(Number.isNaN)) return NaN;
  const M = all.reduce((a, b) => Math.max(a, b), 0);
  if (M === Infinity || M === 0 || p === Infinity) return M;
  return M * all.reduce((s, a) => s + (a / M) ** p, 0) ** (1 / p);
}

/** t · min(1, maxNorm / (norm + 1e-6)); a NaN coefficient gives NaN (torch.clamp keeps NaN). */
export function clipScaleRef(t: ArrayLike<number>, norm: number, maxNorm: number): Float64Array {
  const coef = maxNorm / (norm + 1e-6);
  const c = coef >= 1 ? 1 : coef;
  return Float64Array.from(t, (x) => x * c);
}

/** clamp(t, lo, hi) with NaN kept. */
export function clipValueRef(t: ArrayLike<number>, lo: number, hi: number): Float64Array {
  return Float64Array.from(t, (x) => (x < lo ? lo : x > hi ? hi : x));
}
