// CPU twins of rnn_step_forward.wgsl / rnn_step_backward.wgsl: one Elman RNN step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see sequence.ts).
// h = act(xproj + W_hh·h_prev) with act = tanh or relu; xproj already holds b_ih + b_hh.
import { rnnRelu, rnnTanh } from '../../kernels/cells/rnn.js';
import { addRecurrent, affine } from './affine.js';
import { eachUnit, recurrentGradRef, rowDot } from './rows.js';
import type { CellTwin, LayerStepRef, StepBuffers, StepDims } from './sequence.js';

export type Nonlinearity = 'tanh' | 'relu';

/** One forward RNN step over both directions (nothing saved: h itself gives act'). */
export function rnnStepForwardRef(b: StepBuffers, dims: StepDims, act: Nonlinearity = 'tanh'): void {
  const H = dims.hidden;
  eachUnit(dims, b.lengths, 1, 0, (o, j) => {
    if (!o.live) {
      // Carry the state through; y at the padding position is 0.
      b.h_state[o.next + j] = b.h_state[o.prev + j]!;
      b.y[o.y + j] = 0;
      return;
    }
    const a = b.xproj[o.x + j]! + rowDot(b.w_hh, o, H, j, b.h_state, o.prev);
    // relu as `x <= 0 ? 0 : x` keeps NaN (max(x, 0) need not), like the kernel's select.
    const h = act === 'relu' ? (a <= 0 ? 0 : a) : Math.tanh(a);
    b.h_state[o.next + j] = h;
    b.y[o.y + j] = h;
  });
}

/** One backward RNN step: dpre = dH·act'(h), with dH = dy + the recurrent gradient or the carry. */
export function rnnStepBackwardRef(b: StepBuffers, dims: StepDims, act: Nonlinearity = 'tanh'): void {
  const { hidden: H, steps: T, step: s } = dims;
  eachUnit(dims, b.lengths, 1, 0, (o, j, _d, len) => {
    if (!o.live) {
      // This step's row is zero, and so is dxproj at the padding position.
      b.dgates_hh[o.dgates + j] = b.dxproj[o.x + j] = 0;
      return;
    }
    const next = s + 1 < T && s + 1 < len;
    const dH = b.dy[o.y + j]! + (next ? recurrentGradRef(b, dims, o, len, 1, H, j) : b.dh_carry[o.carry + j]!);
    const h = b.h_state[o.next + j]!;
    // tanh' = 1 − h²; relu' = 1 where h > 0 (0 at the kink, like PyTorch)
    b.dgates_hh[o.dgates + j] = b.dxproj[o.x + j] = act === 'relu' ? (h > 0 ? dH : 0) : dH * (1 - h * h);
  });
}

/** Textbook step: h = act(xi + W_hh·h_prev + b_hh); the cache is h (act' is read off it). */
function layerStep(act: Nonlinearity): LayerStepRef {
  return {
    forward({ H, wHh, bHh }, xi, hPrev) {
      const hh = affine(wHh, H, H, hPrev, bHh);
      const h = Float64Array.from(hh, (v, j) => {
        const a = xi[j]! + v;
        return act === 'tanh' ? Math.tanh(a) : Math.max(a, 0);
      });
      return { h, c: null, cache: { h, hPrev } };
    },
    backward({ H, wHh }, cache, dh, _dc, dW) {
      const { h, hPrev } = cache as { h: Float64Array; hPrev: Float64Array };
      // tanh' = 1 − tanh²; relu' = 1 where the output is positive (PyTorch: 0 at the kink)
      const dpre = Float64Array.from(dh, (v, j) => v * (act === 'tanh' ? 1 - h[j]! * h[j]! : h[j]! > 0 ? 1 : 0));
      return { dxi: dpre, dhPrev: addRecurrent(dW, wHh, H, H, dpre, hPrev), dcPrev: null };
    },
  };
}

export const rnnTanhTwin: CellTwin = {
  spec: rnnTanh,
  forward: [(b, d) => rnnStepForwardRef(b, d, 'tanh')],
  backward: [(b, d) => rnnStepBackwardRef(b, d, 'tanh')],
  layer: layerStep('tanh'),
};
export const rnnReluTwin: CellTwin = {
  spec: rnnRelu,
  forward: [(b, d) => rnnStepForwardRef(b, d, 'relu')],
  backward: [(b, d) => rnnStepBackwardRef(b, d, 'relu')],
  layer: layerStep('relu'),
};
