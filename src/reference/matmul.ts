// CPU twin of matmul.wgsl in float64: C[b] = alpha·op(A[b])·op(B[b]) (+ bias[n]) (+ old C[b]).
// Row-major; A is [batch?, M, K] ([batch?, K, M] with transA), B [batch?, K, N] ([batch?, N, K]),
// C [batch, M, N]. A broadcast side has no batch dims: the same matrix serves every batch entry.

export interface MatmulDims {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** A / B has no batch dims (one matrix for the whole batch). */
  broadcastA?: boolean;
  broadcastB?: boolean;
}

export interface MatmulRefOptions {
  /** [N], added to every row. */
  bias?: ArrayLike<number>;
  /** [N], a second bias added after the first. */
  bias2?: ArrayLike<number>;
  /** [batch, M, N] old contents of C, added to the result. */
  accumulate?: ArrayLike<number>;
  alpha?: number;
}

/** C = alpha·op(A)·op(B) (+ bias) (+ accumulate), a plain triple loop per batch entry. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, dims: MatmulDims, opts: MatmulRefOptions = {}): Float64Array {
  const { batch, m, n, k, transA = false, transB = false } = dims;
  const alpha = opts.alpha ?? 1;
  const c = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const baseA = dims.broadcastA ? 0 : p * m * k;
    const baseB = dims.broadcastB ? 0 : p * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) {
          const aiq = transA ? a[baseA + q * m + i]! : a[baseA + i * k + q]!;
          const bqj = transB ? b[baseB + j * k + q]! : b[baseB + q * n + j]!;
          sum += aiq * bqj;
        }
        const e = (p * m + i) * n + j;
        let v = alpha * sum;
        if (opts.bias) v += opts.bias[j]!;
        if (opts.bias2) v += opts.bias2[j]!;
        if (opts.accumulate) v += opts.accumulate[e]!;
        c[e] = v;
      }
    }
  }
  return c;
}
