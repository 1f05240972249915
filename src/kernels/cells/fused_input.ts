// Stepping a layer one time step at a time (T = 1, one direction: generation, streaming). The
// simple forward kernels then compute the input projection of their own unit where they read it
// (step_input_fused.wgsl) instead of reading xproj from a matmul launched before them: one launch a
// layer and token instead of two, and on a CPU adapter a token's cost is mostly launches.
import { defineKernel, type Kernel, type Overrides } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import type { CellSpec, StepKernel } from './spec.js';

/** Binding numbers of the projection's inputs: past every step kernel's own. */
const INPUT_SLOTS = { in_x: 16, in_w: 17, in_b_ih: 18, in_b_hh: 19 } as const;

const derived = new Map<StepKernel, StepKernel>();

/** `kernel` (a simple forward step kernel) with step_input_fused.wgsl in place of step_input.wgsl:
 *  its own bindings keep their numbers, xproj's is left empty, and x, W_ih and the biases bind at
 *  INPUT_SLOTS. Made once per kernel. */
export function fusedInputKernel(kernel: StepKernel): StepKernel {
  const known = derived.get(kernel);
  if (known) return known;
  const k = kernel as unknown as Kernel;
  if (!k.wgsl.includes(wgsl.step_input)) throw new Error(`webrnn: internal error: ${k.name} does not read its input through step_input.wgsl`);
  const own = k.bindingNames.filter((n) => n !== 'xproj');
  const f = defineKernel({
    name: `${k.name}_fused_input`,
    wgsl: k.wgsl.map((src) => (src === wgsl.step_input ? wgsl.step_input_fused : src)),
    bindings: { ...Object.fromEntries(own.map((n) => [n, k.bindings[n]!])), in_x: 'read', in_w: 'read', in_b_ih: 'read', in_b_hh: 'read' },
    slots: { ...Object.fromEntries(own.map((n) => [n, k.bindingSlots[k.bindingNames.indexOf(n)]!])), ...INPUT_SLOTS, dims: k.dimsSlot },
    dims: k.dims,
    workgroupSize: k.workgroupSize,
    dispatch: k.dispatch,
    overrides: k.overrides,
  }) as unknown as StepKernel;
  derived.set(kernel, f);
  return f;
}

/** Storage buffers the fused kernels bind beyond the simple ones (xproj out, four in). */
export const FUSED_EXTRA_BINDINGS = 3;

/** The overrides step_input_fused.wgsl reads, for W_ih of `inputSize` columns. */
export function fusedInputOverrides(cell: CellSpec, inputSize: number): Overrides {
  return { IN_SIZE: inputSize, GATES: cell.gates, IN_FOLD_HH: cell.hhBias === 'fold' };
}
