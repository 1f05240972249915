// CPU twins of gru_step_forward.wgsl / gru_step_backward.wgsl: one GRU step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see sequence.ts).
// Gate order r, z, n (PyTorch); xproj holds W_ih·x + b_ih only, b_hh is added to the recurrent part.
import { gru, gruHardSigmoid } from '../../kernels/cells/gru.js';
import type { CellSpec } from '../../kernels/cells/spec.js';
import { addRecurrent, affine, HARD_SIGMOID_GATE, SIGMOID_GATE, type Gate } from './affine.js';
import { eachUnit, recurrentGradRef, rowDot } from './rows.js';
import type { CellTwin, StepBuffers, StepDims } from './sequence.js';

/** One forward GRU step over both directions; saves (r, z, n, hh_n) for the backward. */
export function gruStepForwardRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const H = dims.hidden;
  eachUnit(dims, b.lengths, 3, 4, (o, j, d) => {
    if (!o.live) {
      // Carry the state through; y at the padding position is 0.
      b.h_state[o.next + j] = b.h_state[o.prev + j]!;
      for (let k = 0; k < 4; k++) b.gates[o.saved + k * H + j] = 0;
      b.y[o.y + j] = 0;
      return;
    }
    // hh_k = W_hh[k·H + j]·h_prev + b_hh[k·H + j]
    const hh = [0, 1, 2].map((k) => b.b_hh[d * 3 * H + k * H + j]! + rowDot(b.w_hh, o, H, k * H + j, b.h_state, o.prev));
    const r = gate.act(b.xproj[o.x + j]! + hh[0]!);
    const z = gate.act(b.xproj[o.x + H + j]! + hh[1]!);
    const n = Math.tanh(b.xproj[o.x + 2 * H + j]! + r * hh[2]!);
    const h = (1 - z) * n + z * b.h_state[o.prev + j]!;
    b.h_state[o.next + j] = h;
    [r, z, n, hh[2]!].forEach((v, k) => (b.gates[o.saved + k * H + j] = v));
    b.y[o.y + j] = h;
  });
}

/** One backward GRU step; dh_carry holds dhN until the sequence's last step, then dH_{s}⊙z_{s}. */
export function gruStepBackwardRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const H = dims.hidden;
  eachUnit(dims, b.lengths, 3, 4, (o, j, _d, len) => {
    if (!o.live) {
      // This step's rows are zero, and so is dxproj at the padding position.
      for (let k = 0; k < 3; k++) b.dgates_hh[o.dgates + k * H + j] = b.dxproj[o.x + k * H + j] = 0;
      return;
    }
    // The carry is dhN before the sequence's last step, else step s+1's local term dH⊙z.
    const dH = b.dy[o.y + j]! + b.dh_carry[o.carry + j]! + recurrentGradRef(b, dims, o, len, 3, 3 * H, j);
    const [r, z, n, hhn] = [0, 1, 2, 3].map((k) => b.gates[o.saved + k * H + j]!) as [number, number, number, number];
    const hPrev = b.h_state[o.prev + j]!;
    // h = (1 − z)·n + z·h_prev; n = tanh(x_n + r·hh_n)
    const dnPre = dH * (1 - z) * (1 - n * n);
    const dzPre = dH * (hPrev - n) * gate.grad(z);
    const drPre = dnPre * hhn * gate.grad(r);
    [drPre, dzPre, dnPre * r].forEach((v, k) => (b.dgates_hh[o.dgates + k * H + j] = v)); // hh_n enters n through r⊙hh_n
    [drPre, dzPre, dnPre].forEach((v, k) => (b.dxproj[o.x + k * H + j] = v));
    b.dh_carry[o.carry + j] = dH * z;
  });
}

interface GruCache {
  hPrev: Float64Array;
  gates: Float64Array; // r, z, n
  hhn: Float64Array; // W_hn·h_prev + b_hn
}

function gruTwinOf(spec: CellSpec, gate: Gate): CellTwin {
  return {
    spec,
    forward: [(b, d) => gruStepForwardRef(b, d, gate)],
    backward: [(b, d) => gruStepBackwardRef(b, d, gate)],
    layer: {
      // n = tanh(xi_n + r ⊙ (W_hn·h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h
      forward({ H, wHh, bHh }, xi, hPrev) {
        const hh = affine(wHh, 3 * H, H, hPrev, bHh);
        const gates = new Float64Array(3 * H);
        const hhn = hh.slice(2 * H);
        const h = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const r = gate.act(xi[j]! + hh[j]!);
          const z = gate.act(xi[H + j]! + hh[H + j]!);
          const n = Math.tanh(xi[2 * H + j]! + r * hhn[j]!);
          h[j] = (1 - z) * n + z * hPrev[j]!;
          [r, z, n].forEach((v, k) => (gates[k * H + j] = v));
        }
        return { h, c: null, cache: { hPrev, gates, hhn } satisfies GruCache };
      },
      backward({ H, wHh }, cache, dh, _dc, dW) {
        const { hPrev, gates, hhn } = cache as GruCache;
        const dxi = new Float64Array(3 * H);
        const dhh = new Float64Array(3 * H);
        for (let j = 0; j < H; j++) {
          const [r, z, n] = [gates[j]!, gates[H + j]!, gates[2 * H + j]!];
          const dnPre = dh[j]! * (1 - z) * (1 - n * n);
          const drPre = dnPre * hhn[j]! * gate.grad(r);
          const dzPre = dh[j]! * (hPrev[j]! - n) * gate.grad(z);
          [drPre, dzPre, dnPre].forEach((v, k) => (dxi[k * H + j] = v));
          [drPre, dzPre, dnPre * r].forEach((v, k) => (dhh[k * H + j] = v)); // hh_n enters n only through r·hh_n
        }
        const dhPrev = addRecurrent(dW, wHh, 3 * H, H, dhh, hPrev);
        for (let j = 0; j < H; j++) dhPrev[j] += dh[j]! * gates[H + j]!; // the direct path z ⊙ h_prev
        return { dxi, dhPrev, dcPrev: null };
      },
    },
  };
}

export const gruTwin = gruTwinOf(gru, SIGMOID_GATE);
export const gruHardSigmoidTwin = gruTwinOf(gruHardSigmoid, HARD_SIGMOID_GATE);
