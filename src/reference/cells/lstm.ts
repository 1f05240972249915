// CPU twins of lstm_step_forward.wgsl / lstm_step_backward.wgsl: one LSTM step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see sequence.ts).
// Gate order i, f, g, o (PyTorch); xproj already holds b_ih + b_hh.
import { lstm } from '../../kernels/cells/lstm.js';
import { addRecurrent, affine, sigmoid } from './affine.js';
import type { CellTwin, StepBuffers, StepDims } from './sequence.js';

/** One forward LSTM step over both directions: gates, c and h of step `step`, y at its time position. */
export function lstmStepForwardRef(
  b: StepBuffers,
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const prev = ((d * (T + 1) + s) * B + bi) * H; // state slot s
        const next = prev + B * H; // state slot s + 1
        const gAt = ((d * T + s) * B + bi) * 4 * H;
        const len = b.lengths[bi]!;
        if (s >= len) {
          // Past this sequence's end: carry the state through; y at the padding position s is 0.
          b.h_state[next + j] = b.h_state[prev + j]!;
          b.c_state[next + j] = b.c_state[prev + j]!;
          for (let k = 0; k < 4; k++) b.gates[gAt + k * H + j] = 0;
          b.y[(s * B + bi) * D * H + d * H + j] = 0;
          continue;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        const xAt = (tpos * B + bi) * D * 4 * H + d * 4 * H;
        const wAt = d * 4 * H * H;
        const pre = [0, 1, 2, 3].map((k) => {
          let acc = b.xproj[xAt + k * H + j]!;
          for (let i = 0; i < H; i++) acc += b.w_hh[wAt + (k * H + j) * H + i]! * b.h_state[prev + i]!;
          return acc;
        });
        const ig = sigmoid(pre[0]!);
        const fg = sigmoid(pre[1]!);
        const gg = Math.tanh(pre[2]!);
        const og = sigmoid(pre[3]!);
        const c = fg * b.c_state[prev + j]! + ig * gg;
        const h = og * Math.tanh(c);
        b.c_state[next + j] = c;
        b.h_state[next + j] = h;
        [ig, fg, gg, og].forEach((v, k) => (b.gates[gAt + k * H + j] = v));
        b.y[(tpos * B + bi) * D * H + d * H + j] = h;
      }
    }
  }
}

/** One backward LSTM step: gate gradients of step `step` from dy, the carries and step s+1's dgates_hh. */
export function lstmStepBackwardRef(
  b: StepBuffers,
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const len = b.lengths[bi]!;
        const gAt = ((d * T + s) * B + bi) * 4 * H;
        if (s >= len) {
          // Inactive: the carries keep carrying dhN/dcN down; this step's rows are zero, and so is
          // dxproj at the padding position s.
          for (let k = 0; k < 4; k++) {
            b.dgates_hh[gAt + k * H + j] = 0;
            b.dxproj[(s * B + bi) * D * 4 * H + d * 4 * H + k * H + j] = 0;
          }
          continue;
        }
        const cAt = d * B * H + bi * H + j;
        let rec: number;
        if (s + 1 < T && s + 1 < len) {
          // dh_prev of step s+1 = Σ_k dgates_hh[s+1, k]·W_hh[k, j]
          const nAt = ((d * T + s + 1) * B + bi) * 4 * H;
          rec = 0;
          for (let k = 0; k < 4 * H; k++) rec += b.dgates_hh[nAt + k]! * b.w_hh[(d * 4 * H + k) * H + j]!;
        } else {
          rec = b.dh_carry[cAt]!;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        const dH = b.dy[(tpos * B + bi) * D * H + d * H + j]! + rec;
        const [ig, fg, gg, og] = [0, 1, 2, 3].map((k) => b.gates[gAt + k * H + j]!) as [number, number, number, number];
        const cSlot = ((d * (T + 1) + s) * B + bi) * H + j;
        const cPrev = b.c_state[cSlot]!;
        const tc = Math.tanh(b.c_state[cSlot + B * H]!);
        // h = o·tanh(c), c = f·c_prev + i·g; d tanh(x) = 1 − tanh²(x), dσ = σ(1 − σ)
        const dc = b.dc_carry[cAt]! + dH * og * (1 - tc * tc);
        const dpre = [dc * gg * ig * (1 - ig), dc * cPrev * fg * (1 - fg), dc * ig * (1 - gg * gg), dH * tc * og * (1 - og)];
        const xAt = (tpos * B + bi) * D * 4 * H + d * 4 * H;
        dpre.forEach((v, k) => {
          b.dgates_hh[gAt + k * H + j] = v;
          b.dxproj[xAt + k * H + j] = v;
        });
        b.dc_carry[cAt] = dc * fg;
      }
    }
  }
}

interface LstmCache {
  hPrev: Float64Array;
  cPrev: Float64Array;
  gates: Float64Array; // i, f, g, o after activation
  c: Float64Array;
}

export const lstmTwin: CellTwin = {
  spec: lstm,
  forward: [lstmStepForwardRef],
  backward: [lstmStepBackwardRef],
  layer: {
    forward({ H, wHh, bHh }, xi, hPrev, cPrev) {
      const hh = affine(wHh, 4 * H, H, hPrev, bHh);
      const pre = (k: number, j: number) => xi[k * H + j]! + hh[k * H + j]!;
      const gates = new Float64Array(4 * H);
      const c = new Float64Array(H);
      const h = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const [i, f, g, o] = [sigmoid(pre(0, j)), sigmoid(pre(1, j)), Math.tanh(pre(2, j)), sigmoid(pre(3, j))];
        c[j] = f * cPrev![j]! + i * g;
        h[j] = o * Math.tanh(c[j]!);
        [i, f, g, o].forEach((v, k) => (gates[k * H + j] = v));
      }
      return { h, c, cache: { hPrev, cPrev: cPrev!, gates, c } satisfies LstmCache };
    },
    backward({ H, wHh }, cache, dh, dcIn, dW) {
      const { hPrev, cPrev, gates, c } = cache as LstmCache;
      const dpre = new Float64Array(4 * H);
      const dcPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const [i, f, g, o] = [gates[j]!, gates[H + j]!, gates[2 * H + j]!, gates[3 * H + j]!];
        const tc = Math.tanh(c[j]!);
        // h = o·tanh(c): dc gets dh·o·(1 − tanh²c) on top of the carried dc
        const dc = dcIn![j]! + dh[j]! * o * (1 - tc * tc);
        dpre[j] = dc * g * i * (1 - i); // c = f·c_prev + i·g, σ' = σ(1 − σ)
        dpre[H + j] = dc * cPrev[j]! * f * (1 - f);
        dpre[2 * H + j] = dc * i * (1 - g * g);
        dpre[3 * H + j] = dh[j]! * tc * o * (1 - o);
        dcPrev[j] = dc * f;
      }
      return { dxi: dpre, dhPrev: addRecurrent(dW, wHh, 4 * H, H, dpre, hPrev), dcPrev };
    },
  },
};
