// The Elman RNN cell: h = act(W_ih·x + b_ih + W_hh·h_prev + b_hh), act = tanh, or relu where the
// override RELU is set. Both biases fold into xproj; nothing is saved but the states.
import { defineKernel } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import { splitKernel } from './split.js';
import { stepKernelBase, type CellSpec } from './spec.js';

/** One fused RNN step: h = act(xproj[tpos] + W_hh·h_prev) into state slot step+1 and y. */
export const rnnStepForward = /* @__PURE__ */ defineKernel({
  name: 'rnn_step_forward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_input, wgsl.rnn_step_forward],
  bindings: { xproj: 'read', w_hh: 'read', lengths: 'read', h_state: 'read_write', y: 'read_write' },
  overrides: { RELU: false },
  ...stepKernelBase,
});

/** One fused RNN BPTT step: dgates_hh[step] and dxproj[tpos] from dy, dh_carry and dgates_hh[step+1]. */
export const rnnStepBackward = /* @__PURE__ */ defineKernel({
  name: 'rnn_step_backward',
  wgsl: [wgsl.nan, wgsl.activations, wgsl.step, wgsl.step_layout, wgsl.step_backward, wgsl.rnn_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', h_state: 'read', dy: 'read', dh_carry: 'read',
    dgates_hh: 'read_write', dxproj: 'read_write',
  },
  overrides: { RELU: false },
  ...stepKernelBase,
});

/** The split variants (split.ts), for GPUs: KS invocations share each unit's recurrent sum. */
const rnnStepForwardSplit = /* @__PURE__ */ splitKernel(rnnStepForward);
const rnnStepBackwardSplit = /* @__PURE__ */ splitKernel(rnnStepBackward);

function rnnCell(relu: boolean): CellSpec {
  return {
    kind: relu ? 'rnn_relu' : 'rnn_tanh',
    gates: 1,
    saved: 0,
    cellState: false,
    hhBias: 'fold',
    carryAddsToDh0: false,
    overrides: { RELU: relu },
    forward: { phases: [rnnStepForward], split: rnnStepForwardSplit },
    backward: { phases: [rnnStepBackward], split: rnnStepBackwardSplit },
  };
}

export const rnnTanh = rnnCell(false);
export const rnnRelu = rnnCell(true);
