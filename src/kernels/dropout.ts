// Dropout with a counter-based generator (Philox4x32-10): the mask of element i depends only on
// (seed, offset + i), so it is reproducible, needs no state on the GPU, and the CPU twin makes the
// same bits. The forward returns the 0/1 mask (float32) that the backward multiplies by.
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, grid1d, perElement } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

const TWO32 = 2 ** 32;

/** y = x·mask/(1 − p) with mask bits from Philox; one invocation per 4 elements (one Philox block). */
export const dropout = /* @__PURE__ */ defineKernel({
  name: 'dropout',
  wgsl: [wgsl.philox, wgsl.dropout],
  bindings: { x: 'read', y: 'read_write', mask: 'read_write' },
  dims: {
    n: 'u32', phase: 'u32', block_lo: 'u32', block_hi: 'u32', seed_lo: 'u32', seed_hi: 'u32', threshold: 'u32', scale: 'f32',
  },
  workgroupSize: [256, 1, 1],
  dispatch: ({ n, phase }) => grid1d(ceilDiv(n + phase, 4), 256),
});

/** dx = dy·mask/(1 − p). */
export const dropoutBackward = /* @__PURE__ */ defineKernel({
  name: 'dropout_backward',
  wgsl: [wgsl.per_element, wgsl.dropout_backward],
  bindings: { dy: 'read', mask: 'read', dx: 'read_write' },
  dims: { n: 'u32', scale: 'f32' },
  ...perElement,
});

/** y = x·mask/(1−p), mask_i = (philoxUniform(seed, offset + i) >= p); returns y and the mask (float 0/1) for the backward. p in [0, 1). */
export function launchDropout(x: Tensor, p: number, seed: number, offset: number): { y: Tensor; mask: Tensor } {
  checkFloat('dropout', x, 'x');
  checkP('dropout', p);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`webrnn: dropout: seed must be an integer in [0, 2^53), got ${seed}`);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + x.size)) {
    throw new Error(`webrnn: dropout: offset must be an integer >= 0 with offset + size < 2^53, got ${offset} for ${x.size} elements`);
  }
  const y = Tensor.empty(x.shape, 'float32', x.storage.g);
  const mask = Tensor.empty(x.shape, 'float32', x.storage.g);
  const block = Math.floor(offset / 4);
  recorder(x.storage.g).dispatch(
    dropout,
    { x: x.buffer, y: y.buffer, mask: mask.buffer },
    {
      n: x.size, phase: offset % 4, block_lo: block % TWO32, block_hi: Math.floor(block / TWO32),
      seed_lo: seed % TWO32, seed_hi: Math.floor(seed / TWO32),
      // u = bits/2^24 >= p ⇔ bits >= p·2^24 ⇔ bits >= ceil(p·2^24): exact, p·2^24 is exact in float64.
      threshold: Math.ceil(p * 2 ** 24), scale: 1 / (1 - p),
    },
  );
  return { y, mask };
}

/** dx = dy·mask/(1 − p), with the mask the forward returned. */
export function launchDropoutBackward(dy: Tensor, mask: Tensor, p: number): Tensor {
  checkFloat('dropoutBackward', dy, 'dy');
  checkFloat('dropoutBackward', mask, 'mask');
  checkP('dropoutBackward', p);
  if (dy.shape.length !== mask.shape.length || dy.shape.some((d, i) => d !== mask.shape[i])) {
    throw new Error(`webrnn: dropoutBackward: dy ${shapeStr(dy.shape)} and mask ${shapeStr(mask.shape)} must have the same shape`);
  }
  const dx = Tensor.empty(dy.shape, 'float32', dy.storage.g);
  recorder(dy.storage.g).dispatch(dropoutBackward, { dy: dy.buffer, mask: mask.buffer, dx: dx.buffer }, { n: dy.size, scale: 1 / (1 - p) });
  return dx;
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p < 1)) throw new Error(`webrnn: ${op}: p must be in [0, 1), got ${p}`);
}

function checkFloat(op: string, t: Tensor, what: string): void {
  t.assertAlive();
  if (t.dtype !== 'float32') throw new Error(`webrnn: ${op}: ${what} must be float32, got ${t.dtype} ${shapeStr(t.shape)}`);
}
