// Making tensors: from CPU data, constant fills on the GPU, and seeded random values.
import { recorder } from '../gpu/encoder.js';
import { fill } from '../kernels/fill.js';
import { checkOptions, type Spec } from '../util/options.js';
import { Random } from '../util/random.js';
import { checkAllocation, checkShape, type DType, type Shape, shapeStr, sizeOf, Tensor } from '../tensor/tensor.js';

/** Options of the tensor constructors: the element type (default 'float32') and whether backward() fills `.grad`. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];

const TENSOR_OPTIONS: Spec = { dtype: ['float32', 'int32'], requiresGrad: 'boolean' };
/** Random tensors are float32 only (as PyTorch's randn/rand refuse integer dtypes). */
const RANDOM_OPTIONS: Spec = { dtype: ['float32'], requiresGrad: 'boolean', seed: 'seed' };

/** A tensor from a typed array or (nested) number array; the shape is inferred when omitted. */
export function tensor(data: Float32Array | Int32Array | Nested, shape?: Shape, opts: TensorOptions = {}): Tensor {
  checkOptions('tensor', opts, TENSOR_OPTIONS);
  const inferred = shapeOf(data);
  const s = shape ?? inferred;
  checkShape(s);
  const dtype = opts.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  const flat = ArrayBuffer.isView(data) ? data : flatten(data);
  if (flat.length !== sizeOf(s)) {
    throw new Error(`webrnn: tensor(): ${flat.length} values do not fill shape ${shapeStr(s)} (${sizeOf(s)} elements)`);
  }
  const values = dtype === 'int32' ? toInt32(flat) : flat instanceof Float32Array ? flat : Float32Array.from(flat);
  const t = Tensor.empty(s, dtype);
  t.requiresGrad = opts.requiresGrad ?? false;
  recorder(t.storage.g).upload(t.buffer, 0, values);
  return t;
}

function toInt32(flat: ArrayLike<number>): Int32Array {
  if (flat instanceof Int32Array) return flat;
  const out = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (!Number.isInteger(v)) throw new Error(`webrnn: int32 tensor given a non-integer value ${v} at index ${i}`);
    out[i] = v;
  }
  return out;
}

function shapeOf(data: Float32Array | Int32Array | Nested): number[] {
  if (ArrayBuffer.isView(data)) return [data.length];
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] ?? 0;
  }
  return shape;
}

function flatten(data: Nested): number[] {
  if (typeof data === 'number') return [data];
  const out: number[] = [];
  const walk = (d: Nested, depth: number, shape: number[]) => {
    if (typeof d === 'number') {
      if (depth !== shape.length) throw new Error('webrnn: tensor(): ragged nested array');
      out.push(d);
      return;
    }
    if (d.length !== shape[depth]) throw new Error('webrnn: tensor(): ragged nested array');
    for (const x of d) walk(x, depth + 1, shape);
  };
  walk(data, 0, shapeOf(data));
  return out;
}

/** A tensor with every element equal to `value`, filled on the GPU: zeros (not −0) by a buffer
 *  clear and small tensors by an upload, which save a kernel launch (the dearest part of a small
 *  op on a software adapter), other values by the fill kernel. */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

/** Elements up to which full() uploads the values rather than launching the fill kernel. */
const UPLOAD_FILL = 4096;

function filled(where: string, shape: Shape, value: number, opts: TensorOptions): Tensor {
  checkOptions(where, opts, TENSOR_OPTIONS);
  checkAllocation(shape);
  if (opts.dtype === 'int32') {
    // As PyTorch, a value the dtype cannot hold is refused, not truncated or wrapped.
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new Error(`webrnn: ${where}(): value ${value} is not an int32`);
    return tensor(new Int32Array(sizeOf(shape)).fill(value), shape, opts);
  }
  const n = sizeOf(shape);
  if (!Object.is(value, 0) && n <= UPLOAD_FILL) return tensor(new Float32Array(n).fill(value), shape, opts);
  const t = Tensor.empty(shape, 'float32');
  t.requiresGrad = opts.requiresGrad ?? false;
  if (Object.is(value, 0)) recorder(t.storage.g).clear(t.buffer, 0, t.size * 4);
  else recorder(t.storage.g).dispatch(fill, { out: t.buffer }, { n: t.size, value });
  return t;
}

/** A tensor of `shape` filled with 0 on the GPU. */
export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => filled('zeros', shape, 0, opts);
/** A tensor of `shape` filled with 1 on the GPU. */
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => filled('ones', shape, 1, opts);

export interface RandomOptions extends TensorOptions {
  seed?: number;
}

const globalRandom = new Random(0x5eed);

/** Reseeds the generator used when no seed is given. */
export function manualSeed(seed: number): void {
  globalRandom.reseed(seed);
}

const rng = (seed?: number) => (seed === undefined ? globalRandom : new Random(seed));

/** Standard normal values (mean 0, std 1, times `std` plus `mean` when given). */
export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkOptions('randn', opts, { ...RANDOM_OPTIONS, mean: 'number', std: 'nonNegative' });
  checkAllocation(shape);
  const r = rng(opts.seed);
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = (opts.mean ?? 0) + (opts.std ?? 1) * r.normal();
  return tensor(v, shape, { requiresGrad: opts.requiresGrad });
}

/** Uniform values in [low, high) (default [0, 1)). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkOptions('rand', opts, { ...RANDOM_OPTIONS, low: 'number', high: 'number' });
  checkAllocation(shape);
  const r = rng(opts.seed);
  const lo = opts.low ?? 0;
  const hi = opts.high ?? 1;
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.uniform();
  return tensor(v, shape, { requiresGrad: opts.requiresGrad });
}
