// Seeded test data, reproducible across runs.
import { Random } from '../../src/util/random.js';

/** `n` values uniform in [lo, hi), from `seed`. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = new Random(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r.uniform());
}

/** `n` integers in [0, k), from `seed`. */
export function ints(n: number, k: number, seed: number): Int32Array {
  const r = new Random(seed);
  return Int32Array.from({ length: n }, () => r.int(k));
}

export const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
/** Float32-rounded copy in float64, so the reference sees exactly what the GPU sees. */
export const roundF32 = (a: ArrayLike<number>): Float64Array => Float64Array.from(Float32Array.from(a));
