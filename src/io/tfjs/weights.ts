// Weight shards of a TF.js weights manifest → named float32 arrays on the host. Each group's shards
// are one byte stream cut anywhere; its weights follow each other in it. Stored dtypes: float32,
// and the quantized forms of the format (uint8/uint16: value = q·scale + min; float16).
import { fail, type ManifestGroup, type WeightSpec } from './format.js';
import { halfToFloat } from '../half.js';

export interface HostWeight {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

/** The stored dtype of one manifest entry (after quantization), checked. */
function storedDtype(w: WeightSpec): string {
  if (w.dtype !== 'float32') fail(`weight '${w.name}' has dtype '${w.dtype}'; layer weights must be float32`);
  const q = w.quantization;
  if (!q) return 'float32';
  if (!(q.dtype in BYTES) || q.dtype === 'float32') fail(`weight '${w.name}' has quantization dtype '${q.dtype}' (uint8, uint16 or float16)`);
  if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) fail(`weight '${w.name}' is quantized to ${q.dtype} without a finite scale and min`);
  return q.dtype;
}

function decode(w: WeightSpec, bytes: Uint8Array, dtype: string): Float32Array {
  const n = bytes.length / BYTES[dtype]!;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { scale = 1, min = 0 } = w.quantization ?? {};
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') out[i] = view.getFloat32(4 * i, true);
    else if (dtype === 'uint8') out[i] = bytes[i]! * scale + min;
    else if (dtype === 'uint16') out[i] = view.getUint16(2 * i, true) * scale + min;
    else out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/** Every path the manifest needs, in order. */
export const manifestPaths = (groups: ManifestGroup[]): string[] => groups.flatMap((g) => g.paths);

/** The bytes a manifest group's weights take in its shards. */
export const groupBytes = (g: ManifestGroup): number => g.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * BYTES[storedDtype(w)]!, 0);

/** Decodes every weight of the manifest from its shards (by path); checks that each group's shards
 *  hold exactly its weights' bytes. */
export function decodeWeights(groups: ManifestGroup[], shards: ReadonlyMap<string, Uint8Array>): Map<string, HostWeight> {
  const out = new Map<string, HostWeight>();
  for (const g of groups) {
    const parts = g.paths.map((p) => shards.get(p) ?? fail(`weight shard '${p}' is missing`));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const need = groupBytes(g);
    if (total !== need) {
      fail(`the shards ${g.paths.map((p) => `'${p}'`).join(', ')} hold ${total} bytes, their manifest entries need ${need} (truncated or mismatched shards)`);
    }
    const stream = parts.length === 1 ? parts[0]! : new Uint8Array(total);
    if (parts.length > 1) {
      let o = 0;
      for (const p of parts) {
        stream.set(p, o);
        o += p.length;
      }
    }
    let at = 0;
    for (const w of g.weights) {
      const dtype = storedDtype(w);
      const len = w.shape.reduce((a, b) => a * b, 1) * BYTES[dtype]!;
      if (out.has(w.name)) fail(`weight '${w.name}' appears twice in the manifest`);
      out.set(w.name, { shape: [...w.shape], data: decode(w, stream.subarray(at, at + len), dtype) });
      at += len;
    }
  }
  return out;
}
