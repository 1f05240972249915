// Shape ops as bit copies (float32 and int32 alike): transpose, slice, concat, sliceAssign, copy.
// Each is one strided copy (copy_strided.wgsl) over an iteration shape; dims that are contiguous
// in both source and destination are merged first, and a single contiguous run is a buffer copy.
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d } from '../gpu/kernel.js';
import { type Shape, shapeStr, sizeOf, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

/** Most dims copy_strided indexes after merging (fields d0..d5 of its Dims). */
export const MAX_COPY_RANK = 6;
const WG = 256;

/** copy_strided.wgsl: a bit copy between two strided layouts over up to 6 (merged) dims. */
export const copyStrided = /* @__PURE__ */ defineKernel({
  name: 'copy_strided',
  wgsl: [wgsl.copy_strided],
  bindings: { src: 'read', dst: 'read_write' },
  dims: {
    n: 'u32', src_base: 'u32', dst_base: 'u32',
    d0: 'u32', d1: 'u32', d2: 'u32', d3: 'u32', d4: 'u32', d5: 'u32',
    ss0: 'u32', ss1: 'u32', ss2: 'u32', ss3: 'u32', ss4: 'u32', ss5: 'u32',
    ds0: 'u32', ds1: 'u32', ds2: 'u32', ds3: 'u32', ds4: 'u32', ds5: 'u32',
  },
  workgroupSize: [WG, 1, 1],
  // An override so tests can shrink it and reach grid1d's gid.y folding with small tensors.
  overrides: { WG },
  dispatch: ({ n }, o) => grid1d(n, Number(o.WG ?? WG)),
});

/** One strided copy: element c of `shape` goes from src[srcBase + c·srcStrides] to dst[dstBase + c·dstStrides]. */
export interface CopyPlan {
  shape: number[];
  srcStrides: number[];
  dstStrides: number[];
  srcBase: number;
  dstBase: number;
}

/** Contiguous element strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Drops size-1 dims and merges neighbours that are contiguous in every strides list (stride 0,
 *  a broadcast dim, merges with stride 0), so kernels index as few dims as possible. */
export function mergeDims(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const out = { shape: [] as number[], strides: strides.map(() => [] as number[]) };
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = out.shape.length - 1;
    if (last >= 0 && strides.every((st, j) => out.strides[j]![last] === st[i]! * d)) {
      out.shape[last]! *= d;
      strides.forEach((st, j) => (out.strides[j]![last] = st[i]!));
    } else {
      out.shape.push(d);
      strides.forEach((st, j) => out.strides[j]!.push(st[i]!));
    }
  });
  return out;
}

/** A copy plan with its dims merged. */
function plan(shape: Shape, srcStrides: number[], dstStrides: number[], srcBase: number, dstBase: number): CopyPlan {
  const m = mergeDims(shape, [srcStrides, dstStrides]);
  return { shape: m.shape, srcStrides: m.strides[0]!, dstStrides: m.strides[1]!, srcBase, dstBase };
}

/** Records the copy: a buffer copy when it is one contiguous run, else one copy_strided dispatch. */
function record(src: Tensor, dst: Tensor, p: CopyPlan): void {
  const n = sizeOf(p.shape);
  if (n === 0) return;
  const r = recorder(dst.storage.g);
  if (p.shape.length === 0 || (p.shape.length === 1 && p.srcStrides[0] === 1 && p.dstStrides[0] === 1)) {
    r.copy(src.buffer, p.srcBase * 4, dst.buffer, p.dstBase * 4, n * 4);
    return;
  }
  const pad = MAX_COPY_RANK - p.shape.length;
  const six = (v: number[], fill: number) => [...Array<number>(pad).fill(fill), ...v];
  const d = six(p.shape, 1);
  const ss = six(p.srcStrides, 0);
  const ds = six(p.dstStrides, 0);
  r.dispatch(copyStrided, { src: src.buffer, dst: dst.buffer }, {
    n, src_base: p.srcBase, dst_base: p.dstBase,
    d0: d[0]!, d1: d[1]!, d2: d[2]!, d3: d[3]!, d4: d[4]!, d5: d[5]!,
    ss0: ss[0]!, ss1: ss[1]!, ss2: ss[2]!, ss3: ss[3]!, ss4: ss[4]!, ss5: ss[5]!,
    ds0: ds[0]!, ds1: ds[1]!, ds2: ds[2]!, ds3: ds[3]!, ds4: ds[4]!, ds5: ds[5]!,
  });
}

/** `axis` in [-rank, rank) as a non-negative index; throws naming the shape. */
function normAxis(fn: string, axis: number, shape: Shape): number {
  const r = shape.length;
  if (!Number.isInteger(axis) || axis < -r || axis >= r) {
    throw new Error(`webrnn: ${fn}: axis ${axis} is out of range for shape ${shapeStr(shape)} (rank ${r})`);
  }
  return axis < 0 ? axis + r : axis;
}

/** Permutes the dims (default: reversed), like NumPy's transpose; rank ≤ 6 after merging dims that stay adjacent. */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  x.assertAlive();
  const r = x.rank;
  const p = (perm ?? [...Array(r).keys()].reverse()).map((a) => (Number.isInteger(a) && a < 0 ? a + r : a));
  if (p.length !== r || !p.every((a) => Number.isInteger(a) && a >= 0 && a < r) || new Set(p).size !== r) {
    throw new Error(`webrnn: transpose: [${perm?.join(', ')}] is not a permutation of the ${r} dims of ${shapeStr(x.shape)}`);
  }
  const shape = p.map((a) => x.shape[a]!);
  const xs = stridesOf(x.shape);
  const merged = plan(shape, p.map((a) => xs[a]!), stridesOf(shape), 0, 0);
  if (merged.shape.length > MAX_COPY_RANK) {
    throw new Error(`webrnn: transpose: ${shapeStr(x.shape)} by [${p.join(', ')}] needs ${merged.shape.length} dims; at most ${MAX_COPY_RANK}`);
  }
  const out = Tensor.empty(shape, x.dtype, x.storage.g);
  record(x, out, merged);
  return out;
}

/** Elements [start, end) of `axis` (negative axis and indices count from the end). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  x.assertAlive();
  const a = normAxis('slice', axis, x.shape);
  const len = x.shape[a]!;
  const s = start < 0 ? start + len : start;
  const e = end < 0 ? end + len : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > len || s > e) {
    throw new Error(`webrnn: slice: [${start}, ${end}) is not a range within axis ${axis} (size ${len}) of ${shapeStr(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (i === a ? e - s : d));
  const xs = stridesOf(x.shape);
  const out = Tensor.empty(shape, x.dtype, x.storage.g);
  record(x, out, plan(shape, xs, stridesOf(shape), s * xs[a]!, 0));
  return out;
}

/** The copy of contiguous `src` into a contiguous `dstShape` at `start` along axis `a`. */
function assignPlan(dstShape: Shape, src: Tensor, a: number, start: number): CopyPlan {
  const ds = stridesOf(dstShape);
  return plan(src.shape, stridesOf(src.shape), ds, 0, start * ds[a]!);
}

/** True when `x` matches `shape` and `dtype` except along axis `a`. */
const fitsBeside = (x: Tensor, shape: Shape, dtype: string, a: number) =>
  x.dtype === dtype && x.rank === shape.length && x.shape.every((d, i) => i === a || d === shape[i]);

/** Writes `src` into `dst` at [start, start+len) along `axis` (in place into dst; used for concat and the backward of slice). */
export function sliceAssign(dst: Tensor, src: Tensor, axis: number, start: number): void {
  dst.assertAlive();
  src.assertAlive();
  const a = normAxis('sliceAssign', axis, dst.shape);
  const s = start < 0 ? start + dst.shape[a]! : start;
  if (!fitsBeside(src, dst.shape, dst.dtype, a)) {
    throw new Error(`webrnn: sliceAssign: ${src.dtype} ${shapeStr(src.shape)} does not fit ${dst.dtype} ${shapeStr(dst.shape)} beside axis ${axis}`);
  }
  const len = src.shape[a]!;
  if (!Number.isInteger(s) || s < 0 || s + len > dst.shape[a]!) {
    throw new Error(`webrnn: sliceAssign: [${start}, ${start + len}) is outside axis ${axis} (size ${dst.shape[a]}) of ${shapeStr(dst.shape)}`);
  }
  // WebGPU refuses one buffer bound as both the source and the writable destination.
  if (src.storage === dst.storage) throw new Error(`webrnn: sliceAssign: src ${shapeStr(src.shape)} is a view of dst ${shapeStr(dst.shape)}`);
  record(src, dst, assignPlan(dst.shape, src, a, s));
}

/** Joins tensors of the same dtype and shape except along `axis`. */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('webrnn: concat: needs at least one tensor');
  xs.forEach((x) => x.assertAlive());
  const first = xs[0]!;
  const a = normAxis('concat', axis, first.shape);
  const shape = [...first.shape];
  shape[a] = xs.reduce((sum, x) => sum + (x.shape[a] ?? 0), 0);
  if (!xs.every((x) => fitsBeside(x, shape, first.dtype, a))) {
    throw new Error(`webrnn: concat: ${xs.map((t) => `${t.dtype} ${shapeStr(t.shape)}`).join(', ')} differ outside axis ${axis}`);
  }
  let at = 0;
  const plans = xs.map((x) => {
    const p = assignPlan(shape, x, a, at);
    at += x.shape[a]!;
    return p;
  });
  const out = Tensor.empty(shape, first.dtype, first.storage.g);
  xs.forEach((x, i) => record(x, out, plans[i]!));
  return out;
}

/** Copies into a fresh contiguous tensor. */
export function copy(x: Tensor): Tensor {
  x.assertAlive();
  const out = Tensor.empty(x.shape, x.dtype, x.storage.g);
  recorder(x.storage.g).copy(x.buffer, 0, out.buffer, 0, x.size * 4);
  return out;
}
