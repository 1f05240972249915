// f16 weights with f32 arithmetic: the storage (binary16, two halves a u32, padded to 8 halves so
// 16-byte views stay in bounds), the kernel that makes it from float32 (to_half.wgsl), and which
// of the two ways to read it a device takes: 'native' (the shader-f16 feature: f16 loads widened
// to f32) or 'packed' (u32 words unpacked with unpack2x16float). The bytes are the same either way.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { defineKernel, perElement } from '../gpu/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

/** How a kernel reads binary16 weights: with shader-f16, or as u32 pairs. */
export type HalfView = 'native' | 'packed';

// Tests force a view (unset: see halfView).
declare module '../gpu/device.js' { interface Tuning { halfView?: HalfView } }

/** The view kernels use on `g`: 'native' where the device has shader-f16, except on software
 *  adapters, where 'packed' measured as fast or faster (lavapipe widens f16 loads slowly;
 *  bench/RESULTS.md); 'packed' without shader-f16. */
export function halfView(g: Gpu): HalfView {
  const forced = g.tuning.halfView;
  if (forced === 'native' && !g.features.shaderF16) throw new Error(`webrnn: f16 weights: the view 'native' needs the shader-f16 feature, which ${g.label} lacks`);
  return forced ?? (g.features.shaderF16 && !g.info.isSoftware ? 'native' : 'packed');
}

/** Words (u32) of the binary16 storage of `n` values: two a word, padded to 8 values (at least 8,
 *  so an empty tensor's storage is a bindable buffer too). */
export const halfWords = (n: number): number => 4 * Math.max(1, Math.ceil(n / 8));

/** float32 → binary16 words (round to nearest even; ±Inf past 65504, NaN kept). */
export const toHalf = /* @__PURE__ */ defineKernel({
  name: 'to_half',
  wgsl: [wgsl.to_half, wgsl.per_element],
  bindings: { x: 'read', out: 'read_write' },
  dims: { n: 'u32', count: 'u32' },
  ...perElement,
});

/** The binary16 storage of a float32 tensor: an int32 tensor of halfWords(x.size) words. */
export function launchToHalf(x: Tensor): Tensor {
  x.assertAlive();
  if (x.dtype !== 'float32') throw new Error(`webrnn: to_half: input ${x.toString()} must be float32`);
  const words = halfWords(x.size);
  const out = Tensor.empty([words], 'int32', x.storage.g);
  if (x.size === 0) return out;
  recorder(x.storage.g).dispatch(toHalf, { x: x.buffer, out: out.buffer }, { n: words, count: x.size });
  return out;
}

/** Throws unless `bits` is the binary16 storage (launchToHalf) of a tensor of `size` values. */
export function checkHalfStorage(where: string, what: string, bits: Tensor, size: number): void {
  bits.assertAlive();
  if (bits.dtype !== 'int32' || bits.size !== halfWords(size)) {
    throw new Error(`webrnn: ${where}: ${what} ${bits.toString()} must be the binary16 storage of ${size} values (int32 [${halfWords(size)}], from launchToHalf)`);
  }
}
