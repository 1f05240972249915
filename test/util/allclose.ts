// Named tolerances and an allclose that treats NaN and ±Inf exactly (NaN only equals NaN,
// Inf only equals the same Inf), so a loose tolerance can never hide a non-finite value.
import { expect } from 'vitest';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const TOL = {
  elementwise: { rtol: 1e-5, atol: 1e-6 },
  reduction: { rtol: 1e-4, atol: 1e-5 },
  bptt: { rtol: 1e-3, atol: 1e-4 },
} satisfies Record<string, Tolerance>;

/** Tolerance for a sum of `n` float32 products: the error grows like sqrt(n) ulp-sized terms. */
export function reductionTol(n: number, scale = 1): Tolerance {
  const e = 2e-7 * Math.sqrt(Math.max(n, 1)) * 8;
  return { rtol: Math.max(1e-5, e), atol: Math.max(1e-6, e * scale) };
}

/** The bits Tuning.poisonBuffers fills buffers with: a NaN that arithmetic never makes (its NaNs
 *  are a quieted input or the default 0x7fc00000 / 0xffc00000), so a GPU value with these bits was
 *  never written, even where the twin wants a NaN. */
const POISON_BITS = 0xffffffff;

/** Index and description of the first mismatch, or null when all elements agree. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const bits = got instanceof Float32Array ? new Uint32Array(got.buffer, got.byteOffset, got.length) : null;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (bits?.[i] === POISON_BITS) return `at ${i}: never written (the buffer pool's NaN poison), want ${w}`;
      if (Number.isNaN(w) !== Number.isNaN(g)) return `at ${i}: got ${g}, want ${w}`;
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) return `at ${i}: got ${g}, want ${w}`;
      continue;
    }
    const err = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worst < 0) return null;
  return `at ${worst}: got ${got[worst]}, want ${want[worst]} (|diff| = ${Math.abs(got[worst]! - want[worst]!)}, rtol ${tol.rtol}, atol ${tol.atol})`;
}

export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance = TOL.elementwise): void {
  const m = firstMismatch(got, want, tol);
  expect(m, m ?? '').toBeNull();
}
