// PyTorch's GRU cell, gates r, z, n: n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)),
// h = (1 − z)⊙n + z⊙h_prev. b_hh stays apart from xproj (it sits inside r ⊙ (…)); the forward
// saves (r, z, n, W_hn·h + b_hn) per unit ([D, T, B, 4H]).
import { defineKernel } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import { halfWeightKernels } from './half_weights.js';
import { splitKernel } from './split.js';
import { blockedKernelBase, stepKernelBase, withHardSigmoid, type CellSpec } from './spec.js';

/** One fused GRU step: hh = W_hh·h_prev + b_hh, gates r, z, n, then h into state slot step+1, y and gates. */
export const gruStepForward = /* @__PURE__ */ defineKernel({
  name: 'gru_step_forward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_input, wgsl.step_w_f32, wgsl.gru_step_forward],
  bindings: {
    xproj: 'read', w_hh: 'read', b_hh: 'read', lengths: 'read',
    h_state: 'read_write', gates: 'read_write', y: 'read_write',
  },
  ...stepKernelBase,
});

/** One fused GRU BPTT step: dgates_hh[step] (dr, dz, dn⊙r), dxproj[tpos] (dr, dz, dn) and dh_carry = dH⊙z. */
export const gruStepBackward = /* @__PURE__ */ defineKernel({
  name: 'gru_step_backward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_backward, wgsl.gru_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', gates: 'read', h_state: 'read', dy: 'read',
    dh_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write',
  },
  ...stepKernelBase,
});

/** gru_step_forward, register-blocked (up to 32 rows an invocation, subgroup broadcasts); same results. */
export const gruStepForwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'gru_step_forward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_w8_f32, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.gru_step_forward_blocked],
  bindings: gruStepForward.bindings,
  ...blockedKernelBase(1),
});

/** gru_step_backward, register-blocked (4 units × up to 32 rows an invocation); same results. */
export const gruStepBackwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'gru_step_backward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.step_backward_blocked, wgsl.gru_step_backward_blocked],
  bindings: gruStepBackward.bindings,
  ...blockedKernelBase(4),
});

const simpleHalf = /* @__PURE__ */ halfWeightKernels(gruStepForward);
/** The forward kernels reading W_hh as binary16 (f16 weights), per view. */
const halfForward = {
  phases: { native: [simpleHalf.native], packed: [simpleHalf.packed] },
  blocked: /* @__PURE__ */ halfWeightKernels(gruStepForwardBlocked),
};

/** The split variants (split.ts), for GPUs: KS invocations share each unit's recurrent sum. */
const gruStepForwardSplit = /* @__PURE__ */ splitKernel(gruStepForward);
const gruStepBackwardSplit = /* @__PURE__ */ splitKernel(gruStepBackward);

export const gru: CellSpec = {
  kind: 'gru',
  gates: 3,
  saved: 4,
  cellState: false,
  hhBias: 'bind',
  carryAddsToDh0: true,
  forward: { phases: [gruStepForward], blocked: { kernel: gruStepForwardBlocked, units: 1 }, split: gruStepForwardSplit, half: halfForward },
  backward: { phases: [gruStepBackward], blocked: { kernel: gruStepBackwardBlocked, units: 4 }, split: gruStepBackwardSplit },
};

export const gruHardSigmoid = /* @__PURE__ */ withHardSigmoid(gru, 'gru_hard_sigmoid');
