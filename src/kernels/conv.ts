// conv2d (PyTorch's cross-correlation, NCHW, stride/padding/dilation/groups) forward and backward:
// the descriptors of conv2d_forward.wgsl, conv2d_backward_input.wgsl, conv2d_backward_weight.wgsl,
// im2col.wgsl and col2im.wgsl, and their launchers. The sizes and option checks live in conv_plan.ts.
//
// Two ways to run each pass, picked per shape from measurements on the software adapter over the
// captcha CNN's layers (bench/RESULTS.md, "conv2d: implicit GEMM vs im2col"):
// - implicit GEMM (conv2d_forward.wgsl, conv2d_backward_weight.wgsl): each invocation gathers its
//   patch inputs into a 4×4 register tile; nothing is materialised, groups and bias cost nothing
//   extra. It wins while the filter is small (C_in·KH·KW taps, e.g. a first layer's 27), where an
//   im2col matrix KH·KW times the input would cost more to write and read back than the product.
// - im2col + the blocked matmul (+ col2im for dx): wins once the filter has a few hundred taps, as
//   the matmul's tiling reuses each load far more. The input gradient always goes this way with
//   groups = 1: the implicit dx kernel (kept for groups > 1) measured slower on every layer.
// The weight gradient's implicit kernel sums chunks of dy's rows in parallel and the reduce kernel
// adds the chunks, so a first layer's few weights with a long reduction still fill the GPU.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, grid1d, type Overrides } from '../gpu/kernel.js';
import type { ConvDims } from './conv_plan.js';
import { Tensor } from '../tensor/tensor.js';
import { launchBinary } from './elementwise.js';
import { launchMatmul } from './matmul.js';
import { launchReduce } from './reduce.js';
import * as wgsl from './wgsl.gen.js';

const WG = 64;
const layout = {
  dims: {
    batch: 'u32', c_in: 'u32', h: 'u32', w: 'u32', c_out: 'u32', oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
    stride_h: 'u32', stride_w: 'u32', pad_h: 'u32', pad_w: 'u32', dil_h: 'u32', dil_w: 'u32', groups: 'u32',
    tiles: 'u32', chunk: 'u32', chunks: 'u32',
  },
  workgroupSize: [WG, 1, 1],
  overrides: { WG },
  dispatch: ({ tiles }: { readonly tiles: number }, o: Overrides) => grid1d(tiles, Number(o.WG ?? WG)),
} as const;

/** y = conv2d(x, w) (+ bias): 4 output channels × 4 output columns an invocation. */
export const conv2dForward = /* @__PURE__ */ defineKernel({
  name: 'conv2d_forward',
  wgsl: [wgsl.conv2d_layout, wgsl.conv2d_forward],
  bindings: { x: 'read', w: 'read', bias: 'read', y: 'read_write' },
  ...layout,
  overrides: { WG, HAS_BIAS: false },
});

/** dx of conv2d: 4 input channels at one input pixel an invocation. */
export const conv2dBackwardInput = /* @__PURE__ */ defineKernel({
  name: 'conv2d_backward_input',
  wgsl: [wgsl.conv2d_layout, wgsl.conv2d_backward_input],
  bindings: { dy: 'read', w: 'read', dx: 'read_write' },
  ...layout,
});

/** Partial dw of conv2d over chunks of dy's rows: 4 channels × 4 taps an invocation. */
export const conv2dBackwardWeight = /* @__PURE__ */ defineKernel({
  name: 'conv2d_backward_weight',
  wgsl: [wgsl.conv2d_layout, wgsl.conv2d_backward_weight],
  bindings: { dy: 'read', x: 'read', dw: 'read_write' },
  ...layout,
});

/** The patches of x as matrix columns [B, C_in·KH·KW, OH·OW] (groups = 1), for the matmul path. */
export const im2col = /* @__PURE__ */ defineKernel({
  name: 'im2col',
  wgsl: [wgsl.conv2d_layout, wgsl.im2col],
  bindings: { x: 'read', cols: 'read_write' },
  ...layout,
});

/** dx from dcols = wᵀ·dy (groups = 1): the gather that undoes im2col, an invocation per element of dx. */
export const col2im = /* @__PURE__ */ defineKernel({
  name: 'col2im',
  wgsl: [wgsl.conv2d_layout, wgsl.col2im],
  bindings: { dcols: 'read', dx: 'read_write' },
  ...layout,
});

export type ConvVariant = 'implicit' | 'im2col';

// Tests force a variant: every conv2d pass with groups = 1 takes it (unset: the filter size decides).
declare module '../gpu/device.js' { interface Tuning { convVariant?: ConvVariant } }

/** Filters of at least this many taps (C_in·KH·KW) run the forward / the weight gradient through
 *  im2col and the matmul: the measured crossovers lie between 27 and 576 taps, and at 144 the two
 *  ways were within the runs' spread of each other. */
const IM2COL_TAPS = { forward: 128, weight: 256 };

/** Whether a pass of `d` runs as im2col/col2im + matmul rather than the implicit kernels: the
 *  forward and the weight gradient for large filters, the input gradient always (groups = 1). */
function viaMatmul(g: Gpu, d: ConvDims, pass: 'forward' | 'input' | 'weight'): boolean {
  if (d.groups !== 1) return false;
  const forced = g.tuning.convVariant;
  if (forced) return forced === 'im2col';
  return pass === 'input' || d.cIn * d.kh * d.kw >= IM2COL_TAPS[pass];
}

/** The uniform fields for `d` with `tiles` invocations (and the dw chunking). */
function fields(d: ConvDims, tiles: number, chunk = 0, chunks = 0) {
  return {
    batch: d.batch, c_in: d.cIn, h: d.h, w: d.w, c_out: d.cOut, oh: d.oh, ow: d.ow, kh: d.kh, kw: d.kw,
    stride_h: d.strideH, stride_w: d.strideW, pad_h: d.padH, pad_w: d.padW, dil_h: d.dilH, dil_w: d.dilW,
    groups: d.groups, tiles, chunk, chunks,
  };
}

/** y [B, C_out, OH, OW] = conv2d(x, w) + bias, for sizes already checked by planConv2d. */
export function launchConv2d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, d: ConvDims): Tensor {
  if (viaMatmul(x.storage.g, d, 'forward') && d.batch > 0) return im2colForward(x, w, bias, d);
  const y = Tensor.empty([d.batch, d.cOut, d.oh, d.ow], 'float32', x.storage.g);
  if (y.size === 0) return y;
  const tiles = d.batch * d.oh * ceilDiv(d.ow, 4) * d.groups * ceilDiv(d.cOut / d.groups, 4);
  recorder(x.storage.g).dispatch(
    conv2dForward, { x: x.buffer, w: w.buffer, bias: (bias ?? w).buffer, y: y.buffer }, fields(d, tiles), { HAS_BIAS: !!bias },
  );
  return y;
}

/** dx [B, C_in, H, W] of conv2d from dy [B, C_out, OH, OW] and w. */
export function launchConv2dBackwardInput(dy: Tensor, w: Tensor, d: ConvDims): Tensor {
  if (viaMatmul(dy.storage.g, d, 'input') && d.batch > 0) return col2imBackward(dy, w, d);
  const dx = Tensor.empty([d.batch, d.cIn, d.h, d.w], 'float32', dy.storage.g);
  if (dx.size === 0) return dx;
  const tiles = d.batch * d.h * d.w * d.groups * ceilDiv(d.cIn / d.groups, 4);
  recorder(dy.storage.g).dispatch(conv2dBackwardInput, { dy: dy.buffer, w: w.buffer, dx: dx.buffer }, fields(d, tiles));
  return dx;
}

/** Invocations the dw kernel aims for: enough to fill a GPU, so short filters with long
 *  reductions (a first layer: few weights, every pixel of the batch) split the rows. */
const DW_TARGET = 8192;

/** dw [C_out, C_in/G, KH, KW] of conv2d from dy and x: partial sums over chunks of dy's rows
 *  (b, oy), then one reduce over the chunks when there is more than one. */
export function launchConv2dBackwardWeight(dy: Tensor, x: Tensor, d: ConvDims): Tensor {
  const g = dy.storage.g;
  const taps = (d.cIn / d.groups) * d.kh * d.kw;
  const wShape = [d.cOut, d.cIn / d.groups, d.kh, d.kw];
  if (viaMatmul(g, d, 'weight') && d.batch > 0) return im2colWeightGrad(dy, x, d);
  const rows = d.batch * d.oh;
  const perChunk = d.groups * ceilDiv(d.cOut / d.groups, 4) * ceilDiv(taps, 4);
  const wanted = Math.min(rows, Math.max(1, Math.floor(DW_TARGET / perChunk)));
  const chunk = Math.max(1, ceilDiv(rows, wanted));
  const chunks = rows === 0 ? 1 : ceilDiv(rows, chunk);
  const part = Tensor.empty(chunks === 1 ? wShape : [chunks, d.cOut * taps], 'float32', g);
  recorder(g).dispatch(
    conv2dBackwardWeight, { dy: dy.buffer, x: x.buffer, dw: part.buffer }, fields(d, perChunk * chunks, chunk, chunks),
  );
  if (chunks === 1) return part;
  const sum = launchReduce('sum', part, 0);
  part.dispose();
  return reshaped(sum, wShape);
}

/** db [C_out] of conv2d: dy summed over the batch and every position. */
export function launchConv2dBackwardBias(dy: Tensor, d: ConvDims): Tensor {
  const rows = dy.view([d.batch, d.cOut, d.oh * d.ow]);
  const perImage = launchReduce('sum', rows, 2);
  rows.dispose();
  const db = launchReduce('sum', perImage, 0);
  perImage.dispose();
  return db;
}

/** cols [B, C_in·KH·KW, OH·OW] (groups = 1): conv2d is then matmul(w as [C_out, K], cols). */
export function launchIm2col(x: Tensor, d: ConvDims): Tensor {
  if (d.groups !== 1) throw new Error(`webrnn: im2col: groups = ${d.groups}; only groups = 1 is a single matmul`);
  const cols = Tensor.empty([d.batch, d.cIn * d.kh * d.kw, d.oh * d.ow], 'float32', x.storage.g);
  if (cols.size === 0) return cols;
  recorder(x.storage.g).dispatch(im2col, { x: x.buffer, cols: cols.buffer }, fields(d, cols.size));
  return cols;
}

/** `t` in another shape (a view); `t` itself is freed. */
function reshaped(t: Tensor, shape: number[]): Tensor {
  const v = t.view(shape);
  t.dispose();
  return v;
}

/** Runs `fn` on views of `ts` in the given shapes and frees the views. */
function withViews<R>(views: [Tensor, number[]][], fn: (...v: Tensor[]) => R): R {
  const v = views.map(([t, shape]) => t.view(shape));
  try {
    return fn(...v);
  } finally {
    for (const t of v) t.dispose();
  }
}

/** y [B, C_out, OH, OW] = w [C_out, K] · cols [B, K, OH·OW] (+ bias down the rows). */
function im2colForward(x: Tensor, w: Tensor, bias: Tensor | null | undefined, d: ConvDims): Tensor {
  const cols = launchIm2col(x, d);
  const k = cols.shape[1]!;
  const y = withViews([[w, [d.cOut, k]]], (w2) => launchMatmul(w2, cols));
  cols.dispose();
  const out = bias ? withViews([[bias, [d.cOut, 1]]], (b) => launchBinary('add', y, b)) : y;
  if (out !== y) y.dispose();
  return reshaped(out, [d.batch, d.cOut, d.oh, d.ow]);
}

/** dx = col2im(wᵀ [K, C_out] · dy [B, C_out, OH·OW]). */
function col2imBackward(dy: Tensor, w: Tensor, d: ConvDims): Tensor {
  const k = d.cIn * d.kh * d.kw;
  const dcols = withViews([[w, [d.cOut, k]], [dy, [d.batch, d.cOut, d.oh * d.ow]]], (w2, dy3) => launchMatmul(w2, dy3, { transA: true }));
  const dx = Tensor.empty([d.batch, d.cIn, d.h, d.w], 'float32', dy.storage.g);
  recorder(dy.storage.g).dispatch(col2im, { dcols: dcols.buffer, dx: dx.buffer }, fields(d, dx.size));
  dcols.dispose();
  return dx;
}

/** dw [C_out, C_in, KH, KW] = Σ_b dy[b] [C_out, P] · cols[b]ᵀ [P, K]. */
function im2colWeightGrad(dy: Tensor, x: Tensor, d: ConvDims): Tensor {
  const cols = launchIm2col(x, d);
  const perImage = withViews([[dy, [d.batch, d.cOut, d.oh * d.ow]]], (dy3) => launchMatmul(dy3, cols, { transB: true }));
  cols.dispose();
  const sum = launchReduce('sum', perImage, 0);
  perImage.dispose();
  return reshaped(sum, [d.cOut, d.cIn, d.kh, d.kw]);
}
