// What an operator implementation sees: its node, its input values, the opset, and a way to move
// a host value to the GPU. Host helpers build results element by element from a multi-index
// (shape arithmetic is a handful of values; clarity over speed).
import type { Tensor } from '../../tensor/tensor.js';
import type { OnnxNode } from './graph.js';
import { broadcastShapes, dims, host, runFail, sizeOf, type Host, type Value } from './values.js';

export interface OpContext {
  node: OnnxNode;
  ins: (Value | undefined)[];
  opset: number;
  /** The value as a GPU tensor (host values are uploaded for this run). */
  gpu(v: Value, what: string): Tensor;
}
export type OpImpl = (c: OpContext) => (Value | undefined)[];

/** Input i, or a named error when it is missing. */
export function input(c: OpContext, i: number, what = `input ${i}`): Value {
  return c.ins[i] ?? runFail(`${c.node.label}: ${what} is missing`);
}

/** An axis in [−rank, rank) normalized to [0, rank). */
export function axisOf(c: OpContext, axis: number, rank: number): number {
  if (!(Number.isInteger(axis) && axis >= -rank && axis < rank)) runFail(`${c.node.label}: axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** A host value of `shape` whose element at multi-index idx is f(idx). */
export function build(dtype: Host['dtype'], shape: readonly number[], f: (idx: number[]) => number): Host {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    out[i] = f(idx);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return host(dtype, shape, out);
}

/** Element of h at multi-index idx. */
export function at(h: Host, idx: readonly number[]): number {
  const s = strides(h.shape);
  let o = 0;
  for (let k = 0; k < idx.length; k++) o += idx[k]! * s[k]!;
  return h.data[o]!;
}

/** Element of h at multi-index idx of a shape h broadcasts to (NumPy rules). */
export function atBroadcast(h: Host, idx: readonly number[]): number {
  const lead = idx.length - h.shape.length;
  return at(h, h.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]!)));
}

/** Element-wise f over broadcast host operands. */
export function hostMap(vs: readonly Host[], dtype: Host['dtype'], f: (...x: number[]) => number, what: string): Host {
  let shape: number[] | null = [];
  for (const v of vs) shape = shape && broadcastShapes(shape, v.shape);
  if (!shape) return runFail(`${what}: shapes ${vs.map((v) => dims(v.shape)).join(' and ')} do not broadcast`);
  return build(dtype, shape, (idx) => f(...vs.map((v) => atBroadcast(v, idx))));
}
