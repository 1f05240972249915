// Descriptor of fill.wgsl: writes one float32 value (NaN and ±Inf included) into every element.
// int32 tensors are not filled here: an f32 dim cannot carry every int32's bits (those that read
// as NaN lose their payload), so full() uploads them.
import { defineKernel, grid1d } from '../gpu/kernel.js';
import * as wgsl from './wgsl.gen.js';

export const fill = /* @__PURE__ */ defineKernel({
  name: 'fill',
  wgsl: [wgsl.fill],
  bindings: { out: 'read_write' },
  dims: { n: 'u32', value: 'f32' },
  workgroupSize: [256, 1, 1],
  dispatch: ({ n }) => grid1d(n, 256),
});
