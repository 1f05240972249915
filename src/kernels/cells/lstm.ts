// The LSTM cell, gates i, f, g, o (PyTorch order): c = f⊙c_prev + i⊙g, h = o⊙tanh(c). Both biases
// fold into xproj; the forward saves the four gates after activation ([D, T, B, 4H]) and c.
import { defineKernel } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import { halfWeightKernels } from './half_weights.js';
import { splitKernel } from './split.js';
import { blockedKernelBase, stepKernelBase, withHardSigmoid, type CellSpec } from './spec.js';

/** One fused LSTM step: gates = xproj[tpos] + W_hh·h_prev, then c, h into state slot step+1, y and gates. */
export const lstmStepForward = /* @__PURE__ */ defineKernel({
  name: 'lstm_step_forward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_input, wgsl.step_w_f32, wgsl.lstm_step_forward],
  bindings: {
    xproj: 'read', w_hh: 'read', lengths: 'read',
    h_state: 'read_write', c_state: 'read_write', gates: 'read_write', y: 'read_write',
  },
  ...stepKernelBase,
});

/** One fused LSTM BPTT step: dgates_hh[step], dxproj[tpos] and dc_carry from dy, the carries and
 *  dgates_hh[step+1]. Nine storage buffers: more than WebGPU's guaranteed 8 (the launcher checks). */
export const lstmStepBackward = /* @__PURE__ */ defineKernel({
  name: 'lstm_step_backward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_backward, wgsl.lstm_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', gates: 'read', c_state: 'read', dy: 'read', dh_carry: 'read',
    dc_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write',
  },
  ...stepKernelBase,
});

const forwardBase = blockedKernelBase(2);
/** lstm_step_forward, register-blocked (2 units × up to 32 rows an invocation, subgroup broadcasts); same results. */
export const lstmStepForwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'lstm_step_forward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_w8_f32, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.lstm_step_forward_blocked],
  bindings: lstmStepForward.bindings,
  ...forwardBase,
  overrides: { ...forwardBase.overrides, UNITS: 2 },
});

/** lstm_step_backward, register-blocked (4 units × up to 32 rows an invocation); same results. */
export const lstmStepBackwardBlocked = /* @__PURE__ */ defineKernel({
  name: 'lstm_step_backward_blocked',
  wgsl: [wgsl.broadcast, wgsl.step_blocked, wgsl.step_layout, wgsl.nan, wgsl.activations, wgsl.step_backward_blocked, wgsl.lstm_step_backward_blocked],
  bindings: lstmStepBackward.bindings,
  ...blockedKernelBase(4),
});

const simpleHalf = /* @__PURE__ */ halfWeightKernels(lstmStepForward);
/** The forward kernels reading W_hh as binary16 (f16 weights), per view. */
const halfForward = {
  phases: { native: [simpleHalf.native], packed: [simpleHalf.packed] },
  blocked: /* @__PURE__ */ halfWeightKernels(lstmStepForwardBlocked),
};

/** The split variants (split.ts), for GPUs: KS invocations share each unit's recurrent sum. */
const lstmStepForwardSplit = /* @__PURE__ */ splitKernel(lstmStepForward);
const lstmStepBackwardSplit = /* @__PURE__ */ splitKernel(lstmStepBackward);

export const lstm: CellSpec = {
  kind: 'lstm',
  gates: 4,
  saved: 4,
  cellState: true,
  hhBias: 'fold',
  carryAddsToDh0: false,
  forward: {
    phases: [lstmStepForward],
    blocked: { kernel: lstmStepForwardBlocked, units: 2 },
    split: lstmStepForwardSplit,
    half: halfForward,
  },
  backward: { phases: [lstmStepBackward], blocked: { kernel: lstmStepBackwardBlocked, units: 4 }, split: lstmStepBackwardSplit },
};

export const lstmHardSigmoid = /* @__PURE__ */ withHardSigmoid(lstm, 'lstm_hard_sigmoid');
