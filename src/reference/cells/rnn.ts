// CPU twins of rnn_step_forward.wgsl / rnn_step_backward.wgsl: one Elman RNN step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see sequence.ts).
// h = act(xproj + W_hh·h_prev) with act = tanh or relu; xproj already holds b_ih + b_hh.
import { rnnRelu, rnnTanh } from '../../kernels/cells/rnn.js';
import { addRecurrent, affine } from './affine.js';
import type { CellTwin, LayerStepRef, StepBuffers, StepDims } from './sequence.js';

export type Nonlinearity = 'tanh' | 'relu';

/** One forward RNN step over both directions (nothing saved: h itself gives act'). */
export function rnnStepForwardRef(
  b: StepBuffers,
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
  act: Nonlinearity = 'tanh',
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const prev = ((d * (T + 1) + s) * B + bi) * H;
        const next = prev + B * H;
        const len = b.lengths[bi]!;
        if (s >= len) {
          // Carry the state through; y at the padding position s is 0.
          b.h_state[next + j] = b.h_state[prev + j]!;
          b.y[(s * B + bi) * D * H + d * H + j] = 0;
          continue;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        let acc = b.xproj[(tpos * B + bi) * D * H + d * H + j]!;
        for (let i = 0; i < H; i++) acc += b.w_hh[(d * H + j) * H + i]! * b.h_state[prev + i]!;
        // relu as `x <= 0 ? 0 : x` keeps NaN (max(x, 0) need not), like the kernel's select.
        const h = act === 'relu' ? (acc <= 0 ? 0 : acc) : Math.tanh(acc);
        b.h_state[next + j] = h;
        b.y[(tpos * B + bi) * D * H + d * H + j] = h;
      }
    }
  }
}

/** One backward RNN step: dpre = dH·act'(h), with dH = dy + the recurrent gradient or the carry. */
export function rnnStepBackwardRef(
  b: StepBuffers,
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
  act: Nonlinearity = 'tanh',
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const len = b.lengths[bi]!;
        const gAt = ((d * T + s) * B + bi) * H;
        if (s >= len) {
          // This step's row is zero, and so is dxproj at the padding position s.
          b.dgates_hh[gAt + j] = 0;
          b.dxproj[(s * B + bi) * D * H + d * H + j] = 0;
          continue;
        }
        let rec: number;
        if (s + 1 < T && s + 1 < len) {
          const nAt = ((d * T + s + 1) * B + bi) * H;
          rec = 0;
          for (let k = 0; k < H; k++) rec += b.dgates_hh[nAt + k]! * b.w_hh[(d * H + k) * H + j]!;
        } else {
          rec = b.dh_carry[d * B * H + bi * H + j]!;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        const yAt = (tpos * B + bi) * D * H + d * H + j;
        const dH = b.dy[yAt]! + rec;
        const h = b.h_state[((d * (T + 1) + s + 1) * B + bi) * H + j]!;
        // tanh' = 1 − h²; relu' = 1 where h > 0 (0 at the kink, like PyTorch)
        const dpre = act === 'relu' ? (h > 0 ? dH : 0) : dH * (1 - h * h);
        b.dgates_hh[gAt + j] = dpre;
        b.dxproj[yAt] = dpre; // G = 1: xproj and y share the [T, B, D·H] layout
      }
    }
  }
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
