// CPU twins of the clipping kernels: the global L2 norm (as the kernel: sums of squares per
// 4096-element chunk, then the sum of the partials), scaling to a maximum norm, clamping by value.
// Float64 loops; the scale and clamp twins return new arrays.

const CHUNK = 4096;

/** sqrt(Σ over all tensors of Σ x²), summed per chunk and then over the partials. */
export function clipNormRef(ts: readonly ArrayLike<number>[]): number {
  const partials: number[] = [];
  for (const x of ts) {
    for (let base = 0; base < x.length; base += CHUNK) {
      let s = 0;
      for (let i = base; i < Math.min(base + CHUNK, x.length); i++) s += x[i]! * x[i]!;
      partials.push(s);
    }
  }
  return Math.sqrt(partials.reduce((a, b) => a + b, 0));
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
