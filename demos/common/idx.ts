// IDX files, the format of MNIST and Fashion-MNIST: magic 0x0000 | type | ndims, then ndims
// big-endian u32 dims, then the values row-major. The demos read unsigned bytes: labels
// 0x00000801 [n], images 0x00000803 [n, rows, cols]. Gzipped files are recognised by 1f 8b.
import type { ImageDataset, ImageSet } from './mnist.js';

/** An unsigned-byte IDX array: its dims and values (row-major). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const TYPES: Record<number, string> = { 0x08: 'u8', 0x09: 'i8', 0x0b: 'i16', 0x0c: 'i32', 0x0d: 'f32', 0x0e: 'f64' };

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;
const hex = (b: Uint8Array) => `0x${Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join('')}`;

/** Parses an uncompressed unsigned-byte IDX file; `name` labels the errors. */
export function decodeIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new Error(`idx: ${name}: ${bytes.length} bytes, too short for the 4-byte magic number`);
  const [z0, z1, type, ndims] = bytes as unknown as [number, number, number, number];
  if (z0 !== 0 || z1 !== 0 || !(type in TYPES) || ndims === 0) {
    throw new Error(`idx: ${name}: wrong magic number ${hex(bytes)}, not an IDX file (labels start 0x00000801, images 0x00000803)`);
  }
  if (type !== 0x08) throw new Error(`idx: ${name}: element type ${TYPES[type]} (magic ${hex(bytes)}) is not supported, only unsigned bytes (0x08)`);
  const start = 4 + 4 * ndims;
  if (bytes.length < start) throw new Error(`idx: ${name}: truncated: ${ndims} dims need a ${start}-byte header, the file has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - start;
  if (have < count) throw new Error(`idx: ${name}: truncated: dims [${shape.join(', ')}] need ${count} bytes of data, the file has ${have}`);
  if (have > count) throw new Error(`idx: ${name}: dims [${shape.join(', ')}] need ${count} bytes of data, but the file has ${have} (${have - count} too many)`);
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, count) };
}

/** True for gzip data (magic 1f 8b). */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Decompresses gzip data: node:zlib in Node, DecompressionStream in the browser. */
export async function gunzip(bytes: Uint8Array, name = 'file'): Promise<Uint8Array> {
  try {
    if (isNode()) {
      const zlib = 'node:zlib'; // a variable keeps browser bundlers from resolving it
      const { gunzipSync } = (await import(/* @vite-ignore */ zlib)) as { gunzipSync(b: Uint8Array): Uint8Array };
      return gunzipSync(bytes);
    }
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`idx: ${name}: not a valid gzip stream (${(e as Error).message})`);
  }
}

/** Parses an IDX file, gzipped or not. */
export async function parseIdx(bytes: Uint8Array, name = 'IDX file'): Promise<IdxArray> {
  return decodeIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}

/** Pairs an images file [n, rows, cols] with a labels file [n]; pixels are scaled to [0, 1]. */
export function toImageSet(images: IdxArray, labels: IdxArray, what = 'dataset'): ImageSet {
  if (images.shape.length !== 3) throw new Error(`idx: ${what}: images must be [n, rows, cols], got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1) throw new Error(`idx: ${what}: labels must be [n], got [${labels.shape.join(', ')}]`);
  const [n, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new Error(`idx: ${what}: ${n} images but ${labels.shape[0]} labels`);
  return { images: Float32Array.from(images.data, (b) => b / 255), labels: Int32Array.from(labels.data), shape: [n, rows, cols] };
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** Loads MNIST or Fashion-MNIST from its four standard files (each plain or .gz): a folder in Node, a base URL in the browser. */
export async function loadIdxDataset(dir: string): Promise<ImageDataset> {
  const load = async (base: string) => parseIdx(await readEither(dir, base), base);
  const split = async (s: keyof typeof FILES) => toImageSet(await load(FILES[s][0]), await load(FILES[s][1]), `${dir} ${s}`);
  return { train: await split('train'), test: await split('test') };
}

/** The bytes of `dir/base` or else `dir/base.gz`. */
async function readEither(dir: string, base: string): Promise<Uint8Array> {
  const root = dir.replace(/[/\\]+$/, '');
  for (const name of [base, `${base}.gz`]) {
    const bytes = isNode() ? await readNode(`${root}/${name}`) : await readUrl(`${root}/${name}`);
    if (bytes) return bytes;
  }
  throw new Error(`idx: ${dir}: neither ${base} nor ${base}.gz found`);
}

async function readNode(path: string): Promise<Uint8Array | null> {
  const fs = 'node:fs/promises';
  const { readFile } = (await import(/* @vite-ignore */ fs)) as { readFile(p: string): Promise<Uint8Array> };
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
}

async function readUrl(url: string): Promise<Uint8Array | null> {
  const r = await fetch(url);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`idx: fetching ${url} failed: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
