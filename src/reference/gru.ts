// CPU twins of gru_step_forward.wgsl / gru_step_backward.wgsl: one GRU step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see cells.ts).
// Gate order r, z, n (PyTorch); xproj holds W_ih·x + b_ih only, b_hh is added to the recurrent part.
import type { Arr, StepDims } from './cells.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** One forward GRU step over both directions; saves (r, z, n, hh_n) for the backward. */
export function gruStepForwardRef(
  b: { xproj: Arr; w_hh: Arr; b_hh: Arr; lengths: Arr; h_state: Float64Array; gates: Float64Array; y: Float64Array },
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const prev = ((d * (T + 1) + s) * B + bi) * H;
        const next = prev + B * H;
        const gAt = ((d * T + s) * B + bi) * 4 * H;
        const len = b.lengths[bi]!;
        if (s >= len) {
          // Carry the state through; y at the padding position s is 0.
          b.h_state[next + j] = b.h_state[prev + j]!;
          for (let k = 0; k < 4; k++) b.gates[gAt + k * H + j] = 0;
          b.y[(s * B + bi) * D * H + d * H + j] = 0;
          continue;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        const xAt = (tpos * B + bi) * D * 3 * H + d * 3 * H;
        // hh_k = W_hh[k·H + j]·h_prev + b_hh[k·H + j]
        const hh = [0, 1, 2].map((k) => {
          let acc = b.b_hh[d * 3 * H + k * H + j]!;
          for (let i = 0; i < H; i++) acc += b.w_hh[(d * 3 * H + k * H + j) * H + i]! * b.h_state[prev + i]!;
          return acc;
        });
        const r = sigmoid(b.xproj[xAt + j]! + hh[0]!);
        const z = sigmoid(b.xproj[xAt + H + j]! + hh[1]!);
        const n = Math.tanh(b.xproj[xAt + 2 * H + j]! + r * hh[2]!);
        const h = (1 - z) * n + z * b.h_state[prev + j]!;
        b.h_state[next + j] = h;
        [r, z, n, hh[2]!].forEach((v, k) => (b.gates[gAt + k * H + j] = v));
        b.y[(tpos * B + bi) * D * H + d * H + j] = h;
      }
    }
  }
}

/** One backward GRU step; dh_carry holds dhN until the sequence's last step, then dH_{s}⊙z_{s}. */
export function gruStepBackwardRef(
  b: { w_hh: Arr; lengths: Arr; gates: Arr; h_state: Arr; dy: Arr; dh_carry: Float64Array; dgates_hh: Float64Array; dxproj: Float64Array },
  { batch: B, hidden: H, steps: T, step: s, dirs: D }: StepDims,
): void {
  for (let d = 0; d < D; d++) {
    for (let bi = 0; bi < B; bi++) {
      for (let j = 0; j < H; j++) {
        const len = b.lengths[bi]!;
        const gAt = ((d * T + s) * B + bi) * 4 * H; // saved gates: 4H per row
        const dAt = ((d * T + s) * B + bi) * 3 * H; // dgates_hh: 3H per row
        if (s >= len) {
          // This step's rows are zero, and so is dxproj at the padding position s.
          for (let k = 0; k < 3; k++) {
            b.dgates_hh[dAt + k * H + j] = 0;
            b.dxproj[(s * B + bi) * D * 3 * H + d * 3 * H + k * H + j] = 0;
          }
          continue;
        }
        const cAt = d * B * H + bi * H + j;
        // The carry is dhN before the sequence's last step, else step s+1's local term dH⊙z.
        let rec = b.dh_carry[cAt]!;
        if (s + 1 < T && s + 1 < len) {
          const nAt = ((d * T + s + 1) * B + bi) * 3 * H;
          for (let k = 0; k < 3 * H; k++) rec += b.dgates_hh[nAt + k]! * b.w_hh[(d * 3 * H + k) * H + j]!;
        }
        const tpos = d === 0 ? s : len - 1 - s;
        const dH = b.dy[(tpos * B + bi) * D * H + d * H + j]! + rec;
        const [r, z, n, hhn] = [0, 1, 2, 3].map((k) => b.gates[gAt + k * H + j]!) as [number, number, number, number];
        const hPrev = b.h_state[((d * (T + 1) + s) * B + bi) * H + j]!;
        // h = (1 − z)·n + z·h_prev; n = tanh(x_n + r·hh_n)
        const dnPre = dH * (1 - z) * (1 - n * n);
        const dzPre = dH * (hPrev - n) * z * (1 - z);
        const drPre = dnPre * hhn * r * (1 - r);
        const xAt = (tpos * B + bi) * D * 3 * H + d * 3 * H;
        b.dgates_hh[dAt + j] = drPre;
        b.dgates_hh[dAt + H + j] = dzPre;
        b.dgates_hh[dAt + 2 * H + j] = dnPre * r; // hh_n enters n through r⊙hh_n
        b.dxproj[xAt + j] = drPre;
        b.dxproj[xAt + H + j] = dzPre;
        b.dxproj[xAt + 2 * H + j] = dnPre;
        b.dh_carry[cAt] = dH * z;
      }
    }
  }
}
