// Weight files at the tensor level: named GPU tensors ↔ safetensors bytes (F32/I32), and files in
// Node. Everything is validated before any readback, upload or allocation.
import { gpu } from '../gpu/device.js';
import { tensor } from '../graph/create.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { checkTarget, readWeightBytes, writeWeightBytes, type WeightsSource } from './source.js';
import { checkMetadata, checkTensorName, decodeSafetensors, defineEntry, encodeSafetensors, type HostTensor, type SafetensorsLimits } from './safetensors.js';

/** Named tensors as a record, a Map, or [name, tensor] pairs. */
export type NamedTensors = Record<string, Tensor> | Map<string, Tensor> | Iterable<readonly [string, Tensor]>;

/** Anything with named tensors: a plain record, or a module with namedParameters()/stateDict(). */
export type Named =
  | Record<string, Tensor>
  | {
      /** Parameters by name (a module's state dict). */
      stateDict(): NamedTensors;
    }
  | {
      /** [name, parameter] pairs. */
      namedParameters(): NamedTensors;
    };

/** The [name, tensor] pairs of `src`, checked: tensors alive, names unique and allowed. */
function entriesOf(src: Named): [string, Tensor][] {
  const hasFn = (k: string) => typeof (src as Record<string, unknown>)[k] === 'function';
  const named: NamedTensors = hasFn('stateDict')
    ? (src as { stateDict(): NamedTensors }).stateDict()
    : hasFn('namedParameters')
      ? (src as { namedParameters(): NamedTensors }).namedParameters()
      : (src as Record<string, Tensor>);
  const pairs = Symbol.iterator in Object(named)
    ? [...(named as Iterable<readonly [string, Tensor]>)]
    : Object.entries(named as Record<string, Tensor>);
  const seen = new Set<string>();
  return pairs.map(([name, t]) => {
    if (typeof name !== 'string') throw new Error(`webrnn: saveSafetensors: tensor names must be strings, got ${String(name)}`);
    checkTensorName(name);
    if (seen.has(name)) throw new Error(`webrnn: saveSafetensors: the name '${name}' is used twice`);
    seen.add(name);
    if (!(t instanceof Tensor)) throw new Error(`webrnn: saveSafetensors: '${name}' is not a Tensor`);
    if (t.isDisposed) throw new Error(`webrnn: saveSafetensors: tensor '${name}' ${shapeStr(t.shape)} was disposed`);
    return [name, t];
  });
}

/** Reads the tensors back from the GPU and encodes them as safetensors bytes; with a `target`, also
 *  writes them there: a file path in Node (atomically: temp file in the same folder, fsync, rename),
 *  'indexeddb://name' (browser: replaces the entry in one transaction) or 'downloads://name'
 *  (browser: name.safetensors as a download). */
export async function saveSafetensors(src: Named, target?: string, metadata?: Record<string, string>): Promise<Uint8Array<ArrayBuffer>> {
  const entries = entriesOf(src);
  if (metadata !== undefined) checkMetadata(metadata);
  if (target !== undefined) checkTarget(target, 'saveSafetensors');
  const data = await Promise.all(entries.map(([, t]) => t.data()));
  const record: Record<string, HostTensor> = {};
  entries.forEach(([name, t], i) => defineEntry(record, name, { dtype: t.dtype, shape: [...t.shape], data: data[i]! }));
  const bytes = encodeSafetensors(record, metadata);
  if (target !== undefined) await writeWeightBytes(target, bytes, 'saveSafetensors');
  return bytes;
}

/** Decodes safetensors into a record of new GPU tensors, from bytes (Uint8Array, ArrayBuffer), a
 *  Blob or File, a URL (fetched; in the browser a string is a URL relative to the page), a file
 *  path (Node) or 'indexeddb://name'. `limits` caps the tensor count and header size (see SafetensorsLimits). */
export async function loadSafetensors(src: WeightsSource, limits?: SafetensorsLimits): Promise<Record<string, Tensor>> {
  return (await loadSafetensorsFile(src, limits)).tensors;
}

/** Like loadSafetensors, and also returns the file's string metadata. */
export async function loadSafetensorsFile(
  src: WeightsSource,
  limits?: SafetensorsLimits,
): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  const file = decodeSafetensors(await readWeightBytes(src, 'loadSafetensors'), limits);
  const limit = gpu().limits.maxStorageBufferBindingSize;
  const host = Object.entries(file.tensors);
  for (const [name, h] of host) {
    if (h.data.byteLength > limit) {
      throw new Error(`webrnn: loadSafetensors: tensor '${name}' ${shapeStr(h.shape)} has ${h.data.byteLength} bytes, over this adapter's maxStorageBufferBindingSize (${limit})`);
    }
  }
  const tensors: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const [name, h] of host) {
      const t = tensor(h.data, h.shape, { dtype: h.dtype });
      made.push(t);
      defineEntry(tensors, name, t);
    }
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  return { tensors, metadata: file.metadata };
}
