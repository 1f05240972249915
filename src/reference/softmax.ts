// CPU twins of softmax.wgsl, softmax_backward.wgsl and softmax_xent.wgsl, the spec, in float64.
// Rows run along the middle axis of [outer, len, inner] (softmax) or are the rows of logits [n, c]
// (cross-entropy). Every row subtracts its max m first; a NaN anywhere in a row makes the row NaN.

export interface RowDims {
  outer: number;
  len: number;
  inner: number;
}

/** Max of a row that keeps NaN (Math.max does). */
function rowMax(x: ArrayLike<number>, at: (k: number) => number, len: number): number {
  let m = -Infinity;
  for (let k = 0; k < len; k++) m = Math.max(m, x[at(k)]!);
  return m;
}

/** softmax, or log-softmax when `log`, of x[outer, len, inner] along len:
 *  y = e^(x−m) / Σ e^(x−m), log y = (x−m) − log Σ e^(x−m). */
export function softmaxRef(x: ArrayLike<number>, { outer, len, inner }: RowDims, log = false): Float64Array {
  const y = new Float64Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * len + k) * inner + i;
      const m = rowMax(x, at, len);
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(x[at(k)]! - m);
      for (let k = 0; k < len; k++) {
        const z = x[at(k)]! - m;
        y[at(k)] = log ? z - Math.log(s) : Math.exp(z) / s;
      }
    }
  }
  return y;
}

/** Input gradient from the forward output y: softmax dx = y ⊙ (dy − Σ dy⊙y);
 *  log-softmax (`log`) dx = dy − e^y · Σ dy, since e^y is the softmax. */
export function softmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, { outer, len, inner }: RowDims, log = false): Float64Array {
  const dx = new Float64Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * len + k) * inner + i;
      let total = 0;
      for (let k = 0; k < len; k++) total += log ? dy[at(k)]! : dy[at(k)]! * y[at(k)]!;
      for (let k = 0; k < len; k++) {
        const j = at(k);
        dx[j] = log ? dy[j]! - Math.exp(y[j]!) * total : y[j]! * (dy[j]! - total);
      }
    }
  }
  return dx;
}

export interface XentDims {
  n: number;
  c: number;
}

/** Cross-entropy of logits [n, c] with class indices, PyTorch's class weights w (1 without) and
 *  label smoothing ε: with q = (1 − ε)·onehot(t_r) + ε/c, loss[r] = Σ_k q_k·w_k·(−log p_rk) and
 *  dlogits[r, k] = p_rk·Σ_j q_j·w_j − q_k·w_k; both 0 for rows with t_r === ignoreIndex, NaN for
 *  other targets outside [0, c). */
export function softmaxXentRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  { n, c }: XentDims,
  ignoreIndex?: number,
  { weight = null, labelSmoothing = 0 }: { weight?: ArrayLike<number> | null; labelSmoothing?: number } = {},
): { loss: Float64Array; dlogits: Float64Array } {
  const loss = new Float64Array(n);
  const dlogits = new Float64Array(n * c);
  const w = (k: number) => (weight ? weight[k]! : 1);
  for (let r = 0; r < n; r++) {
    const t = targets[r]!;
    const row = dlogits.subarray(r * c, (r + 1) * c);
    if (t === ignoreIndex) continue; // loss 0, gradient row 0
    if (!(t >= 0 && t < c)) {
      loss[r] = NaN;
      row.fill(NaN);
      continue;
    }
    const at = (k: number) => r * c + k;
    const m = rowMax(logits, at, c);
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(logits[at(k)]! - m);
    const q = (k: number) => (k === t ? 1 - labelSmoothing : 0) + labelSmoothing / c;
    let l = 0;
    let qw = 0;
    for (let k = 0; k < c; k++) {
      if (q(k) === 0) continue; // 0 · (−log 0) counts as 0, as a one-hot target's other classes do
      l += q(k) * w(k) * (m + Math.log(s) - logits[at(k)]!);
      qw += q(k) * w(k);
    }
    loss[r] = l;
    for (let k = 0; k < c; k++) row[k] = (Math.exp(logits[at(k)]! - m) / s) * qw - q(k) * w(k);
  }
  return { loss, dlogits };
}
