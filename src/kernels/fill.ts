// Descriptor of fill.wgsl: writes one value into every element (float32 bit pattern; int32
// tensors are filled through the same kernel with the value's bits).
import { defineKernel, grid1d } from '../gpu/kernel.js';
import { wgsl } from './wgsl.gen.js';

export const fill = defineKernel({
  name: 'fill',
  wgsl: [wgsl.fill],
  bindings: { out: 'read_write' },
  dims: { n: 'u32', value: 'f32' },
  workgroupSize: [256, 1, 1],
  dispatch: ({ n }) => grid1d(n, 256),
});
