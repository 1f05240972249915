// Safetensors files for the io tests: host tensors, a hand-made file as another writer might
// write it, a sample record with special values and empty shapes, and bit-exact file equality.
import type { HostTensor, SafetensorsFile } from '../../src/io/safetensors.js';
import { Random } from '../../src/util/random.js';

export const f32 = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
export const i32 = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });
export const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file as another writer might make it: `header` verbatim, optionally unpadded. */
export function handFile(header: unknown, data: ArrayLike<number> | ArrayBufferView = [], pad = true): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
  const json = new TextEncoder().encode(text);
  const body = ArrayBuffer.isView(data) ? bytesOf(data) : Uint8Array.from(data);
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

export function sameFile(a: SafetensorsFile, b: SafetensorsFile): boolean {
  const ka = Object.keys(a.tensors).sort();
  const kb = Object.keys(b.tensors).sort();
  const meta = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  if (JSON.stringify(ka) !== JSON.stringify(kb) || meta(a.metadata) !== meta(b.metadata)) return false;
  return ka.every((k) => {
    const x = a.tensors[k]!;
    const y = b.tensors[k]!;
    return x.dtype === y.dtype && JSON.stringify(x.shape) === JSON.stringify(y.shape) &&
      Buffer.from(bytesOf(x.data)).equals(Buffer.from(bytesOf(y.data)));
  });
}

// Special values whose bits must survive: NaN, ±Inf, -0, the smallest subnormal, the largest float.
export const SPECIAL = [NaN, Infinity, -Infinity, -0, 1.4e-45, 3.4028234663852886e38];

export function sample(): Record<string, HostTensor> {
  const r = new Random(11);
  return {
    'layer.weight': f32([2, 3], Array.from({ length: 6 }, () => r.normal())),
    special: f32([6], SPECIAL),
    scalar: f32([], [2.5]),
    empty: f32([0], []),
    'empty.3d': i32([2, 0, 3], []),
    ids: i32([4], [-2147483648, -1, 0, 2147483647]),
  };
}
