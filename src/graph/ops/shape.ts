// Differentiable shape ops: reshape (a view), transpose, slice, concat, stack and picking one
// index along an axis (e.g. one time step). Each backward is the inverse data movement.
import * as sh from '../../kernels/shape.js';
import { zeros } from '../create.js';
import { apply, apply1, type Op } from '../tape.js';
import { resolveShape, shapeStr, type Tensor } from '../../tensor/tensor.js';

const normAxis = (axis: number, rank: number, what: string, shape: readonly number[]) => {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`webrnn: ${what}: axis ${axis} is out of range for shape ${shapeStr(shape)}`);
  return a;
};

const reshapeOp: Op<readonly number[], readonly number[]> = {
  name: 'reshape',
  forward: ([x], shape) => ({ outputs: [x!.view(shape)], saved: x!.shape }),
  backward: ([dy], from) => [dy!.view(from)],
};

const transposeOp: Op<number[], null> = {
  name: 'transpose',
  forward: ([x], perm) => ({ outputs: [sh.transpose(x!, perm)], saved: null }),
  backward: ([dy], _s, perm) => {
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [sh.transpose(dy!, inverse)];
  },
};

type SliceParams = { axis: number; start: number; end: number };

const sliceOp: Op<SliceParams, readonly number[]> = {
  name: 'slice',
  forward: ([x], { axis, start, end }) => ({ outputs: [sh.slice(x!, axis, start, end)], saved: x!.shape }),
  backward: ([dy], shape, { axis, start }) => {
    const dx = zeros(shape);
    sh.sliceAssign(dx, dy!, axis, start);
    return [dx];
  },
};

const concatOp: Op<number, number[]> = {
  name: 'concat',
  forward: (xs, axis) => ({ outputs: [sh.concat([...xs], axis)], saved: xs.map((x) => x.shape[axis]!) }),
  backward: ([dy], sizes, axis, needs) => {
    let at = 0;
    return sizes.map((n, i) => {
      const d = needs[i] ? sh.slice(dy!, axis, at, at + n) : null;
      at += n;
      return d;
    });
  },
};

/** Ops whose outputs share the input's storage or move data, recorded for autograd. */
export const shapeOps = {
  /** The same elements in a new shape (one dim may be −1: inferred); shares the buffer. */
  reshape: (x: Tensor, shape: readonly number[]) => apply1(reshapeOp, [x], resolveShape(shape, x.size, x.shape)),
  /** Permutes the dims (default: reverses them); `transpose(x, 0, 1)` swaps two dims. */
  transpose: (x: Tensor, ...dims: number[]) => {
    let perm: number[];
    if (dims.length === 0) perm = x.shape.map((_, i) => x.rank - 1 - i);
    // Two dims always name a swap, as documented (and as PyTorch does), a matrix's (0, 1) included.
    else if (dims.length === 2) {
      const [a, b] = dims.map((d) => normAxis(d, x.rank, 'transpose', x.shape));
      perm = x.shape.map((_, i) => (i === a ? b! : i === b ? a! : i));
    } else perm = dims.map((d) => normAxis(d, x.rank, 'transpose', x.shape));
    if (perm.length !== x.rank || new Set(perm).size !== x.rank) {
      throw new Error(`webrnn: transpose: [${dims.join(', ')}] is not a permutation of the dims of ${shapeStr(x.shape)}`);
    }
    return apply1(transposeOp, [x], perm);
  },
  /** Elements start ≤ i < end along `axis` (0 ≤ start ≤ end ≤ that dim); the other dims are unchanged. */
  slice: (x: Tensor, axis: number, start: number, end: number) => {
    const a = normAxis(axis, x.rank, 'slice', x.shape);
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= x.shape[a]!)) {
      throw new Error(`webrnn: slice: [${start}, ${end}) is out of range for axis ${axis} of ${shapeStr(x.shape)}`);
    }
    return apply1(sliceOp, [x], { axis: a, start, end });
  },
  /** Joins tensors along an existing `axis`; the other dims must match. */
  concat: (xs: Tensor[], axis = 0) => {
    if (xs.length === 0) throw new Error('webrnn: concat needs at least one tensor');
    const a = normAxis(axis, xs[0]!.rank, 'concat', xs[0]!.shape);
    return apply(concatOp, xs, a)[0]!;
  },
  /** Joins same-shaped tensors along a new axis. */
  stack: (xs: Tensor[], axis = 0) => {
    if (xs.length === 0) throw new Error('webrnn: stack needs at least one tensor');
    const rank = xs[0]!.rank + 1;
    const a = axis < 0 ? axis + rank : axis;
    const expanded = xs.map((x) => {
      if (x.shape.join() !== xs[0]!.shape.join()) {
        throw new Error(`webrnn: stack: shapes differ: ${shapeStr(xs[0]!.shape)} vs ${shapeStr(x.shape)}`);
      }
      return shapeOps.reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
    });
    const out = shapeOps.concat(expanded, a);
    for (const e of expanded) e.dispose();
    return out;
  },
  /** The slice at `index` along `axis`, with that axis removed (x[t] for a time-major sequence). */
  select: (x: Tensor, axis: number, index: number) => {
    const a = normAxis(axis, x.rank, 'select', x.shape);
    const i = index < 0 ? index + x.shape[a]! : index;
    const s = shapeOps.slice(x, a, i, i + 1);
    const out = shapeOps.reshape(s, x.shape.filter((_, k) => k !== a));
    s.dispose();
    return out;
  },
  /** Reorders the dims: `permute(x, 0, 2, 1)` (PyTorch's permute; every dim named once). */
  permute: (x: Tensor, ...dims: number[]) => {
    if (dims.length !== x.rank) throw new Error(`webrnn: permute: [${dims.join(', ')}] must name each of the ${x.rank} dims of ${shapeStr(x.shape)} once`);
    if (x.rank === 2 && dims[0] === 0 && dims[1] === 1) return shapeOps.reshape(x, x.shape); // the identity (transpose(0, 1) would swap)
    return shapeOps.transpose(x, ...dims);
  },
  /** Merges dims startDim..endDim (inclusive, negatives count from the end) into one (a view). */
  flatten: (x: Tensor, startDim = 0, endDim = -1) => {
    const rank = Math.max(x.rank, 1);
    const s = normAxis(startDim, rank, 'flatten', x.shape);
    const e = normAxis(endDim, rank, 'flatten', x.shape);
    if (s > e) throw new Error(`webrnn: flatten: startDim ${startDim} comes after endDim ${endDim} for ${shapeStr(x.shape)}`);
    const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return shapeOps.reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
  },
};

export const { flatten, permute } = shapeOps;
