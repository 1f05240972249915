// Differentiable 2-D pooling: maxPool2d routes each window's gradient to the cell it picked (the
// forward saves the argmax); avgPool2d spreads it evenly over the window.
import type { Pair } from '../../kernels/conv_plan.js';
import { launchPool2d, launchPool2dBackward, planPool2d, type Pool2dOptions, type PoolDims } from '../../kernels/pool.js';
import { apply1, type Op } from '../tape.js';
import { shapeStr, type Shape, type Tensor } from '../../tensor/tensor.js';
import { anyValue, checkOptions } from '../../util/options.js';

type PoolParams = { d: PoolDims; max: boolean; countIncludePad: boolean; inShape: Shape };

const poolOp: Op<PoolParams, Tensor | null> = {
  name: 'pool2d',
  forward: ([x], p) => {
    const { y, argmax } = launchPool2d(x!, p.d, p.max ? 'max' : 'avg', p.countIncludePad);
    return { outputs: [y], saved: argmax, scratch: argmax ? [argmax] : [] };
  },
  backward: ([dy], argmax, p) => [launchPool2dBackward(dy!, argmax, p.inShape, p.d, p.countIncludePad)],
};

function check(what: string, x: Tensor): void {
  x.assertAlive();
  if (x.dtype !== 'float32') throw new Error(`webrnn: ${what}: input ${shapeStr(x.shape)} is ${x.dtype}; pooling takes float32`);
}

/** Max over kernelSize windows of x [B, C, H, W] or [C, H, W]; stride defaults to the kernel. */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: Pool2dOptions = {}): Tensor {
  checkOptions('maxPool2d', opts, { stride: anyValue, padding: anyValue });
  check('maxPool2d', x);
  const d = planPool2d('maxPool2d', x.shape, kernelSize, opts);
  return apply1(poolOp, [x], { d, max: true, countIncludePad: true, inShape: x.shape });
}

/** avgPool2d's options: the window's stride and padding, and what the mean divides by. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Divide by the whole window, padding included (PyTorch's default), or by the cells inside x. */
  countIncludePad?: boolean;
}

/** Mean over kernelSize windows of x [B, C, H, W] or [C, H, W]; stride defaults to the kernel. */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts: AvgPool2dOptions = {}): Tensor {
  checkOptions('avgPool2d', opts, { stride: anyValue, padding: anyValue, countIncludePad: 'boolean' });
  check('avgPool2d', x);
  const d = planPool2d('avgPool2d', x.shape, kernelSize, opts);
  return apply1(poolOp, [x], { d, max: false, countIncludePad: opts.countIncludePad ?? true, inShape: x.shape });
}
