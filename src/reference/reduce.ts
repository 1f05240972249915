// CPU twin of reduce.wgsl, the spec: sum, mean, max, argmax and sum of squares along the middle
// axis of x viewed as [outer, len, inner] (over all elements: [1, size, 1]), in float64.
// out[o, i] reduces x[o, 0..len, i].

export type ReduceRefOp = 'sum' | 'mean' | 'max' | 'argmax' | 'sumSquares' | 'meanSquares';

export interface ReduceDims {
  outer: number;
  len: number;
  inner: number;
}

/** Reduction of x[outer, len, inner] along len: [outer, inner]. max propagates NaN; argmax gives
 *  the index of the first NaN if there is one, else of the first maximum (PyTorch semantics). */
export function reduceRef(op: ReduceRefOp, x: ArrayLike<number>, { outer, len, inner }: ReduceDims): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let sum = 0;
      let best = -Infinity;
      let bestK = -1;
      for (let k = 0; k < len; k++) {
        const v = x[(o * len + k) * inner + i]!;
        sum += op === 'sumSquares' || op === 'meanSquares' ? v * v : v;
        if (Number.isNaN(best)) continue; // the first NaN stays the maximum
        if (Number.isNaN(v) || v > best || bestK < 0) {
          best = v;
          bestK = k;
        }
      }
      const r = { sum, sumSquares: sum, mean: sum / len, meanSquares: sum / len, max: best, argmax: bestK }[op];
      out[o * inner + i] = r;
    }
  }
  return out;
}
