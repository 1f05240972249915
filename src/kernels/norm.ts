// Normalisation kernels shared by batch norm and layer norm: x viewed as [outer, C, inner] is
// normalised per group c over its outer·inner elements (batch norm: channels of [B, C, L]; layer
// norm: rows of [1, rows, N]). Descriptors of norm_stats.wgsl, norm_forward.wgsl,
// norm_backward_reduce.wgsl and norm_backward.wgsl, and their launchers.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d, type Overrides } from '../gpu/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

const WG = 128; // row_reduce.wgsl's workgroup
/** Groups up to this size get an invocation each: a 128-wide tree would mostly idle (as softmax). */
const SHORT_GROUP = 64;
/** From this many groups, an invocation per group fills the GPU by itself. */
const MANY_GROUPS = 4096;

/** x as [outer, C, inner], normalised per c. */
export interface NormView {
  outer: number;
  c: number;
  inner: number;
}

/** 0: no affine; 1: weight and bias per group (batch norm); 2: per inner position (layer norm). */
export type AffineMode = 0 | 1 | 2;

const preludes = [wgsl.nan, wgsl.row_reduce, wgsl.norm_layout];
const dims = { outer: 'u32', c: 'u32', inner: 'u32', eps: 'f32', momentum: 'f32' } as const;
const perGroup = (d: { readonly c: number }, o: Overrides): [number, number, number] => grid1d(d.c, o.PER_THREAD ? WG : 1);
const perElement = (d: { readonly outer: number; readonly c: number; readonly inner: number }): [number, number, number] =>
  grid1d(d.outer * d.c * d.inner, WG);

/** Mean and 1/√(var + eps) per group, optionally updating running statistics. */
export const normStats = /* @__PURE__ */ defineKernel({
  name: 'norm_stats',
  wgsl: [...preludes, wgsl.norm_stats],
  bindings: { x: 'read', mean: 'read_write', invstd: 'read_write', running_mean: 'read_write', running_var: 'read_write', batches: 'read' },
  dims,
  workgroupSize: [WG, 1, 1],
  overrides: { RUNNING: false, CUMULATIVE: false, PER_THREAD: false },
  dispatch: perGroup,
});

/** y = (x − mean)·invstd (· weight + bias). */
export const normForward = /* @__PURE__ */ defineKernel({
  name: 'norm_forward',
  wgsl: [...preludes, wgsl.norm_forward],
  bindings: { x: 'read', mean: 'read', invstd: 'read', weight: 'read', bias: 'read', y: 'read_write', batches: 'read_write' },
  dims,
  workgroupSize: [WG, 1, 1],
  overrides: { AFFINE: 0, COUNT: false },
  dispatch: perElement,
});

/** Σ g and Σ g·x̂ per group, the sums the input gradient needs. */
export const normBackwardReduce = /* @__PURE__ */ defineKernel({
  name: 'norm_backward_reduce',
  wgsl: [...preludes, wgsl.norm_backward_reduce],
  bindings: { x: 'read', dy: 'read', mean: 'read', invstd: 'read', weight: 'read', sum_g: 'read_write', sum_gx: 'read_write' },
  dims,
  workgroupSize: [WG, 1, 1],
  overrides: { AFFINE: 0, PER_THREAD: false },
  dispatch: perGroup,
});

/** dx (and dy·x̂ with PRODUCT). */
export const normBackward = /* @__PURE__ */ defineKernel({
  name: 'norm_backward',
  wgsl: [...preludes, wgsl.norm_backward],
  bindings: {
    x: 'read', dy: 'read', mean: 'read', invstd: 'read', weight: 'read', sum_g: 'read', sum_gx: 'read',
    dx: 'read_write', product: 'read_write',
  },
  dims,
  workgroupSize: [WG, 1, 1],
  overrides: { AFFINE: 0, BATCH_STATS: true, PRODUCT: false },
  dispatch: perElement,
});

function perThread(g: Gpu, v: NormView): boolean {
  const n = v.outer * v.inner;
  return n <= SHORT_GROUP || v.c >= MANY_GROUPS || (g.info.isSoftware && n <= 1024);
}

/** Running statistics updated in place by a training step. */
export interface RunningStats {
  mean: Tensor;
  var: Tensor;
  /** The factor f of running = (1 − f)·running + f·batch; null: 1/(num_batches_tracked + 1). */
  momentum: number | null;
  /** int32 [1] or []: num_batches_tracked, read when momentum is null. */
  batches: Tensor;
}

/** Per-group mean and 1/√(biased var + eps) of x [outer, C, inner]; updates `running` when given. */
export function launchNormStats(x: Tensor, v: NormView, eps: number, running?: RunningStats): { mean: Tensor; invstd: Tensor } {
  const g = x.storage.g;
  const mean = Tensor.empty([v.c], 'float32', g);
  const invstd = Tensor.empty([v.c], 'float32', g);
  if (v.c === 0) return { mean, invstd };
  const spare = [unused(g), unused(g)];
  recorder(g).dispatch(
    normStats,
    {
      x: x.buffer, mean: mean.buffer, invstd: invstd.buffer,
      running_mean: (running?.mean ?? spare[0]!).buffer,
      running_var: (running?.var ?? spare[1]!).buffer,
      batches: (running?.batches ?? x).buffer,
    },
    { ...v, eps, momentum: running?.momentum ?? 0 },
    { RUNNING: !!running, CUMULATIVE: running?.momentum === null, PER_THREAD: perThread(g, v) },
  );
  for (const t of spare) t.dispose();
  return { mean, invstd };
}

/** Weight and bias: per group (batch norm, mode 1) or per inner position (layer norm, mode 2). */
export interface Affine {
  mode: AffineMode;
  weight?: Tensor | null;
  bias?: Tensor | null;
}

/** y = (x − mean[c])·invstd[c] (· weight + bias); `count` (num_batches_tracked) gains 1. */
export function launchNormForward(x: Tensor, v: NormView, mean: Tensor, invstd: Tensor, affine: Affine, count?: Tensor): Tensor {
  const g = x.storage.g;
  const y = Tensor.empty(x.shape, 'float32', g);
  if (y.size === 0 && !count) return y;
  const spare = unused(g);
  const w = affine.mode ? affine.weight! : x;
  recorder(g).dispatch(
    normForward,
    {
      x: x.buffer, mean: mean.buffer, invstd: invstd.buffer, weight: w.buffer, bias: (affine.mode ? affine.bias! : x).buffer,
      y: y.buffer, batches: (count ?? spare).buffer,
    },
    { ...v, eps: 0, momentum: 0 },
    { AFFINE: affine.mode, COUNT: !!count },
  );
  spare.dispose();
  return y;
}

export interface NormGrads {
  dx: Tensor;
  /** Σ g and Σ g·x̂ per group (batch norm: dbias and dweight), g = dy (· layer norm's weight). */
  sumG: Tensor;
  sumGx: Tensor;
  /** dy·x̂ (layer norm's dweight before the sum over rows), when asked for. */
  product: Tensor | null;
}

/** The backward of launchNormForward: `batchStats` when mean and invstd came from x itself. */
export function launchNormBackward(
  x: Tensor, dy: Tensor, v: NormView, mean: Tensor, invstd: Tensor, affine: Affine,
  opts: { batchStats: boolean; product: boolean },
): NormGrads {
  const g = x.storage.g;
  const rec = recorder(g);
  const w = affine.mode ? affine.weight! : x;
  const sumG = Tensor.empty([v.c], 'float32', g);
  const sumGx = Tensor.empty([v.c], 'float32', g);
  const dx = Tensor.empty(x.shape, 'float32', g);
  const product = opts.product ? Tensor.empty(x.shape, 'float32', g) : null;
  if (dx.size === 0) return { dx, sumG, sumGx, product };
  const sizes = { ...v, eps: 0, momentum: 0 };
  rec.dispatch(
    normBackwardReduce,
    { x: x.buffer, dy: dy.buffer, mean: mean.buffer, invstd: invstd.buffer, weight: w.buffer, sum_g: sumG.buffer, sum_gx: sumGx.buffer },
    sizes,
    { AFFINE: affine.mode === 2 ? 2 : 0, PER_THREAD: perThread(g, v) },
  );
  const spare = unused(g);
  rec.dispatch(
    normBackward,
    {
      x: x.buffer, dy: dy.buffer, mean: mean.buffer, invstd: invstd.buffer, weight: w.buffer,
      sum_g: sumG.buffer, sum_gx: sumGx.buffer, dx: dx.buffer, product: (product ?? spare).buffer,
    },
    sizes,
    { AFFINE: affine.mode, BATCH_STATS: opts.batchStats, PRODUCT: opts.product },
  );
  spare.dispose();
  return { dx, sumG, sumGx, product };
}

/** A one-element buffer for a writable binding the variant leaves alone (WebGPU refuses one buffer
 *  bound writable twice in a dispatch); freed right after recording. */
const unused = (g: Gpu): Tensor => Tensor.empty([1], 'float32', g);
