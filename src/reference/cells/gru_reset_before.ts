// CPU twins of the reset-before GRU's step kernels (gru_reset_before_step_*.wgsl), float64, one a
// phase, and its textbook step for the layer reference. Gate order r, z, n: r = σ(x_r + W_hr·h),
// z = σ(x_z + W_hz·h), n = tanh(x_n + W_hn·(r⊙h)), h' = (1 − z)⊙n + z⊙h; xproj = W_ih·x + b_ih + b_hh;
// σ is the gate activation (Gate: sigmoid or hard sigmoid).
// Layout and carry rules as every cell's (see cells/sequence.ts); saved gates (r, z, n, u = r⊙h_prev).
import { gruResetBefore, gruResetBeforeHardSigmoid } from '../../kernels/cells/gru_reset_before.js';
import type { CellSpec } from '../../kernels/cells/spec.js';
import { addRecurrent, affine, HARD_SIGMOID_GATE, SIGMOID_GATE, type Gate } from './affine.js';
import { eachUnit } from './rows.js';
import type { CellTwin, StepBuffers, StepDims } from './sequence.js';

/** Forward phase 1: gates r, z and u = r⊙h_prev of step s (zeros past a sequence's end). */
export function gruResetBeforeStepGatesRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const { hidden: H, step: s } = dims;
  eachUnit(dims, b.lengths, 3, 4, (o, j, d, len) => {
    const [r, z] = s >= len ? [0, 0] : [0, 1].map((k) => {
      let acc = b.xproj[o.x + k * H + j]!;
      for (let i = 0; i < H; i++) acc += b.w_hh[(d * 3 * H + k * H + j) * H + i]! * b.h_state[o.prev + i]!;
      return gate.act(acc);
    }) as [number, number];
    b.gates[o.saved + j] = r;
    b.gates[o.saved + H + j] = z;
    b.gates[o.saved + 3 * H + j] = s >= len ? 0 : r * b.h_state[o.prev + j]!;
  });
}

/** Forward phase 2: n = tanh(x_n + W_hn·u), h into state slot s+1 and y (carry and zeros past the end). */
export function gruResetBeforeStepForwardRef(b: StepBuffers, dims: StepDims): void {
  const { hidden: H, step: s } = dims;
  eachUnit(dims, b.lengths, 3, 4, (o, j, d, len) => {
    const next = o.next + j;
    if (s >= len) {
      b.h_state[next] = b.h_state[o.prev + j]!;
      b.gates[o.saved + 2 * H + j] = 0;
      b.y[o.y + j] = 0;
      return;
    }
    let a = b.xproj[o.x + 2 * H + j]!;
    for (let i = 0; i < H; i++) a += b.w_hh[(d * 3 * H + 2 * H + j) * H + i]! * b.gates[o.saved + 3 * H + i]!;
    const n = Math.tanh(a);
    const z = b.gates[o.saved + H + j]!;
    const h = (1 - z) * n + z * b.h_state[o.prev + j]!;
    b.h_state[next] = h;
    b.gates[o.saved + 2 * H + j] = n;
    b.y[o.y + j] = h;
  });
}

/** Backward phase A of step s: dz_pre, dn_pre and dh_carry = dh⊙z, dh from dy, dh_carry and the
 *  r, z rows of dgates_hh[s+1] (zeros past a sequence's end, where dh_carry is left alone). */
export function gruResetBeforeStepBackwardRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const { batch: B, hidden: H, step: s } = dims;
  eachUnit(dims, b.lengths, 3, 4, (o, j, d, len) => {
    if (s >= len) {
      for (let k = 0; k < 3; k++) b.dgates_hh[o.dgates + k * H + j] = b.dxproj[o.x + k * H + j] = 0;
      return;
    }
    let rec = b.dh_carry[o.carry + j]!;
    if (s + 1 < len) {
      const nAt = o.dgates + B * 3 * H; // step s+1, same row
      for (let k = 0; k < 2 * H; k++) rec += b.dgates_hh[nAt + k]! * b.w_hh[(d * 3 * H + k) * H + j]!;
    }
    const dh = b.dy[o.y + j]! + rec;
    const z = b.gates[o.saved + H + j]!;
    const n = b.gates[o.saved + 2 * H + j]!;
    const hPrev = b.h_state[o.prev + j]!;
    const dnPre = dh * (1 - z) * (1 - n * n);
    const dzPre = dh * (hPrev - n) * gate.grad(z);
    b.dgates_hh[o.dgates + H + j] = b.dxproj[o.x + H + j] = dzPre;
    b.dgates_hh[o.dgates + 2 * H + j] = b.dxproj[o.x + 2 * H + j] = dnPre;
    b.dh_carry[o.carry + j] = dh * z;
  });
}

/** Backward phase B of step s: du = W_hnᵀ·dn_pre, dr_pre = du⊙h_prev⊙r′, dh_carry += du⊙r
 *  (nothing past a sequence's end). */
export function gruResetBeforeStepBackwardResetRef(b: StepBuffers, dims: StepDims, gate: Gate = SIGMOID_GATE): void {
  const H = dims.hidden;
  eachUnit(dims, b.lengths, 3, 4, (o, j, d) => {
    if (!o.live) return;
    let du = 0;
    for (let k = 0; k < H; k++) du += b.dgates_hh[o.dgates + 2 * H + k]! * b.w_hh[(d * 3 * H + 2 * H + k) * H + j]!;
    const r = b.gates[o.saved + j]!;
    const drPre = du * b.h_state[o.prev + j]! * gate.grad(r);
    b.dgates_hh[o.dgates + j] = b.dxproj[o.x + j] = drPre;
    b.dh_carry[o.carry + j] = b.dh_carry[o.carry + j]! + du * r;
  });
}

interface ResetBeforeCache {
  hPrev: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  u: Float64Array; // r⊙h_prev
}

/** The step twins by phase, and the textbook step. */
function gruResetBeforeTwinOf(spec: CellSpec, gate: Gate): CellTwin {
  return {
    spec,
    forward: [(b, d) => gruResetBeforeStepGatesRef(b, d, gate), gruResetBeforeStepForwardRef],
    backward: [(b, d) => gruResetBeforeStepBackwardRef(b, d, gate), (b, d) => gruResetBeforeStepBackwardResetRef(b, d, gate)],
    layer: {
      // xi = W_ih·x + b_ih; r, z = σ(xi + W_hr|hz·h + b_hr|hz); n = tanh(xi_n + W_hn·(r⊙h) + b_hn)
      forward({ H, wHh, bHh }, xi, hPrev) {
        const hh = affine(wHh, 2 * H, H, hPrev, bHh);
        const r = hPrev.map((_, j) => gate.act(xi[j]! + hh[j]!));
        const z = hPrev.map((_, j) => gate.act(xi[H + j]! + hh[H + j]!));
        const u = hPrev.map((v, j) => r[j]! * v);
        const hn = affine(wHh.subarray(2 * H * H), H, H, u, bHh?.subarray(2 * H));
        const n = hPrev.map((_, j) => Math.tanh(xi[2 * H + j]! + hn[j]!));
        const h = hPrev.map((v, j) => (1 - z[j]!) * n[j]! + z[j]! * v);
        return { h, c: null, cache: { hPrev, r, z, n, u } satisfies ResetBeforeCache };
      },
      backward({ H, wHh }, cache, dh, _dc, dW) {
        const { hPrev, r, z, n, u } = cache as ResetBeforeCache;
        const dnPre = dh.map((v, j) => v * (1 - z[j]!) * (1 - n[j]! * n[j]!));
        const dzPre = dh.map((v, j) => v * (hPrev[j]! - n[j]!) * gate.grad(z[j]!));
        // The n rows multiply u: dW_hn += dn ⊗ u, du = W_hnᵀ·dn.
        const dWn = { wHh: dW.wHh.subarray(2 * H * H), bHh: dW.bHh?.subarray(2 * H) };
        const du = addRecurrent(dWn, wHh.subarray(2 * H * H), H, H, dnPre, u);
        const drPre = du.map((v, j) => v * hPrev[j]! * gate.grad(r[j]!));
        const dxi = new Float64Array(3 * H);
        [drPre, dzPre, dnPre].forEach((g, k) => dxi.set(g, k * H));
        const dhPrev = addRecurrent(dW, wHh, 2 * H, H, dxi.subarray(0, 2 * H), hPrev);
        for (let j = 0; j < H; j++) dhPrev[j] += dh[j]! * z[j]! + du[j]! * r[j]!; // the direct path z⊙h and u = r⊙h
        return { dxi, dhPrev, dcPrev: null };
      },
    },
  };
}

export const gruResetBeforeTwin = gruResetBeforeTwinOf(gruResetBefore, SIGMOID_GATE);
export const gruResetBeforeHardSigmoidTwin = gruResetBeforeTwinOf(gruResetBeforeHardSigmoid, HARD_SIGMOID_GATE);
