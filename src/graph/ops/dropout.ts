// Differentiable dropout: the mask comes from a counter-based generator (Philox) on the GPU, so a
// (seed, offset) pair always gives the same mask and nothing is drawn on the CPU.
import * as k from '../../kernels/dropout.js';
import { apply1, type Op } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';

type DropoutParams = { p: number; seed: number; offset: number };

const dropoutOp: Op<DropoutParams, Tensor> = {
  name: 'dropout',
  forward: ([x], { p, seed, offset }) => {
    const { y, mask } = k.launchDropout(x!, p, seed, offset);
    return { outputs: [y], saved: mask, scratch: [mask] };
  },
  backward: ([dy], mask, { p }) => [k.launchDropoutBackward(dy!, mask, p)],
};

let calls = 0;

/** Zeroes each element with probability p and scales the rest by 1/(1−p). Each call draws a new
 *  mask; the same `seed` and call order reproduce the same masks. */
export function dropout(x: Tensor, p: number, seed: number, offset = 2 ** 32 * calls++): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`webrnn: dropout: p = ${p} must be in [0, 1)`);
  return apply1(dropoutOp, [x], { p, seed: seed >>> 0, offset });
}
