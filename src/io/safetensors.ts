// safetensors, the weight-file format of PyTorch and Hugging Face: a u64 little-endian header
// length N, N bytes of UTF-8 JSON { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ },
// then the tensors' bytes (row-major, little-endian; offsets count from the end of the header).
import { halfToFloat } from './half.js';

/** A tensor on the CPU, in one of webrnn's dtypes. */
export interface HostTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** The tensors and the string metadata of one file. */
export interface SafetensorsFile {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
}

/** File dtypes webrnn reads: element size, and the dtype they load as. It writes only F32 and I32. */
const FILE_DTYPES = {
  F32: { size: 4, as: 'float32' },
  F16: { size: 2, as: 'float32' },
  BF16: { size: 2, as: 'float32' },
  F64: { size: 8, as: 'float32' },
  I32: { size: 4, as: 'int32' },
  I64: { size: 8, as: 'int32' },
} as const;
type FileDType = keyof typeof FILE_DTYPES;

const METADATA = '__metadata__';

/** Caps on what a file may ask for, checked before anything is allocated: a header listing
 *  100,000 empty tensors would otherwise make 100,000 GPU buffers. */
export interface SafetensorsLimits {
  /** Most tensors a file may hold (default 10,000). */
  maxTensors?: number;
  /** Largest header, in bytes (default 16 MiB, about 150,000 entries; the reference
   *  implementation's own cap is 100 MB). */
  maxHeaderBytes?: number;
}

/** The caps decodeSafetensors applies unless told otherwise: 10,000 tensors and a 16 MiB header. */
export const DEFAULT_SAFETENSORS_LIMITS: Readonly<Required<SafetensorsLimits>> = Object.freeze({
  maxTensors: 10_000,
  maxHeaderBytes: 16 * 2 ** 20,
});

/** The limits with defaults filled in; each must be a positive integer. */
function resolveLimits(limits: SafetensorsLimits): Required<SafetensorsLimits> {
  if (!isObject(limits)) fail(`limits must be an object { maxTensors, maxHeaderBytes }, got ${describe(limits)}`);
  const out = { ...DEFAULT_SAFETENSORS_LIMITS };
  for (const [k, v] of Object.entries(limits) as [string, unknown][]) {
    if (!Object.hasOwn(DEFAULT_SAFETENSORS_LIMITS, k)) fail(`unknown limit '${k}' (known: ${Object.keys(DEFAULT_SAFETENSORS_LIMITS).join(', ')})`);
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 1) fail(`limit ${k} = ${describe(v)} must be a positive integer`);
    out[k as keyof SafetensorsLimits] = v as number;
  }
  return out;
}
// Typed arrays use the platform's byte order and the format is little-endian; so is WebGPU's
// buffer layout, so webrnn as a whole assumes a little-endian host.
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function fail(msg: string): never {
  throw new Error(`webrnn: safetensors: ${msg}`);
}

/** A short JSON rendering of a header value for error messages. */
function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own property, so that names such as "__proto__" stay ordinary keys. */
export function defineEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Throws unless `name` can name a tensor in a file. */
export function checkTensorName(name: string): void {
  if (name === METADATA) fail(`'${METADATA}' is reserved for the metadata and cannot name a tensor`);
}

/** Throws unless `metadata` maps strings to strings (the only metadata the format allows). */
export function checkMetadata(metadata: unknown): asserts metadata is Record<string, string> {
  if (!isObject(metadata)) fail(`${METADATA} must be an object of strings, got ${describe(metadata)}`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`${METADATA} values must be strings; '${k}' is ${describe(v)}`);
  }
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** UTF-8 byte order (= code point order), as the reference implementation sorts names. */
function byUtf8(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

function checkHostTensor(name: string, t: HostTensor): void {
  checkTensorName(name);
  const where = `tensor '${name}'`;
  if (!isObject(t)) fail(`${where} is not a { dtype, shape, data } object`);
  const ctor = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : fail(`${where}: dtype must be 'float32' or 'int32', got ${describe(t.dtype)}`);
  if (!(t.data instanceof ctor)) fail(`${where}: ${t.dtype} data must be a ${ctor.name}, got ${describe(t.data?.constructor?.name)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${where}: shape must be non-negative integers, got ${describe(t.shape)}`);
  }
  if (sizeOf(t.shape) !== t.data.length) fail(`${where}: shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)} values, data has ${t.data.length}`);
}

/** Encodes tensors into a safetensors file: names sorted, header space-padded to a multiple of 8. */
export function encodeSafetensors(record: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  if (!LITTLE_ENDIAN) fail('this platform is big-endian; webrnn needs a little-endian host');
  if (!isObject(record)) fail(`expected a record of tensors, got ${describe(record)}`);
  const names = Object.keys(record).sort(byUtf8);
  const fields: string[] = [];
  if (metadata !== undefined) {
    checkMetadata(metadata);
    const keys = Object.keys(metadata).sort(byUtf8);
    if (keys.length) fields.push(`"${METADATA}":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = record[name]!;
    checkHostTensor(name, t);
    const info = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8; // the data then starts 8-byte aligned
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    const { data } = record[name]!;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Decodes and fully validates a safetensors file; F16/BF16/F64 load as float32, I64 as int32. */
export function decodeSafetensors(bytes: Uint8Array, limits: SafetensorsLimits = {}): SafetensorsFile {
  if (!LITTLE_ENDIAN) fail('this platform is big-endian; webrnn needs a little-endian host');
  const { maxTensors, maxHeaderBytes } = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${describe(bytes)}`);
  // A plain view: subarray/slice of a Node Buffer would behave differently (Buffer.slice shares).
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (u8.length < 8) fail(`the file is ${u8.length} bytes, too short to hold the 8-byte header length`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > u8.length - 8) fail(`the header length ${n} runs past the end of the file (${u8.length} bytes; truncated?)`);
  if (n > maxHeaderBytes) fail(`the header length ${n} exceeds the limit of ${maxHeaderBytes} bytes (limits.maxHeaderBytes)`);
  const header = parseHeader(u8.subarray(8, 8 + n));
  const count = Object.keys(header).length - (Object.hasOwn(header, METADATA) ? 1 : 0);
  if (count > maxTensors) fail(`the header lists ${count} tensors, more than the limit of ${maxTensors} (limits.maxTensors)`);
  const start = 8 + n;
  const bufferLength = u8.length - start;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA) {
      checkMetadata(info);
      for (const [k, v] of Object.entries(info)) defineEntry(metadata, k, v);
    } else {
      entries.push(readEntry(name, info));
    }
  }
  checkLayout(entries, bufferLength);
  const tensors: Record<string, HostTensor> = {};
  for (const e of entries) {
    const raw = u8.slice(start + e.begin, start + e.end); // an aligned copy of its own
    const data = convert(e, raw);
    defineEntry(tensors, e.name, { dtype: FILE_DTYPES[e.dtype].as, shape: e.shape, data });
  }
  return { tensors, metadata };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail(`the header must be a JSON object, got ${describe(header)}`);
  const dup = findDuplicateKey(text);
  if (dup !== null) fail(`the header has the key ${describe(dup)} twice`);
  return header;
}

/** JSON.parse silently keeps the last of two equal keys, so look for them in the (valid) text. */
function findDuplicateKey(text: string): string | null {
  const stack: (Set<string> | null)[] = []; // one key set per open object, null per array
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (text[k] === ' ' || text[k] === '\t' || text[k] === '\n' || text[k] === '\r') k++;
      const keys = stack[stack.length - 1];
      if (keys && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    }
  }
  return null;
}

function readEntry(name: string, info: unknown): Entry {
  const where = `tensor '${name}'`;
  if (!isObject(info)) fail(`${where}: its header entry must be an object, got ${describe(info)}`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !Object.hasOwn(FILE_DTYPES, dtype)) {
    fail(`${where}: unsupported dtype ${describe(dtype)} (webrnn reads ${Object.keys(FILE_DTYPES).join(', ')})`);
  }
  const isIndex = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`${where}: shape must be a list of non-negative integers, got ${describe(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    fail(`${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${describe(offsets)}`);
  }
  const bytes = sizeOf(shape) * FILE_DTYPES[dtype as FileDType].size;
  const [begin, end] = offsets as [number, number];
  if (end - begin !== bytes) {
    fail(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${bytes}`);
  }
  return { name, dtype: dtype as FileDType, shape: shape as number[], begin, end };
}

/** The tensors must tile the data buffer exactly: no gap, no overlap, nothing after the last. */
function checkLayout(entries: Entry[], bufferLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: Entry | null = null;
  for (const e of sorted) {
    if (e.begin > expected) fail(`bytes [${expected}, ${e.begin}) of the data belong to no tensor (a gap before tensor '${e.name}')`);
    if (e.begin < expected) fail(`tensor '${e.name}' [${e.begin}, ${e.end}) overlaps tensor '${prev!.name}' [${prev!.begin}, ${prev!.end})`);
    expected = e.end;
    prev = e;
  }
  if (expected > bufferLength) {
    fail(`tensor '${prev!.name}' ends at byte ${expected} of the data, but the file holds ${bufferLength} bytes after the header (truncated?)`);
  }
  if (expected < bufferLength) fail(`${bufferLength - expected} trailing bytes after the last tensor's data`);
}

/** Reinterprets or converts one tensor's bytes (little-endian, checked above) to webrnn's dtypes. */
function convert(e: Entry, raw: Uint8Array): Float32Array | Int32Array {
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(raw.buffer);
    case 'I32':
      return new Int32Array(raw.buffer);
    case 'F64':
      return Float32Array.from(new Float64Array(raw.buffer)); // rounds to nearest; overflow → ±Inf
    case 'F16':
      return Float32Array.from(new Uint16Array(raw.buffer), halfToFloat);
    case 'BF16': {
      // bfloat16 is the top half of a float32: shifting keeps every bit, NaN payloads included.
      const h = new Uint16Array(raw.buffer);
      const bits = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) bits[i] = h[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const w = new Uint32Array(raw.buffer); // [lo, hi] words per value
      const out = new Int32Array(w.length / 2);
      for (let i = 0; i < out.length; i++) {
        const lo = w[2 * i]!;
        const hi = w[2 * i + 1]!;
        // It fits in int32 iff hi is the sign extension of lo's top bit.
        if (hi !== (lo >= 2 ** 31 ? 0xffffffff : 0)) {
          const value = (BigInt(hi) << 32n) | BigInt(lo);
          fail(`tensor '${e.name}': I64 value ${BigInt.asIntN(64, value)} at index ${i} does not fit in int32`);
        }
        out[i] = lo | 0;
      }
      return out;
    }
  }
}
