// Small dense helpers of the float64 references (W row-major): W·v + b, and the recurrent product's backward.
export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The gate activation of the LSTM and GRU cells and its derivative from its output y
 *  (activations.wgsl's gate_act / gate_grad): σ, or the hard sigmoid of TF.js and Keras 2. */
export interface Gate {
  act(x: number): number;
  grad(y: number): number;
}
export const SIGMOID_GATE: Gate = { act: sigmoid, grad: (y) => y * (1 - y) };
/** clamp(0.2·x + 0.5, 0, 1); its derivative is 0.2 inside (0, 1) and 0 where it is clamped. */
export const HARD_SIGMOID_GATE: Gate = { act: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)), grad: (y) => (y > 0 && y < 1 ? 0.2 : 0) };

/** W·v (+ bias), W [rows, cols] row-major. */
export function affine(W: ArrayLike<number>, rows: number, cols: number, v: ArrayLike<number>, bias: ArrayLike<number> | undefined): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = bias === undefined ? 0 : bias[r]!;
    for (let c = 0; c < cols; c++) s += W[r * cols + c]! * v[c]!;
    out[r] = s;
  }
  return out;
}

/** Adds dpre ⊗ h_prev into dW.wHh and dpre into dW.bHh; returns W_hhᵀ·dpre (rows of W_hh: `rows`). */
export function addRecurrent(dW: { wHh: Float64Array; bHh?: Float64Array }, wHh: Float64Array, rows: number, H: number, dpre: Float64Array, hPrev: Float64Array): Float64Array {
  const dh = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    if (dW.bHh) dW.bHh[r] += dpre[r]!;
    for (let c = 0; c < H; c++) {
      dW.wHh[r * H + c] += dpre[r]! * hPrev[c]!;
      dh[c] += wHh[r * H + c]! * dpre[r]!;
    }
  }
  return dh;
}
