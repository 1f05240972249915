// The split step kernels (step_split.wgsl: KS invocations share each unit's recurrent sum), derived
// from the simple ones by swapping their step prelude (step.wgsl) for step_split.wgsl: the cell
// code is the same, through recurrent_sums and cell_finish. Named `<name>_split`.
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import * as wgsl from '../wgsl.gen.js';
import { splitKernelBase, type StepKernel } from './spec.js';

/** `kernel` (a simple step kernel, prelude step.wgsl) split across KS invocations a unit; same
 *  results up to the order of the sums. */
export function splitKernel(kernel: StepKernel): StepKernel {
  const k = kernel as unknown as Kernel;
  if (!k.wgsl.includes(wgsl.step)) throw new Error(`webrnn: internal error: ${k.name} is not a simple step kernel (step.wgsl)`);
  return defineKernel({
    ...k,
    ...splitKernelBase,
    name: `${k.name}_split`,
    wgsl: k.wgsl.map((src) => (src === wgsl.step ? wgsl.step_split : src)),
    overrides: { ...splitKernelBase.overrides, ...k.overrides },
  }) as unknown as StepKernel;
}
