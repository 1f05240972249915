// The reset-before GRU (Keras, TensorFlow.js and ONNX's default, linear_before_reset = 0):
// n = tanh(x_n + W_hn·(r⊙h_prev)), gate order r, z, n. b_hh folds into xproj (W_ih·x + b_ih + b_hh).
// W_hn multiplies u = r⊙h_prev, which mixes units, so a step is two phases each way: forward
// gates (r, z, u) then forward (n, h); backward (dz, dn) then backward_reset (du, dr). Saved gates
// [D, T, B, 4H] = (r, z, n, u).
import { defineKernel } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import { blockedKernelBase, stepKernelBase, withHardSigmoid, type CellSpec } from './spec.js';

/** Forward phase 1: r, z = σ(xproj + W_hr|hz·h_prev) and u = r⊙h_prev into gates[step]. */
export const gruResetBeforeStepGates = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_gates',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_input, wgsl.gru_reset_before_step_gates],
  bindings: { xproj: 'read', w_hh: 'read', lengths: 'read', h_state: 'read', gates: 'read_write' },
  ...stepKernelBase,
});

/** Forward phase 2: n = tanh(x_n + W_hn·u), h into state slot step+1 and y, n into gates[step]. */
export const gruResetBeforeStepForward = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_forward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_input, wgsl.gru_reset_before_step_forward],
  bindings: { xproj: 'read', w_hh: 'read', lengths: 'read', h_state: 'read_write', gates: 'read_write', y: 'read_write' },
  ...stepKernelBase,
});

/** Backward phase A: dz_pre, dn_pre into dgates_hh[step] and dxproj[tpos]; dh_carry = dh⊙z. */
export const gruResetBeforeStepBackward = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_backward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_backward, wgsl.gru_reset_before_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', gates: 'read', h_state: 'read', dy: 'read',
    dh_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write',
  },
  ...stepKernelBase,
});

/** Backward phase B: du = W_hnᵀ·dn_pre, dr_pre into dgates_hh[step] and dxproj[tpos]; dh_carry += du⊙r. */
export const gruResetBeforeStepBackwardReset = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_backward_reset',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.gru_reset_before_step_backward_reset],
  bindings: { w_hh: 'read', lengths: 'read', gates: 'read', h_state: 'read', dh_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write' },
  ...stepKernelBase,
});

const forwardBase = blockedKernelBase(1);
/** Both forward phases, register-blocked (up to 32 rows an invocation); PHASE 1, 2 or 0 (both). */
export const gruResetBeforeStepForwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_forward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.gru_reset_before_step_forward_blocked],
  bindings: gruResetBeforeStepForward.bindings,
  ...forwardBase,
  overrides: { ...forwardBase.overrides, PHASE: 0 },
});

const backwardBase = blockedKernelBase(4);
/** Both backward phases, register-blocked (4 units × up to 32 rows an invocation); PHASE 1 (A), 2 (B) or 0 (both). */
export const gruResetBeforeStepBackwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'gru_reset_before_step_backward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.step_backward_blocked, wgsl.gru_reset_before_step_backward_blocked],
  bindings: gruResetBeforeStepBackward.bindings,
  ...backwardBase,
  overrides: { ...backwardBase.overrides, PHASE: 0 },
});

export const gruResetBefore: CellSpec = {
  kind: 'gru_reset_before',
  gates: 3,
  saved: 4,
  cellState: false,
  hhBias: 'fold',
  recurrentGates: 2, // r and z multiply h_prev; n multiplies u
  savedInput: 3, // u, the fourth saved value
  carryAddsToDh0: true, // dh⊙z + du⊙r
  forward: { phases: [gruResetBeforeStepGates, gruResetBeforeStepForward], blocked: { kernel: gruResetBeforeStepForwardBlocked, units: 1 } },
  backward: {
    phases: [gruResetBeforeStepBackward, gruResetBeforeStepBackwardReset],
    blocked: { kernel: gruResetBeforeStepBackwardBlocked, units: 4 },
  },
};

export const gruResetBeforeHardSigmoid = /* @__PURE__ */ withHardSigmoid(gruResetBefore, 'gru_reset_before_hard_sigmoid');
