// Element-wise kernels: unary ops (unary.wgsl), their fused derivatives (unary_backward.wgsl),
// binary ops with NumPy broadcasting (binary.wgsl) and the sum that undoes a broadcast
// (sum_to_shape.wgsl). Float32 only; every result is a fresh contiguous tensor.
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d, type Overrides } from '../gpu/kernel.js';
import { type Shape, shapeStr, sizeOf, Tensor } from '../tensor/tensor.js';
import { BINARY_OPS, opCodes, UNARY_GRAD_OPS, UNARY_OPS } from './op_codes.js';
import { mergeDims, stridesOf } from './shape.js';
import * as wgsl from './wgsl.gen.js';

export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type UnaryGradOp = (typeof UNARY_GRAD_OPS)[number];

/** Scalars of the ops that take them (pow's exponent finite); they reach the GPU rounded to float32. */
export interface UnaryParams {
  exponent?: number;
  min?: number;
  max?: number;
  scalar?: number;
  /** leakyRelu's slope for x < 0. */
  negativeSlope?: number;
}

/** OP codes of unary.wgsl, unary_backward.wgsl and binary.wgsl (their WGSL names come from the same lists). */
export const UNARY_CODES = opCodes(UNARY_OPS);
export const UNARY_GRAD_CODES = opCodes(UNARY_GRAD_OPS);
export const BINARY_CODES = opCodes(BINARY_OPS);

/** Most dims (after merging) the broadcasting kernels index: fields d0..d5 of their Dims. */
export const MAX_RANK = 6;

// Every kernel here is one invocation per element with an override workgroup size, so tests can
// shrink WG to reach the gid.y folding of grid1d with small tensors.
const WG = 256;
const flat = {
  workgroupSize: [WG, 1, 1] as const,
  overrides: { WG },
  dispatch: ({ n }: { readonly n: number }, o: Overrides) => grid1d(n, Number(o.WG ?? WG)),
};

/** unary.wgsl: one unary op per element, picked by the OP override. */
export const unary = /* @__PURE__ */ defineKernel({
  name: 'unary',
  wgsl: [wgsl.op_codes, wgsl.nan, wgsl.activations, wgsl.scalar_math, wgsl.unary],
  bindings: { x: 'read', out: 'read_write' },
  dims: { n: 'u32', p0: 'f32', p1: 'f32' },
  ...flat,
});

/** unary_backward.wgsl: dx = dy · f'(saved), picked by the OP override. */
export const unaryBackward = /* @__PURE__ */ defineKernel({
  name: 'unary_backward',
  wgsl: [wgsl.nan, wgsl.op_codes, wgsl.scalar_math, wgsl.unary_backward],
  bindings: { dy: 'read', saved: 'read', dx: 'read_write' },
  dims: { n: 'u32', p0: 'f32', p1: 'f32' },
  ...flat,
});

/** binary.wgsl: a ∘ b with broadcasting over up to 6 (merged) dims. */
export const binary = /* @__PURE__ */ defineKernel({
  name: 'binary',
  wgsl: [wgsl.nan, wgsl.op_codes, wgsl.scalar_math, wgsl.binary],
  bindings: { a: 'read', b: 'read', out: 'read_write' },
  dims: {
    n: 'u32',
    d0: 'u32', d1: 'u32', d2: 'u32', d3: 'u32', d4: 'u32', d5: 'u32',
    sa0: 'u32', sa1: 'u32', sa2: 'u32', sa3: 'u32', sa4: 'u32', sa5: 'u32',
    sb0: 'u32', sb1: 'u32', sb2: 'u32', sb3: 'u32', sb4: 'u32', sb5: 'u32',
  },
  ...flat,
});

/** sum_to_shape.wgsl: sums a broadcast result back to an input's shape. */
export const sumToShape = /* @__PURE__ */ defineKernel({
  name: 'sum_to_shape',
  wgsl: [wgsl.sum_to_shape],
  bindings: { dy: 'read', out: 'read_write' },
  dims: {
    n: 'u32', m: 'u32',
    k0: 'u32', k1: 'u32', k2: 'u32', k3: 'u32', k4: 'u32', k5: 'u32',
    r0: 'u32', r1: 'u32', r2: 'u32', r3: 'u32', r4: 'u32', r5: 'u32',
    s0: 'u32', s1: 'u32', s2: 'u32', s3: 'u32', s4: 'u32', s5: 'u32',
  },
  ...flat,
});
/** The op's code, or undefined for names that are not ops (own keys only: not 'toString'). */
const codeOf = (codes: Record<string, number>, op: string) => (Object.hasOwn(codes, op) ? codes[op] : undefined);

function checkFloat(fn: string, t: Tensor, role = 'input'): void {
  t.assertAlive();
  if (t.dtype !== 'float32') {
    throw new Error(`webrnn: ${fn}: ${role} is an int32 tensor ${shapeStr(t.shape)}; element-wise ops take float32 only`);
  }
}

function number(fn: string, name: string, v: number | undefined, fallback?: number): number {
  const x = v ?? fallback;
  if (x === undefined || typeof x !== 'number' || Number.isNaN(x)) {
    throw new Error(`webrnn: ${fn}: params.${name} must be a number, got ${v}`);
  }
  return x;
}

/** The (p0, p1) scalars of an op: pow's exponent, clamp's bounds, scale's factor, the addend. */
function scalars(fn: string, op: string, params: UnaryParams): [number, number] {
  if (op === 'pow') {
    const e = number(fn, 'exponent', params.exponent);
    if (!Number.isFinite(e)) throw new Error(`webrnn: ${fn}: params.exponent must be finite, got ${e}`);
    return [e, 0];
  }
  if (op === 'scale' || op === 'addScalar') return [number(fn, 'scalar', params.scalar), 0];
  if (op === 'leakyRelu') return [number(fn, 'negativeSlope', params.negativeSlope), 0];
  if (op === 'clamp') {
    if (params.min === undefined && params.max === undefined) throw new Error(`webrnn: ${fn}: clamp needs params.min or params.max`);
    return [number(fn, 'min', params.min, -Infinity), number(fn, 'max', params.max, Infinity)];
  }
  return [0, 0];
}

/** y = f(x) element-wise; `params` carries pow's exponent, clamp's min/max, scale's and addScalar's scalar. */
export function launchUnary(op: UnaryOp, x: Tensor, params: UnaryParams = {}): Tensor {
  const fn = `unary('${op}')`;
  const code = codeOf(UNARY_CODES, op);
  if (code === undefined) throw new Error(`webrnn: unary: unknown op '${op}'`);
  checkFloat(fn, x);
  const [p0, p1] = scalars(fn, op, params);
  const out = Tensor.empty(x.shape, 'float32', x.storage.g);
  recorder(x.storage.g).dispatch(unary, { x: x.buffer, out: out.buffer }, { n: x.size, p0, p1 }, { OP: code });
  return out;
}

/** dx = dy · f'(·), one dispatch. `saved` is the forward OUTPUT y for tanh, sigmoid, exp and sqrt,
 *  and the forward INPUT x for relu, log, pow (needs params.exponent), clamp (params.min/max), abs and
 *  leakyRelu (params.negativeSlope). */
export function launchUnaryBackward(op: UnaryGradOp, dy: Tensor, saved: Tensor, params: UnaryParams = {}): Tensor {
  const fn = `unaryBackward('${op}')`;
  const code = codeOf(UNARY_GRAD_CODES, op);
  if (code === undefined) throw new Error(`webrnn: unaryBackward: unknown op '${op}'`);
  checkFloat(fn, dy, 'dy');
  checkFloat(fn, saved, 'saved');
  if (shapeStr(dy.shape) !== shapeStr(saved.shape)) {
    throw new Error(`webrnn: ${fn}: dy ${shapeStr(dy.shape)} and saved ${shapeStr(saved.shape)} must have the same shape`);
  }
  const [p0, p1] = scalars(fn, op, params);
  const dx = Tensor.empty(dy.shape, 'float32', dy.storage.g);
  recorder(dy.storage.g).dispatch(
    unaryBackward, { dy: dy.buffer, saved: saved.buffer, dx: dx.buffer }, { n: dy.size, p0, p1 }, { OP: code },
  );
  return dx;
}

/** The NumPy broadcast of two shapes; throws naming both when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new Error(`webrnn: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (dim ${i - r}: ${x} vs ${y})`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** `v` left-padded with `fill` to MAX_RANK entries, as the uniform fields `${p}0` .. `${p}5`. */
function fields(p: string, v: readonly number[], fill: number): Record<string, number> {
  const padded = [...Array<number>(MAX_RANK - v.length).fill(fill), ...v];
  return Object.fromEntries(padded.map((x, k) => [`${p}${k}`, x]));
}

/** Element strides of `shape` right-aligned to `rank` dims; 0 along the dims it broadcasts (size 1). */
function broadcastStrides(shape: Shape, rank: number): number[] {
  const padded = [...Array<number>(rank - shape.length).fill(1), ...shape];
  return stridesOf(padded).map((st, i) => (padded[i] === 1 ? 0 : st));
}

/** a ∘ b element-wise with NumPy broadcasting (any rank whose dims merge into at most 6 groups). */
export function launchBinary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const fn = `binary('${op}')`;
  const code = codeOf(BINARY_CODES, op);
  if (code === undefined) throw new Error(`webrnn: binary: unknown op '${op}'`);
  checkFloat(fn, a, 'a');
  checkFloat(fn, b, 'b');
  const shape = broadcastShapes(a.shape, b.shape);
  // Neighbouring dims that a and b both read contiguously, or both broadcast, index as one.
  const m = mergeDims(shape, [broadcastStrides(a.shape, shape.length), broadcastStrides(b.shape, shape.length)]);
  if (m.shape.length > MAX_RANK) {
    throw new Error(`webrnn: ${fn}: ${shapeStr(a.shape)} and ${shapeStr(b.shape)} broadcast in ${m.shape.length} separate dims; at most ${MAX_RANK}`);
  }
  const n = sizeOf(shape);
  // Same size as the result means same layout (broadcasting only repeats); size 1 is a scalar.
  const mode = (t: Tensor) => (t.size === n ? 0 : t.size === 1 ? 1 : 2);
  const out = Tensor.empty(shape, 'float32', a.storage.g);
  const dims = { n, ...fields('d', m.shape, 1), ...fields('sa', m.strides[0]!, 0), ...fields('sb', m.strides[1]!, 0) };
  recorder(a.storage.g).dispatch(
    binary, { a: a.buffer, b: b.buffer, out: out.buffer }, dims as Record<keyof typeof binary.dims, number>,
    { OP: code, A_MODE: mode(a), B_MODE: mode(b) },
  );
  return out;
}

/** Sums `dy` (shape of the broadcast result) back down to `shape` (for gradients of broadcast ops). */
export function launchSumToShape(dy: Tensor, shape: Shape): Tensor {
  checkFloat('sumToShape', dy, 'dy');
  const lead = dy.rank - shape.length;
  if (lead < 0 || !shape.every((d, i) => d === 1 || d === dy.shape[lead + i])) {
    throw new Error(`webrnn: sumToShape: ${shapeStr(shape)} does not broadcast to dy's shape ${shapeStr(dy.shape)}`);
  }
  // dy's dims, neighbours merged when both are kept or both summed; `shape` has stride 0 where summed.
  const m = mergeDims(dy.shape, [stridesOf(dy.shape), broadcastStrides(shape, dy.rank)]);
  if (m.shape.length > MAX_RANK) {
    throw new Error(`webrnn: sumToShape: ${shapeStr(dy.shape)} → ${shapeStr(shape)} splits into ${m.shape.length} alternating kept/summed dims; at most ${MAX_RANK}`);
  }
  const isSummed = m.strides[1]!.map((st) => st === 0);
  const kept = m.shape.map((d, i) => (isSummed[i] ? 1 : d));
  const summed = m.shape.map((d, i) => (isSummed[i] ? d : 1));
  const out = Tensor.empty(shape, 'float32', dy.storage.g);
  const n = sizeOf(shape);
  if (n === 0) return out; // (zero-size shapes also zero some strides: nothing to classify or sum)
  const dims = { n, m: sizeOf(summed), ...fields('k', kept, 1), ...fields('r', summed, 1), ...fields('s', m.strides[0]!, 0) };
  recorder(dy.storage.g).dispatch(
    sumToShape, { dy: dy.buffer, out: out.buffer }, dims as Record<keyof typeof sumToShape.dims, number>,
  );
  return out;
}
