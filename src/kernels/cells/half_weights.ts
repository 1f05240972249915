// f16 weights (W_hh stored as binary16, f32 arithmetic): the step kernels that read it, derived
// from the float32 ones by swapping their W_hh prelude (step_w_f32 / step_w8_f32.wgsl) for a
// binary16 reader: shader-f16 loads ('native', after half_enable.wgsl) or u32 pairs ('packed').
// Same bindings with w_hh bound as w_hh_half; the simple kernels read two weights a load (PAIRS).
import { defineKernel, type Access, type Kernel } from '../../gpu/kernel.js';
import type { HalfView } from '../half.js';
import * as wgsl from '../wgsl.gen.js';
import type { StepKernel, StepTensorName } from './spec.js';

const READERS: readonly [string, Record<HalfView, string>, boolean][] = [
  [wgsl.step_w_f32, { native: wgsl.step_w_f16, packed: wgsl.step_w_packed }, true],
  [wgsl.step_w8_f32, { native: wgsl.step_w8_f16, packed: wgsl.step_w8_packed }, false],
];

/** `kernel` reading W_hh as binary16, one kernel per view; named `<name>_half` / `<name>_packed`. */
export function halfWeightKernels(kernel: StepKernel): Readonly<Record<HalfView, StepKernel>> {
  const k = kernel as unknown as Kernel;
  const reader = READERS.find(([f32]) => k.wgsl.includes(f32));
  if (!reader) throw new Error(`webrnn: internal error: ${k.name} does not read W_hh through a step_w prelude`);
  const [f32, half, pairs] = reader;
  const make = (view: HalfView): StepKernel => {
    const files = k.wgsl.map((src) => (src === f32 ? half[view] : src));
    return defineKernel({
      ...k,
      name: `${k.name}_${view === 'native' ? 'half' : 'packed'}`,
      wgsl: view === 'native' ? [wgsl.half_enable, ...files] : files,
      bindings: withHalfWeights(k.bindings as Record<StepTensorName, Access>),
      overrides: pairs ? { ...k.overrides, PAIRS: true } : k.overrides,
    }) as unknown as StepKernel;
  };
  return { native: make('native'), packed: make('packed') };
}

/** Bindings with w_hh bound as w_hh_half, in the same place (binding numbers follow the order). */
function withHalfWeights(bindings: Readonly<Record<StepTensorName, Access>>): Record<StepTensorName, Access> {
  return Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k === 'w_hh' ? 'w_hh_half' : k, v])) as Record<StepTensorName, Access>;
}
