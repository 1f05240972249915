// Descriptors and launchers of gru_step_forward.wgsl / gru_step_backward.wgsl: one fused GRU step
// (gate order r, z, n; b_hh applied inside, xproj holds W_ih·x + b_ih) for all sequences and both
// directions per dispatch. Saved gates [D, T, B, 4H] = (r, z, n, hh_n); layout: see rnn.ts.
import { defineKernel } from '../gpu/kernel.js';
import type { Tensor } from '../graph/tensor.js';
import { launchStep, stepKernelBase, type StepDims } from './rnn.js';
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

export type GruForwardTensors = Record<'xproj' | 'w_hh' | 'b_hh' | 'lengths' | 'h_state' | 'gates' | 'y', Tensor>;
export type GruBackwardTensors = Record<'w_hh' | 'lengths' | 'gates' | 'h_state' | 'dy' | 'dh_carry' | 'dgates_hh' | 'dxproj', Tensor>;

/** Records forward step `dims.step` of a GRU layer (both directions, one dispatch). */
export function encodeGruStepForward(t: GruForwardTensors, dims: StepDims): void {
  launchStep(gruStepForward, t, dims, 3, 4);
}

/** Records backward step `dims.step` (call for step = T−1 down to 0; dh_carry starts at dhN). */
export function encodeGruStepBackward(t: GruBackwardTensors, dims: StepDims): void {
  launchStep(gruStepBackward, t, dims, 3, 4);
}
