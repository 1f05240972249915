// Descriptors and launchers of gru_step_forward.wgsl / gru_step_backward.wgsl: one fused GRU step
// (gate order r, z, n; b_hh applied inside, xproj holds W_ih·x + b_ih) for all sequences and both
// directions per dispatch, and of their register-blocked variants (same bindings and results).
// Saved gates [D, T, B, 4H] = (r, z, n, hh_n); layout: see rnn.ts.
import { defineKernel } from '../gpu/kernel.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  blockedKernelBase, blockedOverrides, launchStep, stepKernelBase, stepVariant, wholeSequenceLaunch, type SequenceDims, type StepDims,
} from './rnn.js';
import { wgsl } from './wgsl.gen.js';

/** One fused GRU step: hh = W_hh·h_prev + b_hh, gates r, z, n, then h into state slot step+1, y and gates. */
export const gruStepForward = defineKernel({
  name: 'gru_step_forward',
  wgsl: [wgsl.activations, wgsl.gru_step_forward],
  bindings: {
    xproj: 'read', w_hh: 'read', b_hh: 'read', lengths: 'read',
    h_state: 'read_write', gates: 'read_write', y: 'read_write',
  },
  ...stepKernelBase,
});

/** One fused GRU BPTT step: dgates_hh[step] (dr, dz, dn⊙r), dxproj[tpos] (dr, dz, dn) and dh_carry = dH⊙z. */
export const gruStepBackward = defineKernel({
  name: 'gru_step_backward',
  wgsl: [wgsl.activations, wgsl.gru_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', gates: 'read', h_state: 'read', dy: 'read',
    dh_carry: 'read_write', dgates_hh: 'read_write', dxproj: 'read_write',
  },
  ...stepKernelBase,
});

/** gru_step_forward, register-blocked (up to 32 rows an invocation, subgroup broadcasts); same results. */
export const gruStepForwardBlocked = defineKernel({
  name: 'gru_step_forward_blocked',
  wgsl: [wgsl.broadcast, wgsl.activations, wgsl.gru_step_forward_blocked],
  bindings: gruStepForward.bindings,
  ...blockedKernelBase(1),
});

/** gru_step_backward, register-blocked (4 units × up to 32 rows an invocation); same results. */
export const gruStepBackwardBlocked = defineKernel({
  name: 'gru_step_backward_blocked',
  wgsl: [wgsl.broadcast, wgsl.gru_step_backward_blocked],
  bindings: gruStepBackward.bindings,
  ...blockedKernelBase(4),
});

export type GruForwardTensors = Record<'xproj' | 'w_hh' | 'b_hh' | 'lengths' | 'h_state' | 'gates' | 'y', Tensor>;
export type GruBackwardTensors = Record<'w_hh' | 'lengths' | 'gates' | 'h_state' | 'dy' | 'dh_carry' | 'dgates_hh' | 'dxproj', Tensor>;

/** Records forward step `dims.step` of a GRU layer (both directions, one dispatch). */
export function encodeGruStepForward(t: GruForwardTensors, dims: StepDims): void {
  if (stepVariant(t.w_hh.storage.g, dims) === 'blocked') {
    launchStep(gruStepForwardBlocked, t, dims, 3, 4, blockedOverrides(t.w_hh.storage.g, dims.hidden, dims));
  } else {
    launchStep(gruStepForward, t, dims, 3, 4);
  }
}

/** Records backward step `dims.step` (call for step = T−1 down to 0; dh_carry starts at dhN). */
export function encodeGruStepBackward(t: GruBackwardTensors, dims: StepDims): void {
  if (stepVariant(t.w_hh.storage.g, dims) === 'blocked') {
    launchStep(gruStepBackwardBlocked, t, dims, 3, 4, blockedOverrides(t.w_hh.storage.g, dims.hidden / 4, dims));
  } else {
    launchStep(gruStepBackward, t, dims, 3, 4);
  }
}

/** Records forward steps 0 … T−1: one launch where wholeSequenceLaunch allows (CPU adapters, small
 *  steps or enough rows, blocked kernel), else one a step. */
export function encodeGruForward(t: GruForwardTensors, dims: SequenceDims): void {
  const g = t.w_hh.storage.g;
  if (stepVariant(g, dims) === 'blocked' && wholeSequenceLaunch(g, dims.hidden, dims, 3)) {
    launchStep(gruStepForwardBlocked, t, { ...dims, step: 0, count: dims.steps }, 3, 4, blockedOverrides(g, dims.hidden, dims, true));
    return;
  }
  for (let step = 0; step < dims.steps; step++) encodeGruStepForward(t, { ...dims, step });
}

/** Records backward steps T−1 … 0, in one launch where the forward's rule allows. */
export function encodeGruBackward(t: GruBackwardTensors, dims: SequenceDims): void {
  const g = t.w_hh.storage.g;
  const T = dims.steps;
  if (stepVariant(g, dims) === 'blocked' && wholeSequenceLaunch(g, dims.hidden / 4, dims, 3)) {
    launchStep(gruStepBackwardBlocked, t, { ...dims, step: T - 1, count: T }, 3, 4, blockedOverrides(g, dims.hidden / 4, dims, true));
    return;
  }
  for (let step = T - 1; step >= 0; step--) encodeGruStepBackward(t, { ...dims, step });
}
