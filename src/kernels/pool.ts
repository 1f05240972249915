// 2-D max and average pooling over NCHW (PyTorch's MaxPool2d / AvgPool2d without ceil_mode or
// dilation): the descriptors of pool2d.wgsl and pool2d_backward.wgsl, the option checks and launchers.
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d, type Overrides } from '../gpu/kernel.js';
import { shapeStr, type Shape, Tensor } from '../tensor/tensor.js';
import { convOutSize, type Pair, pair } from './conv_plan.js';
import * as wgsl from './wgsl.gen.js';

/** The sizes of one pooling: `planes` = B·C windows-planes of H×W. */
export interface PoolDims {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/** The window's stride and padding, per axis (a number or [h, w]). */
export interface Pool2dOptions {
  /** Default: the kernel size (PyTorch). */
  stride?: Pair;
  /** Implicit -Inf (max) or zero (average) padding on both sides, at most half the kernel. */
  padding?: Pair;
}

const WG = 256;
const layout = {
  dims: {
    planes: 'u32', h: 'u32', w: 'u32', oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
    stride_h: 'u32', stride_w: 'u32', pad_h: 'u32', pad_w: 'u32',
  },
  workgroupSize: [WG, 1, 1],
  overrides: { MAX: true, COUNT_PAD: true, WG },
} as const;

/** Max or average over each window; max also records where the maximum was. */
export const pool2d = /* @__PURE__ */ defineKernel({
  name: 'pool2d',
  wgsl: [wgsl.nan, wgsl.pool2d],
  bindings: { x: 'read', y: 'read_write', argmax: 'read_write' },
  ...layout,
  dispatch: (d, o: Overrides) => grid1d(d.planes * d.oh * d.ow, Number(o.WG ?? WG)),
});

/** dx of pool2d, gathered over the windows holding each input cell. */
export const pool2dBackward = /* @__PURE__ */ defineKernel({
  name: 'pool2d_backward',
  wgsl: [wgsl.pool2d_backward],
  bindings: { dy: 'read', argmax: 'read', dx: 'read_write' },
  ...layout,
  dispatch: (d, o: Overrides) => grid1d(d.planes * d.h * d.w, Number(o.WG ?? WG)),
});

/** Checks x [B, C, H, W] (or [C, H, W]) against the window and returns the sizes. */
export function planPool2d(what: string, x: Shape, kernelSize: Pair, opts: Pool2dOptions = {}): PoolDims {
  if (x.length !== 4 && x.length !== 3) throw new Error(`webrnn: ${what}: input must be [B, C, H, W] or [C, H, W], got ${shapeStr(x)}`);
  const [kh, kw] = pair(what, 'kernelSize', kernelSize, 1, 1);
  const [strideH, strideW] = opts.stride === undefined ? [kh, kw] : pair(what, 'stride', opts.stride, 1, 1);
  const [padH, padW] = pair(what, 'padding', opts.padding, 0, 0);
  if (padH > kh / 2 || padW > kw / 2) {
    throw new Error(`webrnn: ${what}: padding [${padH}, ${padW}] must be at most half the kernel [${kh}, ${kw}] (as in PyTorch)`);
  }
  const [h, w] = x.slice(-2) as [number, number];
  const oh = convOutSize(h, kh, strideH, padH, 1);
  const ow = convOutSize(w, kw, strideW, padW, 1);
  if (oh < 1 || ow < 1) throw new Error(`webrnn: ${what}: input ${shapeStr(x)} is smaller than the kernel [${kh}, ${kw}] with padding [${padH}, ${padW}]`);
  const planes = x.slice(0, -2).reduce((a, b) => a * b, 1);
  return { planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW };
}

const fields = (d: PoolDims) => ({
  planes: d.planes, h: d.h, w: d.w, oh: d.oh, ow: d.ow, kh: d.kh, kw: d.kw,
  stride_h: d.strideH, stride_w: d.strideW, pad_h: d.padH, pad_w: d.padW,
});

/** y [..., OH, OW] (and, for max, the int32 argmax within each plane, iy·W + ix). */
export function launchPool2d(x: Tensor, d: PoolDims, mode: 'max' | 'avg', countIncludePad = true): { y: Tensor; argmax: Tensor | null } {
  const g = x.storage.g;
  const outShape = [...x.shape.slice(0, -2), d.oh, d.ow];
  const y = Tensor.empty(outShape, 'float32', g);
  const argmax = Tensor.empty(mode === 'max' ? outShape : [1], 'int32', g);
  if (y.size > 0) {
    recorder(g).dispatch(pool2d, { x: x.buffer, y: y.buffer, argmax: argmax.buffer }, fields(d), {
      MAX: mode === 'max', COUNT_PAD: countIncludePad,
    });
  }
  if (mode === 'max') return { y, argmax };
  argmax.dispose();
  return { y, argmax: null };
}

/** dx [..., H, W] of launchPool2d from dy (and max pooling's argmax). */
export function launchPool2dBackward(dy: Tensor, argmax: Tensor | null, inShape: Shape, d: PoolDims, countIncludePad = true): Tensor {
  const dx = Tensor.empty(inShape, 'float32', dy.storage.g);
  if (dx.size === 0) return dx;
  recorder(dy.storage.g).dispatch(pool2dBackward, { dy: dy.buffer, argmax: (argmax ?? dy).buffer, dx: dx.buffer }, fields(d), {
    MAX: !!argmax, COUNT_PAD: countIncludePad,
  });
  return dx;
}
