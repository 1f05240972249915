// Descriptors and launchers of lstm_step_forward.wgsl / lstm_step_backward.wgsl: one fused LSTM
// step (gate order i, f, g, o) for all sequences and both directions per dispatch, and of their
// register-blocked variants (same bindings and results; picked by stepVariant in rnn.ts). Layout and
// carry rules: see rnn.ts and the shaders; gates saved for the backward are [D, T, B, 4H] after activation.
import { defineKernel } from '../gpu/kernel.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  blockedKernelBase, blockedOverrides, launchStep, stepKernelBase, stepVariant, wholeSequenceLaunch, type SequenceDims, type StepDims,
} from './rnn.js';
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

/** lstm_step_forward, register-blocked (up to 32 rows an invocation, subgroup broadcasts); same results. */
export const lstmStepForwardBlocked = defineKernel({
  name: 'lstm_step_forward_blocked',
  wgsl: [wgsl.broadcast, wgsl.activations, wgsl.lstm_step_forward_blocked],
  bindings: lstmStepForward.bindings,
  ...blockedKernelBase(1),
});

/** lstm_step_backward, register-blocked (4 units × up to 32 rows an invocation); same results. */
export const lstmStepBackwardBlocked = defineKernel({
  name: 'lstm_step_backward_blocked',
  wgsl: [wgsl.broadcast, wgsl.activations, wgsl.lstm_step_backward_blocked],
  bindings: lstmStepBackward.bindings,
  ...blockedKernelBase(4),
});

export type LstmForwardTensors = Record<'xproj' | 'w_hh' | 'lengths' | 'h_state' | 'c_state' | 'gates' | 'y', Tensor>;
export type LstmBackwardTensors = Record<
  'w_hh' | 'lengths' | 'gates' | 'c_state' | 'dy' | 'dh_carry' | 'dc_carry' | 'dgates_hh' | 'dxproj',
  Tensor
>;

/** Records forward step `dims.step` of an LSTM layer (both directions, one dispatch). */
export function encodeLstmStepForward(t: LstmForwardTensors, dims: StepDims): void {
  if (stepVariant(t.w_hh.storage.g, dims) === 'blocked') {
    launchStep(lstmStepForwardBlocked, t, dims, 4, 4, blockedOverrides(t.w_hh.storage.g, dims.hidden, dims));
  } else {
    launchStep(lstmStepForward, t, dims, 4, 4);
  }
}

/** Records backward step `dims.step` (call for step = T−1 down to 0; dh_carry = dhN, dc_carry starts at dcN). */
export function encodeLstmStepBackward(t: LstmBackwardTensors, dims: StepDims): void {
  if (stepVariant(t.w_hh.storage.g, dims) === 'blocked') {
    launchStep(lstmStepBackwardBlocked, t, dims, 4, 4, blockedOverrides(t.w_hh.storage.g, dims.hidden / 4, dims));
  } else {
    launchStep(lstmStepBackward, t, dims, 4, 4);
  }
}

/** Records forward steps 0 … T−1: one launch where wholeSequenceLaunch allows (CPU adapters, small
 *  steps or enough rows, blocked kernel), else one a step. */
export function encodeLstmForward(t: LstmForwardTensors, dims: SequenceDims): void {
  const g = t.w_hh.storage.g;
  if (stepVariant(g, dims) === 'blocked' && wholeSequenceLaunch(g, dims.hidden, dims, 4)) {
    launchStep(lstmStepForwardBlocked, t, { ...dims, step: 0, count: dims.steps }, 4, 4, blockedOverrides(g, dims.hidden, dims, true));
    return;
  }
  for (let step = 0; step < dims.steps; step++) encodeLstmStepForward(t, { ...dims, step });
}

/** Records backward steps T−1 … 0, in one launch where the forward's rule allows. */
export function encodeLstmBackward(t: LstmBackwardTensors, dims: SequenceDims): void {
  const g = t.w_hh.storage.g;
  const T = dims.steps;
  if (stepVariant(g, dims) === 'blocked' && wholeSequenceLaunch(g, dims.hidden / 4, dims, 4)) {
    launchStep(lstmStepBackwardBlocked, t, { ...dims, step: T - 1, count: T }, 4, 4, blockedOverrides(g, dims.hidden / 4, dims, true));
    return;
  }
  for (let step = T - 1; step >= 0; step--) encodeLstmStepBackward(t, { ...dims, step });
}
