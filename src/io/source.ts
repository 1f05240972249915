// Where saved bytes come from and go to, for every loader and saver: bytes in memory, a Blob or
// File, a URL (fetch: http(s), blob:, data:, and in the browser any address relative to the page),
// a file path or file:// URL in Node, and 'indexeddb://name' / 'downloads://name' (browser_storage.ts).
import { loadFromStorage, saveToStorage, storageScheme, type StoredData } from './browser_storage.js';
import { isNode, readFileBytes, writeFileAtomic } from './fs.js';

/** What the weight loaders read: bytes, a Blob or File, a URL, a file path (Node) or 'indexeddb://name'. */
export type WeightsSource = Uint8Array | ArrayBuffer | Blob | URL | string;

/** True for addresses fetch() reads everywhere (Node and browsers). */
export const isFetchUrl = (s: string): boolean => /^(https?|blob|data):/i.test(s);

const fail = (where: string, msg: string): never => {
  throw new Error(`webrnn: ${where}: ${msg}`);
};

/** The bytes at `url`, with an error that names the address and the HTTP status. */
export async function fetchBytes(url: string, where: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    return fail(where, `cannot fetch '${url}': ${(e as Error).message}`);
  }
  if (!res.ok) fail(where, `fetching '${url}' gave HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A string or URL as what it addresses: a Node file path, or a URL to fetch (browser strings are
 *  URLs relative to the page, as in TF.js). */
export function locate(src: string | URL): { path: string } | { url: string } {
  const s = String(src);
  if (s.toLowerCase().startsWith('file:')) return { path: decodeURIComponent(new URL(s).pathname) };
  if (isFetchUrl(s) || !isNode()) return { url: s };
  return { path: s };
}

/** Reads a whole path or URL (see locate). */
export async function readAddress(src: string | URL, where: string): Promise<Uint8Array> {
  const at = locate(src);
  if ('url' in at) return fetchBytes(at.url, where);
  return readFileBytes(at.path).catch((e: Error) => fail(where, `cannot read '${at.path}': ${e.message}`));
}

/** The bytes of any WeightsSource; an 'indexeddb://' entry must hold safetensors bytes. */
export async function readWeightBytes(src: WeightsSource, where: string): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (typeof Blob !== 'undefined' && src instanceof Blob) return new Uint8Array(await src.arrayBuffer());
  if (typeof src === 'string' && storageScheme(src)) {
    const entry = await loadFromStorage(src, where);
    if (entry.format !== 'safetensors') fail(where, `'${src}' holds a TF.js layers model, not safetensors weights: load it with loadLayersModel`);
    return (entry as Extract<StoredData, { format: 'safetensors' }>).bytes;
  }
  if (typeof src === 'string' || src instanceof URL) return readAddress(src, where);
  return fail(where, `expected a Uint8Array, ArrayBuffer, Blob, URL, file path or 'indexeddb://name', got ${Object.prototype.toString.call(src)}`);
}

/** Writes safetensors bytes to `target`: 'indexeddb://name', 'downloads://name', or (Node) a file
 *  path, atomically. Checked before the caller reads anything back from the GPU (see checkTarget). */
export async function writeWeightBytes(target: string, bytes: Uint8Array, where: string): Promise<void> {
  if (storageScheme(target)) await saveToStorage(target, { format: 'safetensors', bytes }, where);
  else await writeFileAtomic(target, bytes);
}

/** Throws unless `target` can be written here: a storage address anywhere, a path only in Node. */
export function checkTarget(target: unknown, where: string): asserts target is string {
  if (typeof target !== 'string' || target === '') return fail(where, `the target must be a file path, 'indexeddb://name' or 'downloads://name', got ${String(target)}`);
  if (storageScheme(target)) return;
  if (isFetchUrl(target)) fail(where, `cannot save to the URL '${target}' (webrnn does not upload); save to a path, 'indexeddb://name' or 'downloads://name'`);
  if (!isNode()) fail(where, `writing to a path ('${target}') works only in Node; in the browser save to 'indexeddb://name' or 'downloads://name', or use the returned bytes`);
}
