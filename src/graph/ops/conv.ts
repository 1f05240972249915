// Differentiable convolutions: conv2d (NCHW) and conv1d (NCL, run as conv2d over a height of 1),
// PyTorch's cross-correlation with stride, padding, dilation and groups. The backward is the input
// gradient (a transposed convolution), the weight gradient and the bias's sum of dy.
import * as cv from '../../kernels/conv.js';
import { type Conv2dOptions, type ConvDims, planConv2d } from '../../kernels/conv_plan.js';
import { apply1, type Op } from '../tape.js';
import { shapeStr, type Tensor } from '../../tensor/tensor.js';
import { shapeOps } from './shape.js';
import { anyValue, checkOptions, type Spec } from '../../util/options.js';

const conv2dOp: Op<ConvDims, { x: Tensor; w: Tensor }> = {
  name: 'conv2d',
  forward: ([x, w, b], d, save) => ({ outputs: [cv.launchConv2d(x!, w!, b, d)], saved: { x: save(x!), w: save(w!) } }),
  backward: ([dy], { x, w }, d, needs) => [
    needs[0] ? cv.launchConv2dBackwardInput(dy!, w, d) : null,
    needs[1] ? cv.launchConv2dBackwardWeight(dy!, x, d) : null,
    needs[2] ? cv.launchConv2dBackwardBias(dy!, d) : null,
  ],
};

function checkFloat(what: string, ts: [string, Tensor | null | undefined][]): void {
  for (const [name, t] of ts) {
    if (!t) continue;
    t.assertAlive();
    if (t.dtype !== 'float32') throw new Error(`webrnn: ${what}: ${name} ${shapeStr(t.shape)} is ${t.dtype}; convolutions take float32`);
  }
}

/** y [B, C_out, OH, OW] = conv2d(x [B, C_in, H, W], weight [C_out, C_in/groups, KH, KW]) + bias [C_out]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', opts, CONV_OPTIONS); // keys only: planConv2d names bad values
  checkFloat('conv2d', [['input', x], ['weight', weight], ['bias', bias]]);
  const d = planConv2d('conv2d', x.shape, weight.shape, bias ? bias.shape : null, opts);
  return apply1(conv2dOp, bias ? [x, weight, bias] : [x, weight], d);
}

/** The option keys of conv1d/conv2d; their values are checked where they are read. */
const CONV_OPTIONS: Spec = { stride: anyValue, padding: anyValue, dilation: anyValue, groups: anyValue };

/** Options of conv1d() as PyTorch's: stride, padding, dilation and groups. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'valid' | 'same';
  dilation?: number;
  groups?: number;
}

/** y [B, C_out, OL] = conv1d(x [B, C_in, L], weight [C_out, C_in/groups, K]) + bias [C_out]. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', opts, CONV_OPTIONS);
  checkFloat('conv1d', [['input', x], ['weight', weight], ['bias', bias]]);
  if (x.rank !== 3) throw new Error(`webrnn: conv1d: input must be [B, C, L], got ${shapeStr(x.shape)}`);
  if (weight.rank !== 3) throw new Error(`webrnn: conv1d: weight must be [C_out, C_in/groups, K], got ${shapeStr(weight.shape)}`);
  for (const k of ['stride', 'dilation'] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== 'number') throw new Error(`webrnn: conv1d: ${k} must be a number, got ${JSON.stringify(opts[k])}`);
  }
  if (typeof opts.padding === 'object') throw new Error(`webrnn: conv1d: padding must be a number, 'valid' or 'same', got ${JSON.stringify(opts.padding)}`);
  // Height 1 with a 1-row kernel; 'same' pads nothing along it (its effective kernel is 1).
  const pad = opts.padding;
  const x4 = shapeOps.reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]);
  const w4 = shapeOps.reshape(weight, [weight.shape[0]!, weight.shape[1]!, 1, weight.shape[2]!]);
  let y4: Tensor;
  try {
    y4 = conv2d(x4, w4, bias, {
      stride: [1, opts.stride ?? 1],
      padding: typeof pad === 'string' ? pad : [0, pad ?? 0],
      dilation: [1, opts.dilation ?? 1],
      groups: opts.groups,
    });
  } catch (e) {
    throw new Error(String((e as Error).message).replace('webrnn: conv2d:', 'webrnn: conv1d:'));
  } finally {
    x4.dispose();
    w4.dispose();
  }
  const y = shapeOps.reshape(y4, [y4.shape[0]!, y4.shape[1]!, y4.shape[3]!]);
  y4.dispose();
  return y;
}
