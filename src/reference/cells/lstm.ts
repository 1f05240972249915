// CPU twins of lstm_step_forward.wgsl / lstm_step_backward.wgsl: one LSTM step s for every
// (direction d, batch row b, unit j), float64, same layout and carry rules (see sequence.ts).
// Gate order i, f, g, o (PyTorch); xproj already holds b_ih + b_hh.
import { lstm, lstmHardSigmoid } from '../../kernels/cells/lstm.js';
import { addRecurrent, affine, HARD_SIGMOID_GATE, SIGMOID_GATE, type Gate } from './affine.js';
import { eachUnit, recurrentGradRef, rowDot } from './rows.js';
import type { CellSpec } from '../../kernels/cells/spec.js';
import type { CellTwin, StepBuffers, StepDims } from './sequence.js';

/** One forward LSTM step over both directions: gates, c and h of step `step`, y at its time position. */
export function lstmStepForwardRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const H = dims.hidden;
  eachUnit(dims, b.lengths, 4, 4, (o, j) => {
    if (!o.live) {
      // Past this sequence's end: carry the state through; y at the padding position is 0.
      b.h_state[o.next + j] = b.h_state[o.prev + j]!;
      b.c_state[o.next + j] = b.c_state[o.prev + j]!;
      for (let k = 0; k < 4; k++) b.gates[o.saved + k * H + j] = 0;
      b.y[o.y + j] = 0;
      return;
    }
    const pre = (k: number) => b.xproj[o.x + k * H + j]! + rowDot(b.w_hh, o, H, k * H + j, b.h_state, o.prev);
    const [ig, fg, gg, og] = [gate.act(pre(0)), gate.act(pre(1)), Math.tanh(pre(2)), gate.act(pre(3))];
    const c = fg * b.c_state[o.prev + j]! + ig * gg;
    const h = og * Math.tanh(c);
    b.c_state[o.next + j] = c;
    b.h_state[o.next + j] = h;
    [ig, fg, gg, og].forEach((v, k) => (b.gates[o.saved + k * H + j] = v));
    b.y[o.y + j] = h;
  });
}

/** One backward LSTM step: gate gradients of step `step` from dy, the carries and step s+1's dgates_hh. */
export function lstmStepBackwardRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const { hidden: H, steps: T, step: s } = dims;
  eachUnit(dims, b.lengths, 4, 4, (o, j, _d, len) => {
    if (!o.live) {
      // Inactive: the carries keep carrying dhN/dcN down; this step's rows are zero, and so is
      // dxproj at the padding position.
      for (let k = 0; k < 4; k++) b.dgates_hh[o.dgates + k * H + j] = b.dxproj[o.x + k * H + j] = 0;
      return;
    }
    const next = s + 1 < T && s + 1 < len;
    const dH = b.dy[o.y + j]! + (next ? recurrentGradRef(b, dims, o, len, 4, 4 * H, j) : b.dh_carry[o.carry + j]!);
    const [ig, fg, gg, og] = [0, 1, 2, 3].map((k) => b.gates[o.saved + k * H + j]!) as [number, number, number, number];
    const cPrev = b.c_state[o.prev + j]!;
    const tc = Math.tanh(b.c_state[o.next + j]!);
    // h = o·tanh(c), c = f·c_prev + i·g; d tanh(x) = 1 − tanh²(x), the gates' gate.grad
    const dc = b.dc_carry[o.carry + j]! + dH * og * (1 - tc * tc);
    const dpre = [dc * gg * gate.grad(ig), dc * cPrev * gate.grad(fg), dc * ig * (1 - gg * gg), dH * tc * gate.grad(og)];
    dpre.forEach((v, k) => (b.dgates_hh[o.dgates + k * H + j] = b.dxproj[o.x + k * H + j] = v));
    b.dc_carry[o.carry + j] = dc * fg;
  });
}

interface LstmCache {
  hPrev: Float64Array;
  cPrev: Float64Array;
  gates: Float64Array; // i, f, g, o after activation
  c: Float64Array;
}

function lstmTwinOf(spec: CellSpec, gate: Gate): CellTwin {
  return {
    spec,
    forward: [(b, d) => lstmStepForwardRef(b, d, gate)],
    backward: [(b, d) => lstmStepBackwardRef(b, d, gate)],
    layer: {
      forward({ H, wHh, bHh }, xi, hPrev, cPrev) {
        const hh = affine(wHh, 4 * H, H, hPrev, bHh);
        const pre = (k: number, j: number) => xi[k * H + j]! + hh[k * H + j]!;
        const gates = new Float64Array(4 * H);
        const c = new Float64Array(H);
        const h = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const [i, f, g, o] = [gate.act(pre(0, j)), gate.act(pre(1, j)), Math.tanh(pre(2, j)), gate.act(pre(3, j))];
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
          dpre[j] = dc * g * gate.grad(i); // c = f·c_prev + i·g
          dpre[H + j] = dc * cPrev[j]! * gate.grad(f);
          dpre[2 * H + j] = dc * i * (1 - g * g);
          dpre[3 * H + j] = dh[j]! * tc * gate.grad(o);
          dcPrev[j] = dc * f;
        }
        return { dxi: dpre, dhPrev: addRecurrent(dW, wHh, 4 * H, H, dpre, hPrev), dcPrev };
      },
    },
  };
}

export const lstmTwin = lstmTwinOf(lstm, SIGMOID_GATE);
export const lstmHardSigmoidTwin = lstmTwinOf(lstmHardSigmoid, HARD_SIGMOID_GATE);
