// The values an ONNX graph passes between nodes. Float data that the model computes with lives on
// the GPU as webrnn tensors; integer and boolean data (shapes, axes, indices, sequence lengths)
// and constants stay on the host as Host values, so that an export's shape arithmetic (Shape →
// Gather → Concat → Reshape) runs on the CPU from the static shapes, without a read-back.
import { DataType, type TensorProto } from './proto.js';
import { tensor } from '../../graph/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { halfToFloat } from '../half.js';

/** Host data: int covers every ONNX integer type (int64 exact up to 2^53), float is float32. */
export interface Host {
  readonly dtype: 'float' | 'int' | 'bool';
  readonly shape: number[];
  readonly data: Float64Array;
}
export type Value = Host | Tensor;

export const fail = (msg: string): never => {
  throw new Error(`webrnn: loadOnnx: ${msg}`);
};

/** Errors found while running a graph (its shapes are known only then). */
export const runFail = (msg: string): never => {
  throw new Error(`webrnn: onnx: ${msg}`);
};

export const isHost = (v: Value): v is Host => !(v instanceof Tensor);
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const shapeOf = (v: Value): number[] => [...v.shape];
export const dims = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function host(dtype: Host['dtype'], shape: readonly number[], data: ArrayLike<number>): Host {
  const d = Float64Array.from(data as ArrayLike<number>);
  if (dtype === 'float') for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]!);
  return { dtype, shape: [...shape], data: d };
}

/** The dtype class of an ONNX element type, or null for those webrnn does not take. */
export function dtypeOf(t: number): Host['dtype'] | null {
  if (t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16) return 'float';
  if (t === DataType.BOOL) return 'bool';
  if ([DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.INT32, DataType.INT64, DataType.UINT32, DataType.UINT64].includes(t as never)) return 'int';
  return null;
}

const BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };

/** Reads little-endian raw_data of element type `t`. */
function fromRaw(t: number, raw: Uint8Array, n: number): Float64Array {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * BYTES[t]!;
    out[i] = t === 1 ? v.getFloat32(o, true) : t === 2 || t === 9 ? v.getUint8(o) : t === 3 ? v.getInt8(o)
      : t === 4 ? v.getUint16(o, true) : t === 5 ? v.getInt16(o, true) : t === 6 ? v.getInt32(o, true)
      : t === 7 ? Number(v.getBigInt64(o, true)) : t === 10 ? halfToFloat(v.getUint16(o, true)) : t === 11 ? v.getFloat64(o, true)
      : t === 12 ? v.getUint32(o, true) : Number(v.getBigUint64(o, true));
  }
  return out;
}

/** A TensorProto as a Host value, its data checked against its dims. `what` names it in errors. */
export function fromProto(p: TensorProto, what: string): Host {
  const shape = (p.dims ?? []).map(Number);
  const t = p.dataType ?? 0;
  const dtype = dtypeOf(t);
  if (!dtype) fail(`${what} has element type ${t}, which webrnn does not take (float, double, float16, integer and bool types)`);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${what} has dims ${dims(shape)}`);
  if (p.dataLocation === 1 || p.externalData?.length) fail(`${what} keeps its data in an external file; pass a model with its weights inside (onnx.save_model(..., save_as_external_data=False))`);
  const n = sizeOf(shape);
  let data: ArrayLike<number>;
  if (p.rawData && p.rawData.length) {
    const need = n * BYTES[t]!;
    if (p.rawData.length !== need) fail(`${what}: raw_data holds ${p.rawData.length} bytes, its dims ${dims(shape)} need ${need}`);
    data = fromRaw(t, p.rawData, n);
  } else {
    const field = t === 1 ? p.floatData : t === 7 ? p.int64Data : t === 11 ? p.doubleData : t === 12 || t === 13 ? p.uint64Data : p.int32Data;
    data = t === 10 ? (field ?? []).map(halfToFloat) : field ?? [];
    if (data.length !== n) fail(`${what} holds ${data.length} values, its dims ${dims(shape)} need ${n}`);
  }
  return host(dtype!, shape, data);
}

/** A host value as GPU data: float32, or int32 for integers and booleans. */
export function upload(h: Host): Tensor {
  return tensor(h.dtype === 'float' ? Float32Array.from(h.data) : Int32Array.from(h.data), h.shape);
}

/** The NumPy broadcast of shapes, or null where they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Integers of a host value (axes, shapes, indices); `what` names it in errors. */
export function ints(v: Value | undefined, what: string): number[] {
  if (v === undefined) return runFail(`${what} is missing`);
  if (!isHost(v)) return runFail(`${what} must be known on the host (a constant, an initializer, a Shape or an integer input), not computed on the GPU`);
  if (v.dtype === 'float') return runFail(`${what} must hold integers`);
  return [...v.data];
}
