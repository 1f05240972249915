// Differentiable reductions and softmax. sum/mean spread the gradient back over the reduced axis;
// max sends it to the positions that hold the maximum (shared evenly between ties, like amax).
import * as ew from '../../kernels/elementwise.js';
import { launchReduce } from '../../kernels/reduce.js';
import * as sm from '../../kernels/softmax.js';
import { zeros } from '../create.js';
import { apply1, type Op } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';

type ReduceParams = { axis?: number; keepDims: boolean };

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The reduced shape with the axis kept as 1 (or all ones for a full reduction). */
function keptShape(shape: readonly number[], axis?: number): number[] {
  if (axis === undefined) return shape.map(() => 1);
  const a = normAxis(axis, shape.length);
  return shape.map((d, i) => (i === a ? 1 : d));
}

/** dy (reduced shape) broadcast back to `shape`. */
export function expandTo(dy: Tensor, shape: readonly number[], axis?: number): Tensor {
  const k = dy.view(keptShape(shape, axis));
  const z = zeros(shape);
  const out = ew.launchBinary('add', k, z);
  k.dispose();
  z.dispose();
  return out;
}

const sumOp: Op<ReduceParams & { mean: boolean }, readonly number[]> = {
  name: 'sum',
  forward: ([x], { axis, keepDims, mean }) => ({ outputs: [launchReduce(mean ? 'mean' : 'sum', x!, axis, keepDims)], saved: x!.shape }),
  backward: ([dy], shape, { axis, mean }) => {
    const e = expandTo(dy!, shape, axis);
    if (!mean) return [e];
    const n = axis === undefined ? shape.reduce((a, b) => a * b, 1) : shape[normAxis(axis, shape.length)]!;
    const s = ew.launchUnary('scale', e, { scalar: 1 / n });
    e.dispose();
    return [s];
  },
};

const maxOp: Op<ReduceParams, { x: Tensor; y: Tensor }> = {
  name: 'max',
  forward: ([x], { axis, keepDims }, save) => {
    const y = launchReduce('max', x!, axis, keepDims);
    return { outputs: [y], saved: { x: save(x!), y: save(y) } };
  },
  backward: ([dy], { x, y }, { axis }) => {
    // mask = 1 where x == max: 1 + sign(x − max) is 1 there and 0 below it.
    const yk = y.view(keptShape(x.shape, axis));
    const diff = ew.launchBinary('sub', x, yk);
    const sgn = ew.launchUnary('sign', diff);
    const mask = ew.launchUnary('addScalar', sgn, { scalar: 1 });
    const count = launchReduce('sum', mask, axis, true);
    const dyk = dy!.view(count.shape);
    const share = ew.launchBinary('div', dyk, count);
    const dx = ew.launchBinary('mul', mask, share);
    for (const t of [yk, diff, sgn, mask, count, dyk, share]) t.dispose();
    return [dx];
  },
};

const softmaxOp: Op<{ axis: number; log: boolean }, Tensor> = {
  name: 'softmax',
  forward: ([x], { axis, log }, save) => {
    const y = log ? sm.launchLogSoftmax(x!, axis) : sm.launchSoftmax(x!, axis);
    return { outputs: [y], saved: save(y) };
  },
  backward: ([dy], y, { axis, log }) => [log ? sm.launchLogSoftmaxBackward(y, dy!, axis) : sm.launchSoftmaxBackward(y, dy!, axis)],
};

export const reductions = {
  /** Sum over `axis` (all elements when omitted); the axis is dropped unless `keepDims`. */
  sum: (x: Tensor, axis?: number, keepDims = false) => apply1(sumOp, [x], { axis, keepDims, mean: false }),
  /** Mean over `axis` (all elements when omitted); the axis is dropped unless `keepDims`. */
  mean: (x: Tensor, axis?: number, keepDims = false) => apply1(sumOp, [x], { axis, keepDims, mean: true }),
  /** Maximum over `axis` (all elements when omitted); tied maxima share the gradient equally. */
  max: (x: Tensor, axis?: number, keepDims = false) => apply1(maxOp, [x], { axis, keepDims }),
  /** Index of the maximum along `axis` (int32, not differentiable). */
  argmax: (x: Tensor, axis?: number, keepDims = false) => launchReduce('argmax', x, axis, keepDims),
  /** Softmax along `axis` (default: the last); same shape as x. */
  softmax: (x: Tensor, axis = -1) => apply1(softmaxOp, [x], { axis, log: false }),
  /** Log of the softmax along `axis` (default: the last), computed stably; same shape as x. */
  logSoftmax: (x: Tensor, axis = -1) => apply1(softmaxOp, [x], { axis, log: true }),
};
