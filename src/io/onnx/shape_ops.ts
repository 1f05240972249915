// ONNX's data-movement operators. On GPU tensors they are webrnn's differentiable shape ops
// (views where possible); on host values (shape arithmetic) they run on the CPU. Axes, shapes,
// starts/ends and indices must be host values: exports compute them from Shape on static shapes.
import { zeros } from '../../graph/create.js';
import { embedding } from '../../graph/ops/embedding.js';
import { ops } from '../../graph/ops/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { at, atBroadcast, axisOf, build, input, type OpContext, type OpImpl } from './context.js';
import { broadcastShapes, dims, host, ints, isHost, runFail, sizeOf, upload, type Host, type Value } from './values.js';

/** Axes from the attribute (older opsets) or the input `i` (opset 13 on); undefined when neither. */
function axesOf(c: OpContext, i: number): number[] | undefined {
  return c.node.attrs.ints('axes') ?? (c.ins[i] ? ints(c.ins[i], `${c.node.label}: axes`) : undefined);
}

function reshaped(x: Value, shape: number[]): Value {
  return isHost(x) ? host(x.dtype, shape, x.data) : ops.reshape(x, shape);
}

function reshape(c: OpContext): Value[] {
  const x = input(c, 0);
  const want = ints(input(c, 1, 'shape'), `${c.node.label}: shape`);
  const allowZero = c.node.attrs.int('allowzero', 0) === 1;
  const shape = want.map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? runFail(`${c.node.label}: shape ${dims(want)} copies dim ${i} of ${dims(x.shape)}, which has none`)) : d));
  const free = shape.filter((d) => d === -1).length;
  const known = sizeOf(shape.filter((d) => d !== -1));
  const total = sizeOf(x.shape);
  if (free > 1 || (free === 1 && (known === 0 || total % known !== 0)) || (free === 0 && known !== total) || shape.some((d) => d < -1)) {
    runFail(`${c.node.label}: cannot reshape ${dims(x.shape)} to ${dims(want)}`);
  }
  return [reshaped(x, shape.map((d) => (d === -1 ? total / known : d)))];
}

function squeeze(c: OpContext): Value[] {
  const x = input(c, 0);
  const axes = axesOf(c, 1)?.map((a) => axisOf(c, a, x.shape.length));
  for (const a of axes ?? []) if (x.shape[a] !== 1) runFail(`${c.node.label}: axis ${a} of ${dims(x.shape)} is not 1`);
  return [reshaped(x, x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)))];
}

function unsqueeze(c: OpContext): Value[] {
  const x = input(c, 0);
  const r = x.shape.length + (axesOf(c, 1) ?? runFail(`${c.node.label}: axes are missing`)).length;
  const axes = axesOf(c, 1)!.map((a) => axisOf(c, a, r));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]!);
  return [reshaped(x, shape)];
}

function flatten(c: OpContext): Value[] {
  const x = input(c, 0);
  const r = x.shape.length;
  const a = c.node.attrs.int('axis', 1);
  const axis = a < 0 ? a + r : a;
  if (axis < 0 || axis > r) runFail(`${c.node.label}: axis ${a} is out of range for rank ${r}`);
  return [reshaped(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))])];
}

function transpose(c: OpContext): Value[] {
  const x = input(c, 0);
  const r = x.shape.length;
  const perm = c.node.attrs.ints('perm') ?? x.shape.map((_, i) => r - 1 - i);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) runFail(`${c.node.label}: perm [${perm.join(', ')}] is not a permutation of ${r} dims`);
  const shape = perm.map((p) => x.shape[p]!);
  if (!isHost(x)) return [r < 2 ? ops.reshape(x, shape) : ops.permute(x, ...perm)];
  return [build(x.dtype, shape, (idx) => at(x, perm.map((_, k) => idx[perm.indexOf(k)]!)))];
}

function slice(c: OpContext): Value[] {
  const x = input(c, 0);
  const a = c.node.attrs;
  const from = (i: number, name: string) => (c.ins[i] ? ints(c.ins[i], `${c.node.label}: ${name}`) : undefined);
  const starts = a.ints('starts') ?? from(1, 'starts') ?? runFail(`${c.node.label}: starts are missing`);
  const ends = a.ints('ends') ?? from(2, 'ends') ?? runFail(`${c.node.label}: ends are missing`);
  const axes = (a.ints('axes') ?? from(3, 'axes') ?? starts.map((_, i) => i)).map((ax) => axisOf(c, ax, x.shape.length));
  const steps = from(4, 'steps') ?? starts.map(() => 1);
  const r = x.shape.length;
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const count = [...x.shape];
  axes.forEach((ax, k) => {
    const dim = x.shape[ax]!;
    const s = steps[k]!;
    if (!s) runFail(`${c.node.label}: step 0`);
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const st = s > 0 ? clamp(starts[k]!, 0, dim) : clamp(starts[k]!, -1, dim - 1);
    const en = s > 0 ? clamp(ends[k]!, 0, dim) : clamp(ends[k]!, -1, dim - 1);
    begin[ax] = st;
    step[ax] = s;
    count[ax] = Math.max(0, Math.ceil((en - st) / s));
  });
  if (isHost(x)) return [build(x.dtype, count, (idx) => at(x, idx.map((i, k) => begin[k]! + i * step[k]!)))];
  let out: Tensor = x;
  for (let ax = 0; ax < r; ax++) {
    if (step[ax] !== 1) runFail(`${c.node.label}: steps other than 1 are supported on host values only, got step ${step[ax]} on axis ${ax} of a GPU tensor`);
    if (count[ax] === x.shape[ax]) continue;
    out = ops.slice(out, ax, begin[ax]!, begin[ax]! + count[ax]!);
  }
  return [out === x ? ops.reshape(x, x.shape) : out];
}

function gather(c: OpContext): Value[] {
  const x = input(c, 0);
  const idxV = input(c, 1, 'indices');
  const axis = axisOf(c, c.node.attrs.int('axis', 0), x.shape.length);
  const n = x.shape[axis]!;
  const idxShape = idxV.shape;
  const shape = [...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)];
  const norm = (i: number) => (i >= -n && i < n ? (i < 0 ? i + n : i) : runFail(`${c.node.label}: index ${i} is out of range for axis ${axis} of ${dims(x.shape)}`));
  if (isHost(x)) {
    const idx = ints(idxV, `${c.node.label}: indices`).map(norm);
    const q = idxShape.length;
    return [build(x.dtype, shape, (o) => at(x, [...o.slice(0, axis), idx[q ? o.slice(axis, axis + q).reduce((a, d, k) => a * idxShape[k]! + d, 0) : 0]!, ...o.slice(axis + q)]))];
  }
  if (isHost(idxV) && idxShape.length === 0) return [ops.select(x, axis, norm(idxV.data[0]!))];
  // Rows of a 2-D view with the axis first, through the embedding op (differentiable in x).
  const moved = axis === 0 ? x : ops.permute(x, axis, ...x.shape.map((_, i) => i).filter((i) => i !== axis));
  const rest = moved.shape.slice(1);
  const indices = isHost(idxV) ? upload(host('int', idxShape, ints(idxV, `${c.node.label}: indices`).map(norm))) : idxV;
  if (indices.dtype !== 'int32') runFail(`${c.node.label}: indices must be integers`);
  const rows = embedding(ops.reshape(moved, [n, sizeOf(rest)]), indices);
  const g = ops.reshape(rows, [...idxShape, ...rest]);
  if (axis === 0) return [g];
  const q = idxShape.length;
  const perm = [...rest.slice(0, axis).map((_, i) => q + i), ...idxShape.map((_, i) => i), ...rest.slice(axis).map((_, i) => q + axis + i)];
  return [ops.permute(g, ...perm)];
}

function concat(c: OpContext): Value[] {
  const xs = c.ins.filter((v): v is Value => v !== undefined);
  if (!xs.length) runFail(`${c.node.label}: no inputs`);
  const r = xs[0]!.shape.length;
  const axis = axisOf(c, c.node.attrs.int('axis'), r);
  for (const x of xs) {
    if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== xs[0]!.shape[i])) runFail(`${c.node.label}: shapes ${xs.map((v) => dims(v.shape)).join(', ')} do not join along axis ${axis}`);
  }
  if (xs.every(isHost)) {
    const hs = xs as Host[];
    const shape = [...hs[0]!.shape];
    shape[axis] = hs.reduce((a, h) => a + h.shape[axis]!, 0);
    return [build(hs[0]!.dtype, shape, (idx) => {
      let i = idx[axis]!;
      let k = 0;
      while (i >= hs[k]!.shape[axis]!) i -= hs[k++]!.shape[axis]!;
      return at(hs[k]!, idx.map((d, j) => (j === axis ? i : d)));
    })];
  }
  return [ops.concat(xs.map((x, i) => c.gpu(x, `${c.node.label}: input ${i}`)), axis)];
}

function shapeOp(c: OpContext): Value[] {
  const s = input(c, 0).shape;
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + s.length : v, 0), s.length);
  const part = s.slice(norm(c.node.attrs.int('start', 0)), c.node.attrs.has('end') ? norm(c.node.attrs.int('end')) : s.length);
  return [host('int', [part.length], part)];
}

function constantOfShape(c: OpContext): Value[] {
  const shape = ints(input(c, 0, 'shape'), `${c.node.label}: shape`);
  const v = c.node.attrs.tensor('value') ?? host('float', [1], [0]);
  return [host(v.dtype, shape, new Float64Array(sizeOf(shape)).fill(v.data[0] ?? 0))];
}

function expand(c: OpContext): Value[] {
  const x = input(c, 0);
  const want = ints(input(c, 1, 'shape'), `${c.node.label}: shape`);
  const shape = broadcastShapes(x.shape, want) ?? runFail(`${c.node.label}: ${dims(x.shape)} does not broadcast to ${dims(want)}`);
  if (isHost(x)) return [build(x.dtype, shape, (idx) => atBroadcast(x, idx))];
  if (shape.join() === x.shape.join()) return [ops.reshape(x, shape)];
  const z = zeros(shape);
  return [ops.add(x, z)];
}

export const SHAPE_OPS: Record<string, OpImpl> = {
  Reshape: reshape, Squeeze: squeeze, Unsqueeze: unsqueeze, Flatten: flatten, Transpose: transpose, Slice: slice,
  Gather: gather, Concat: concat, Shape: shapeOp, ConstantOfShape: constantOfShape, Expand: expand,
  Identity: (c) => [input(c, 0)],
};
