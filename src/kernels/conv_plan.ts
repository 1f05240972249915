// The sizes of a convolution or pooling window from PyTorch's options, checked: stride, padding
// (a number, a pair, 'valid' or 'same'), dilation and groups, each a number or an [h, w] pair.
import { shapeStr, type Shape } from '../tensor/tensor.js';

/** The sizes of one 2-D convolution (conv1d is the case H = KH = 1). */
export interface ConvDims {
  batch: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilH: number;
  dilW: number;
  groups: number;
}

export type Pair = number | readonly [number, number];

/** Options of conv2d() as PyTorch's: stride, padding, dilation (numbers or [h, w] pairs) and groups. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zeros added on both sides; 'valid' is 0, 'same' keeps the size (stride 1 only). */
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

/** Output size along one axis: ⌊(in + 2·pad − dil·(k − 1) − 1) / stride⌋ + 1 (PyTorch). */
export const convOutSize = (size: number, k: number, stride: number, pad: number, dil: number): number =>
  Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;

/** A number or [h, w] pair of integers ≥ min, as [h, w]; throws naming the option. */
export function pair(what: string, name: string, v: Pair | undefined, fallback: number, min: number): [number, number] {
  const p = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) && typeof v !== 'number' && v !== undefined) throw new Error(`webrnn: ${what}: ${name} must be a number or [h, w], got ${String(v)}`);
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= min)) {
    throw new Error(`webrnn: ${what}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}

/** Checks x [B, C_in, H, W], w [C_out, C_in/groups, KH, KW] and bias [C_out] against the options. */
export function planConv2d(what: string, x: Shape, w: Shape, bias: Shape | null, opts: Conv2dOptions = {}): ConvDims {
  if (x.length !== 4) throw new Error(`webrnn: ${what}: input must be [B, C, H, W], got ${shapeStr(x)}`);
  if (w.length !== 4) throw new Error(`webrnn: ${what}: weight must be [C_out, C_in/groups, KH, KW], got ${shapeStr(w)}`);
  const [batch, cIn, h, wd] = x as [number, number, number, number];
  const [cOut, cg, kh, kw] = w as [number, number, number, number];
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`webrnn: ${what}: groups must be a positive integer, got ${groups}`);
  if (cIn % groups !== 0 || cOut % groups !== 0) {
    throw new Error(`webrnn: ${what}: groups = ${groups} must divide the input channels (${cIn}) and the output channels (${cOut})`);
  }
  if (cg !== cIn / groups) {
    throw new Error(`webrnn: ${what}: weight ${shapeStr(w)} needs ${cIn / groups} input channels per group for input ${shapeStr(x)} with groups = ${groups}, has ${cg}`);
  }
  if (kh < 1 || kw < 1 || cOut < 1) throw new Error(`webrnn: ${what}: weight ${shapeStr(w)} has an empty dimension`);
  if (bias && (bias.length !== 1 || bias[0] !== cOut)) throw new Error(`webrnn: ${what}: bias ${shapeStr(bias)} must be [${cOut}] for weight ${shapeStr(w)}`);
  const [strideH, strideW] = pair(what, 'stride', opts.stride, 1, 1);
  const [dilH, dilW] = pair(what, 'dilation', opts.dilation, 1, 1);
  let padH: number, padW: number;
  if (opts.padding === 'valid') [padH, padW] = [0, 0];
  else if (opts.padding === 'same') {
    if (strideH !== 1 || strideW !== 1) throw new Error(`webrnn: ${what}: padding 'same' needs stride 1 (as in PyTorch)`);
    const total = [dilH * (kh - 1), dilW * (kw - 1)];
    if (total.some((t) => t % 2 !== 0)) {
      throw new Error(`webrnn: ${what}: padding 'same' with an even effective kernel (${shapeStr(total.map((t) => t + 1))}) needs uneven padding, which webrnn does not do; pad explicitly`);
    }
    [padH, padW] = [total[0]! / 2, total[1]! / 2];
  } else [padH, padW] = pair(what, 'padding', opts.padding as Pair | undefined, 0, 0);
  const oh = convOutSize(h, kh, strideH, padH, dilH);
  const ow = convOutSize(wd, kw, strideW, padW, dilW);
  if (oh < 1 || ow < 1) {
    throw new Error(`webrnn: ${what}: input ${shapeStr(x)} is smaller than the dilated kernel [${dilH * (kh - 1) + 1}, ${dilW * (kw - 1) + 1}] with padding [${padH}, ${padW}]`);
  }
  return { batch, cIn, h, w: wd, cOut, oh, ow, kh, kw, strideH, strideW, padH, padW, dilH, dilW, groups };
}
