// CPU twins of the embedding kernels: gather rows of weight [V, E] (NaN rows for indices outside
// [0, V)), and scatter-add dy [N, E] rows into dW [V, E] in increasing position order (ignoring
// out-of-range indices). Plain float64 loops.

/** out[pos, e] = weight[indices[pos], e], NaN when the index is outside [0, V). */
export function embeddingForwardRef(weight: ArrayLike<number>, num: number, dim: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * dim);
  for (let pos = 0; pos < indices.length; pos++) {
    const v = indices[pos]!;
    for (let e = 0; e < dim; e++) out[pos * dim + e] = v >= 0 && v < num ? weight[v * dim + e]! : NaN;
  }
  return out;
}

/** dW[v, e] = Σ over pos with indices[pos] = v of dy[pos, e]; out-of-range indices and the
 *  padding row (PyTorch's padding_idx, null: none) are skipped. */
export function embeddingBackwardRef(dy: ArrayLike<number>, indices: ArrayLike<number>, num: number, dim: number, paddingIdx: number | null = null): Float64Array {
  const dw = new Float64Array(num * dim);
  for (let pos = 0; pos < indices.length; pos++) {
    const v = indices[pos]!;
    if (v < 0 || v >= num || v === paddingIdx) continue;
    for (let e = 0; e < dim; e++) dw[v * dim + e] += dy[pos * dim + e]!;
  }
  return dw;
}
