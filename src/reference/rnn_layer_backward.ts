// BPTT through the whole-layer float64 reference (rnn_layer.ts): gradients of x, h0, c0 and every parameter.
// Same layouts as the forward; layers run top to bottom, each sequence's steps in reverse processing order.
// Gradients accumulate with += (over steps, batch rows and, for a layer's input, both directions).
import {
  dirParams,
  layerInputSize,
  layerRun,
  swapBatchTime,
  type DirParamsRef,
  type ParamsRef,
  type RnnRefConfig,
  type RnnRefInput,
  type RnnRefOutput,
} from './rnn_layer.js';

export interface RnnRefGrads {
  dy: Float64Array;
  dhN?: Float64Array;
  dcN?: Float64Array;
}

export interface RnnRefBackward {
  dx: Float64Array;
  dh0: Float64Array;
  dc0?: Float64Array;
  dparams: ParamsRef;
}

/** acc += Wᵀ·v, W [rows, cols] row-major, v [rows], acc [cols]. */
function addTransposedProduct(acc: Float64Array, W: Float64Array, rows: number, cols: number, v: Float64Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) acc[c] += W[r * cols + c]! * v[r]!;
}

/** dW += g ⊗ v (outer product), dW [g.length, v.length]. */
function addOuter(dW: Float64Array, g: Float64Array, v: Float64Array): void {
  for (let r = 0; r < g.length; r++) for (let c = 0; c < v.length; c++) dW[r * v.length + c] += g[r]! * v[c]!;
}

function addInto(acc: Float64Array | undefined, v: Float64Array): void {
  if (acc) for (let i = 0; i < v.length; i++) acc[i] += v[i]!;
}

/** BPTT: given dy (shape of y), dhN, dcN (optional, zeros), returns gradients of x, h0, c0 and every parameter (same names). */
export function rnnBackwardRef(cfg: RnnRefConfig, params: ParamsRef, input: RnnRefInput, out: RnnRefOutput, grads: RnnRefGrads): RnnRefBackward {
  const { lengths, T, B, H, D, G, isLstm, step } = layerRun(cfg, params, input);
  const stateLen = cfg.numLayers * D * B * H;
  if (grads.dy.length !== T * B * D * H) throw new Error(`rnn backward: dy has ${grads.dy.length} values, expected the shape of y (${T * B * D * H} values)`);
  if (grads.dhN !== undefined && grads.dhN.length !== stateLen) throw new Error(`rnn backward: dhN has ${grads.dhN.length} values, expected [${cfg.numLayers * D}, ${B}, ${H}]`);
  if (grads.dcN !== undefined && !isLstm) throw new Error(`rnn backward: dcN is only for lstm, not ${cfg.mode}`);
  if (grads.dcN !== undefined && grads.dcN.length !== stateLen) throw new Error(`rnn backward: dcN has ${grads.dcN.length} values, expected [${cfg.numLayers * D}, ${B}, ${H}]`);
  if (out.cache.layers.length !== cfg.numLayers || out.cache.lengths.some((len, b) => len !== lengths[b])) {
    throw new Error('rnn backward: out was not produced by rnnForwardRef for this config and input');
  }

  const dparams: ParamsRef = {};
  for (const [name, p] of Object.entries(params)) dparams[name] = new Float64Array(p.length);
  const dh0 = new Float64Array(stateLen);
  const dc0 = new Float64Array(isLstm ? stateLen : 0);
  // dY: gradient wrt the current layer's output [T, B, D·H], time-major; starts as dy.
  let dY = cfg.batchFirst ? swapBatchTime(grads.dy, B, T, D * H) : grads.dy.slice();
  for (let l = cfg.numLayers - 1; l >= 0; l--) {
    const inSize = layerInputSize(cfg, l);
    const layer = out.cache.layers[l]!;
    const dIn = new Float64Array(T * B * inSize); // gradient wrt this layer's input; padded positions stay 0
    for (let d = 0; d < D; d++) {
      const p: DirParamsRef = dirParams(cfg, params, l, d);
      const dW = dirParams(cfg, dparams, l, d);
      const cache = layer.dirs[d]!;
      for (let b = 0; b < B; b++) {
        const s0 = ((l * D + d) * B + b) * H;
        let dh: Float64Array = grads.dhN ? grads.dhN.slice(s0, s0 + H) : new Float64Array(H);
        let dc: Float64Array | null = isLstm ? (grads.dcN ? grads.dcN.slice(s0, s0 + H) : new Float64Array(H)) : null;
        const len = lengths[b]!;
        for (let s = len - 1; s >= 0; s--) {
          const t = d === 0 ? s : len - 1 - s;
          const tb = t * B + b;
          // The state after step s feeds y[t] and the next step: both gradients add.
          for (let j = 0; j < H; j++) dh[j] += dY[(tb * D + d) * H + j]!;
          const g = step.backward({ H, wHh: p.wHh, bHh: p.bHh }, cache.steps[tb], dh, dc, { wHh: dW.wHh, bHh: dW.bHh });
          const x = layer.input.subarray(tb * inSize, (tb + 1) * inSize);
          addOuter(dW.wIh, g.dxi, x);
          addInto(dW.bIh, g.dxi);
          addTransposedProduct(dIn.subarray(tb * inSize, (tb + 1) * inSize), p.wIh, G * H, inSize, g.dxi);
          dh = g.dhPrev;
          dc = g.dcPrev;
        }
        dh0.set(dh, s0);
        if (isLstm) dc0.set(dc!, s0);
      }
    }
    dY = dIn;
  }
  const dx = cfg.batchFirst ? swapBatchTime(dY, T, B, cfg.inputSize) : dY;
  return { dx, dh0, ...(isLstm ? { dc0 } : {}), dparams };
}
