// Gradient clipping on the GPU, with no readback: the global p-norm of many tensors (per-chunk
// scaled sums, then one reduction of the partials: clip_norm.wgsl), scaling to a maximum norm read
// from the GPU, and clamping by value. All tensors are float32; scaling and clamping work in place.
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, grid1d, perElement } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

/** Elements summed by one workgroup of clip_norm's first pass (WG · PER_THREAD in the shader). */
export const NORM_CHUNK = 4096;

/** Scaled p-th power sums (max |x|, Σ (|x|/max)^p) per 4096-element chunk (FINAL = false), or the
 *  norm from the partials (FINAL); INF_NORM keeps the max alone. */
export const clipNorm = /* @__PURE__ */ defineKernel({
  name: 'clip_norm',
  wgsl: [wgsl.nan, wgsl.clip_norm],
  bindings: { src: 'read', dst: 'read_write' },
  dims: { n: 'u32', offset: 'u32', p: 'f32' },
  workgroupSize: [256, 1, 1],
  dispatch: ({ n }, o) => (o.FINAL ? [1, 1, 1] : grid1d(n, NORM_CHUNK)),
  overrides: { FINAL: false, INF_NORM: false },
});

/** t *= min(1, maxNorm / (norm + 1e-6)), norm read from a [1] GPU tensor. */
export const clipScale = /* @__PURE__ */ defineKernel({
  name: 'clip_scale',
  wgsl: [wgsl.nan, wgsl.per_element, wgsl.clip_scale],
  bindings: { t: 'read_write', norm: 'read' },
  dims: { n: 'u32', max_norm: 'f32' },
  ...perElement,
});

/** t = clamp(t, lo, hi), NaN kept. */
export const clipValue = /* @__PURE__ */ defineKernel({
  name: 'clip_value',
  wgsl: [wgsl.per_element, wgsl.clip_value],
  bindings: { t: 'read_write' },
  dims: { n: 'u32', lo: 'f32', hi: 'f32' },
  ...perElement,
});

/** Global p-norm (default 2; Infinity: max |x|) of all tensors, as one vector, computed on the GPU:
 *  returns a [1] tensor (no readback). Finite data never overflows on the way (scaled sums). */
export function globalNorm(ts: Tensor[], p = 2): Tensor {
  if (!(p > 0)) throw new Error(`webrnn: globalNorm: p = ${p} must be > 0 (or Infinity)`);
  ts.forEach((t, i) => checkFloat('globalNorm', t, `tensor ${i}`));
  const live = ts.filter((t) => t.size > 0);
  const slots = live.map((t) => ceilDiv(t.size, NORM_CHUNK));
  const total = slots.reduce((a, b) => a + b, 0);
  const g = ts[0]?.storage.g;
  const partials = Tensor.empty([2 * Math.max(total, 1)], 'float32', g);
  const out = Tensor.empty([1], 'float32', g);
  const rec = recorder(out.storage.g);
  const inf = p === Infinity;
  const P = inf ? 1 : p; // unused by INF_NORM; the uniform must stay finite
  let offset = 0;
  live.forEach((t, k) => {
    rec.dispatch(clipNorm, { src: t.buffer, dst: partials.buffer }, { n: t.size, offset, p: P }, { INF_NORM: inf });
    offset += slots[k]!;
  });
  // No tensors (or only empty ones) give a norm of 0, as PyTorch does.
  rec.dispatch(clipNorm, { src: partials.buffer, dst: out.buffer }, { n: total, offset: 0, p: P }, { FINAL: true, INF_NORM: inf });
  partials.dispose(); // safe: the pool only hands it out to work recorded after this
  return out;
}

/** Scales every tensor in place by min(1, maxNorm / (norm + 1e-6)), reading norm from the GPU tensor. */
export function scaleToMaxNorm(ts: Tensor[], norm: Tensor, maxNorm: number): void {
  if (!Number.isFinite(maxNorm) || maxNorm < 0) throw new Error(`webrnn: scaleToMaxNorm: maxNorm must be a finite number >= 0, got ${maxNorm}`);
  checkFloat('scaleToMaxNorm', norm, 'norm');
  if (norm.size !== 1) throw new Error(`webrnn: scaleToMaxNorm: norm must have one element, got shape ${shapeStr(norm.shape)}`);
  ts.forEach((t, i) => {
    checkFloat('scaleToMaxNorm', t, `tensor ${i}`);
    if (t.storage === norm.storage) throw new Error(`webrnn: scaleToMaxNorm: tensor ${i} shares its buffer with norm`);
    const j = ts.findIndex((u) => u.storage === t.storage);
    if (j !== i) throw new Error(`webrnn: scaleToMaxNorm: tensors ${j} and ${i} share one buffer; it would be scaled twice`);
  });
  for (const t of ts) {
    if (t.size > 0) recorder(t.storage.g).dispatch(clipScale, { t: t.buffer, norm: norm.buffer }, { n: t.size, max_norm: maxNorm });
  }
}

/** Clamps every element of `t` into [min, max] in place (NaN stays NaN). */
export function clampInPlace(t: Tensor, min: number, max: number): void {
  checkFloat('clampInPlace', t, 't');
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) {
    throw new Error(`webrnn: clampInPlace: needs min <= max, got min ${min}, max ${max}`);
  }
  if (t.size > 0) recorder(t.storage.g).dispatch(clipValue, { t: t.buffer }, { n: t.size, lo: min, hi: max });
}

function checkFloat(op: string, t: Tensor, what: string): void {
  t.assertAlive();
  if (t.dtype !== 'float32') throw new Error(`webrnn: ${op}: ${what} must be float32, got ${t.dtype} ${shapeStr(t.shape)}`);
}
