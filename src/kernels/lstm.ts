// Descriptors and launchers of lstm_step_forward.wgsl / lstm_step_backward.wgsl: one fused LSTM
// step (gate order i, f, g, o) for all sequences and both directions per dispatch. Layout and carry
// rules: see rnn.ts and the shaders; gates saved for the backward are [D, T, B, 4H] after activation.
import { defineKernel } from '../gpu/kernel.js';
import type { Tensor } from '../graph/tensor.js';
import { blockedKernelBase, launchStep, stepKernelBase, stepVariant, type StepDims } from './rnn.js';
import { wgsl } from './wgsl.gen.js';

/** One fused LSTM step: gates = xproj[tpos] + W_hh·h_prev, then c, h into state slot step+1, y and gates. */
export const lstmStepForward = defineKernel({
  name: 'lstm_step_forward',
  wgsl: [wgsl.activations, wgsl.lstm_step_forward],
  bindings: {
    xproj: 'read', w_hh: 'read', lengths: 'read',
    h_state: 'read_write', c_state: 'read_write', gates: 'read_write', y: 'read_write',
  },
  ...stepKernelBase,
});

/** One fused LSTM BPTT step: dgates_hh[step], dxproj[tpos] and dc_carry from dy, the carries and dgates_hh[step+1].
 *  Nine storage buffers: more than WebGPU's default minimum of 8 (Dawn/Chrome desktop and lavapipe allow 10+). */
export const lstmStepBackward = defineKernel({
  name: 'lstm_step_backward',
  wgsl: [wgsl.activations, wgsl.lstm_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', gates: 'read', c_state: 'read', dy: 'read', dh_carry: 'read',
    dc_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write',
  },
  ...stepKernelBase,
});

/** lstm_step_forward, register-blocked (8 rows an invocation, subgroup broadcasts); same results. */
export const lstmStepForwardBlocked = defineKernel({
  name: 'lstm_step_forward_blocked',
  // `enable subgroups` must open the module, so the prelude comes second.
  wgsl: [wgsl.lstm_step_forward_blocked, wgsl.activations],
  bindings: lstmStepForward.bindings,
  ...blockedKernelBase(1, 64),
});

/** lstm_step_backward, register-blocked (4 units × 8 rows an invocation); same results. */
export const lstmStepBackwardBlocked = defineKernel({
  name: 'lstm_step_backward_blocked',
  wgsl: [wgsl.lstm_step_backward_blocked, wgsl.activations],
  bindings: lstmStepBackward.bindings,
  ...blockedKernelBase(4, 32),
});

export type LstmForwardTensors = Record<'xproj' | 'w_hh' | 'lengths' | 'h_state' | 'c_state' | 'gates' | 'y', Tensor>;
export type LstmBackwardTensors = Record<
  'w_hh' | 'lengths' | 'gates' | 'c_state' | 'dy' | 'dh_carry' | 'dc_carry' | 'dgates_hh' | 'dxproj',
  Tensor
>;

/** Records forward step `dims.step` of an LSTM layer (both directions, one dispatch). */
export function encodeLstmStepForward(t: LstmForwardTensors, dims: StepDims): void {
  const blocked = stepVariant(t.w_hh.storage.g, dims) === 'blocked';
  launchStep(blocked ? lstmStepForwardBlocked : lstmStepForward, t, dims, 4, 4);
}

/** Records backward step `dims.step` (call for step = T−1 down to 0; dh_carry = dhN, dc_carry starts at dcN). */
export function encodeLstmStepBackward(t: LstmBackwardTensors, dims: StepDims): void {
  const blocked = stepVariant(t.w_hh.storage.g, dims) === 'blocked';
  launchStep(blocked ? lstmStepBackwardBlocked : lstmStepBackward, t, dims, 4, 4);
}
