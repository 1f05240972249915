// safetensors encode/decode (no GPU): round trips, the byte layout checked by hand and by an
// independent minimal reader, files from other writers (F16/BF16/F64/I64, unpadded headers),
// every validation error, and a seeded fuzz of corrupted files.
import { describe, expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type HostTensor, type SafetensorsFile } from '../../src/io/safetensors.js';
import { Random } from '../../src/util/random.js';

const f32 = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const i32 = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file as another writer might make it: `header` verbatim, optionally unpadded. */
function handFile(header: unknown, data: ArrayLike<number> | ArrayBufferView = [], pad = true): Uint8Array {
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

/** A third-party reader written from the format description alone: DataView and JSON.parse. */
function thirdPartyRead(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any>;
  const values: Record<string, number[]> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets as [number, number];
    const v: number[] = [];
    for (let at = 8 + n + begin; at < 8 + n + end; at += 4) v.push(info.dtype === 'F32' ? dv.getFloat32(at, true) : dv.getInt32(at, true));
    values[name] = v;
  }
  return { n, header, values };
}

function sameFile(a: SafetensorsFile, b: SafetensorsFile): boolean {
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
const SPECIAL = [NaN, Infinity, -Infinity, -0, 1.4e-45, 3.4028234663852886e38];

function sample(): Record<string, HostTensor> {
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

describe('safetensors round trip', () => {
  test('float32 and int32 tensors, scalars, empty shapes and metadata come back bit for bit', () => {
    const rec = sample();
    const meta = { format: 'pt', note: 'ünïcode ✓' };
    const file = decodeSafetensors(encodeSafetensors(rec, meta));
    expect(file.metadata).toEqual(meta);
    expect(sameFile(file, { tensors: rec, metadata: meta })).toBe(true);
    expect(file.tensors.scalar!.shape).toEqual([]);
    expect(file.tensors['empty.3d']).toMatchObject({ dtype: 'int32', shape: [2, 0, 3] });
  });

  test('the bytes follow the format: u64 LE length, padded JSON, contiguous sorted offsets, LE data', () => {
    const rec = sample();
    const bytes = encodeSafetensors(rec, { format: 'pt' });
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(4, true)).toBe(0); // high word of the u64
    const n = dv.getUint32(0, true);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith('{')).toBe(true);
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(text.length - text.trimEnd().length).toBeLessThan(8); // only the alignment padding
    const header = JSON.parse(text);
    const names = Object.keys(header);
    expect(names[0]).toBe('__metadata__');
    expect(names.slice(1)).toEqual(['empty', 'empty.3d', 'ids', 'layer.weight', 'scalar', 'special']);
    let offset = 0;
    for (const name of names.slice(1)) {
      const info = header[name];
      expect(Object.keys(info).sort()).toEqual(['data_offsets', 'dtype', 'shape']);
      expect(info.dtype).toBe(rec[name]!.dtype === 'float32' ? 'F32' : 'I32');
      expect(info.shape).toEqual(rec[name]!.shape);
      expect(info.data_offsets).toEqual([offset, offset + 4 * rec[name]!.data.length]);
      offset = info.data_offsets[1];
    }
    expect(8 + n + offset).toBe(bytes.length);
    const third = thirdPartyRead(bytes);
    for (const name of names.slice(1)) expect(third.values[name]).toEqual(Array.from(rec[name]!.data));
    expect(third.header.__metadata__).toEqual({ format: 'pt' });
  });

  test('output is deterministic: the insertion order of names does not matter', () => {
    const rec = sample();
    const reversed = Object.fromEntries(Object.entries(rec).reverse());
    expect(Buffer.from(encodeSafetensors(reversed)).equals(Buffer.from(encodeSafetensors(rec)))).toBe(true);
  });

  test('names are ordinary keys, __proto__ and unicode included; no metadata gives {}', () => {
    const rec: Record<string, HostTensor> = {};
    for (const name of ['__proto__', 'constructor', 'ζ', '😀', '']) Object.defineProperty(rec, name, { value: f32([1], [name.length]), enumerable: true });
    const file = decodeSafetensors(encodeSafetensors(rec));
    expect(Object.hasOwn(file.tensors, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(file.tensors)).toBe(Object.prototype);
    expect(Object.keys(file.tensors).sort()).toEqual(Object.keys(rec).sort());
    expect(file.metadata).toEqual({});
    expect(thirdPartyRead(encodeSafetensors(rec, {})).header).not.toHaveProperty('__metadata__');
  });
});

describe('files from other writers', () => {
  test('an unpadded header (data not 8-byte aligned) decodes', () => {
    const bytes = handFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Float32Array.of(1.5, -2), false);
    expect((bytes.length - 8 - 8) % 8).not.toBe(0);
    expect(Array.from(decodeSafetensors(bytes).tensors.a!.data)).toEqual([1.5, -2]);
  });

  test('F16 converts to float32 exactly (normals, subnormals, ±0, ±Inf, NaN)', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const want = [1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, -0, Infinity, -Infinity, NaN];
    const t = decodeSafetensors(handFile({ h: { dtype: 'F16', shape: [10], data_offsets: [0, 20] } }, Uint16Array.from(bits))).tensors.h!;
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual(want);
    expect(Object.is(t.data[6], -0)).toBe(true);
  });

  test('BF16 is the top half of a float32', () => {
    const t = decodeSafetensors(handFile({ b: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] } }, Uint16Array.of(0x3f80, 0xc049, 0x7f80, 0x0001))).tensors.b!;
    expect(t).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(Array.from(t.data)).toEqual([1, -3.140625, Infinity, 2 ** -133]);
  });

  test('F64 rounds to float32 (overflow → Inf, underflow → 0)', () => {
    const v = [0.1, 1e300, -1e-300, 2 ** -140, -123456789.123];
    const t = decodeSafetensors(handFile({ d: { dtype: 'F64', shape: [5], data_offsets: [0, 40] } }, Float64Array.from(v))).tensors.d!;
    expect(Array.from(t.data)).toEqual(v.map(Math.fround));
  });

  test('I64 loads as int32 when it fits, and names the value and tensor when it does not', () => {
    const ok = BigInt64Array.of(0n, -1n, 2147483647n, -2147483648n);
    const t = decodeSafetensors(handFile({ i: { dtype: 'I64', shape: [4], data_offsets: [0, 32] } }, ok)).tensors.i!;
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([0, -1, 2147483647, -2147483648]);
    for (const bad of [2147483648n, -2147483649n, 1n << 40n, -(1n << 62n)]) {
      const file = handFile({ steps: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, BigInt64Array.of(7n, bad));
      expect(() => decodeSafetensors(file)).toThrow(new RegExp(`tensor 'steps': I64 value ${bad} at index 1 does not fit in int32`));
    }
  });
});

const A4 = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
/** [what, file, message]: every way a file can be wrong, each with the error that names it. */
const BAD: [string, Uint8Array, RegExp][] = [
  ['empty file', new Uint8Array(0), /0 bytes, too short/],
  ['7 bytes', new Uint8Array(7), /7 bytes, too short/],
  ['header length past the end', (() => { const b = handFile({ a: A4 }, [0, 0, 0, 0]); b[1] = 9; return b; })(), /header length \d+ runs past the end of the file/],
  ['header length in the high word', (() => { const b = handFile({ a: A4 }, [0, 0, 0, 0]); b[4] = 1; return b; })(), /header length 4294967\d+ runs past/],
  ['not UTF-8', handFile('{"ab":1}').map((x, i) => (i === 10 ? 0xff : x)), /not valid UTF-8/],
  ['not JSON', handFile('{"a":'), /not valid JSON/],
  ['an array', handFile('[1, 2]'), /must be a JSON object, got \[1,2\]/],
  ['null', handFile('null'), /must be a JSON object, got null/],
  ['entry not an object', handFile({ a: 3 }), /tensor 'a': its header entry must be an object, got 3/],
  ['unknown dtype', handFile({ a: { ...A4, dtype: 'U8' } }, [0, 0, 0, 0]), /tensor 'a': unsupported dtype "U8"/],
  ['missing dtype', handFile({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'a': unsupported dtype undefined/],
  ['dtype from the prototype', handFile({ a: { ...A4, dtype: 'toString' } }, [0, 0, 0, 0]), /tensor 'a': unsupported dtype "toString"/],
  ['negative dim', handFile({ a: { ...A4, shape: [-1] } }, [0, 0, 0, 0]), /tensor 'a': shape must be .*\[-1\]/],
  ['fractional dim', handFile({ a: { ...A4, shape: [1.5] } }, [0, 0, 0, 0]), /tensor 'a': shape must be/],
  ['string dim', handFile({ a: { ...A4, shape: ['1'] } }, [0, 0, 0, 0]), /tensor 'a': shape must be/],
  ['huge dim', handFile('{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /tensor 'a': shape must be/],
  ['one offset', handFile({ a: { ...A4, data_offsets: [4] } }, [0, 0, 0, 0]), /tensor 'a': data_offsets must be \[begin, end\].*\[4\]/],
  ['begin > end', handFile({ a: { ...A4, data_offsets: [4, 0] } }, [0, 0, 0, 0]), /tensor 'a': data_offsets must be/],
  ['negative offset', handFile({ a: { ...A4, data_offsets: [-4, 0] } }, [0, 0, 0, 0]), /tensor 'a': data_offsets must be/],
  ['size mismatch', handFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor 'a': data_offsets \[0, 8\] hold 8 bytes but F32 \[3\] needs 12/],
  ['gap at the start', handFile({ a: { ...A4, data_offsets: [4, 8] } }, new Uint8Array(8)), /bytes \[0, 4\) .* gap before tensor 'a'/],
  ['gap between', handFile({ a: A4, b: { ...A4, data_offsets: [8, 12] } }, new Uint8Array(12)), /bytes \[4, 8\) .* gap before tensor 'b'/],
  ['overlap', handFile({ a: { ...A4, shape: [2], data_offsets: [0, 8] }, b: { ...A4, shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), /tensor 'b' \[4, 12\) overlaps tensor 'a' \[0, 8\)/],
  ['data past the end', handFile({ a: { ...A4, shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /tensor 'a' ends at byte 8 of the data, but the file holds 4 bytes/],
  ['trailing bytes', handFile({ a: A4 }, new Uint8Array(8)), /4 trailing bytes after the last tensor/],
  ['duplicate tensor', handFile('{"a":' + JSON.stringify(A4) + ',"a":' + JSON.stringify(A4) + '}', new Uint8Array(4)), /the key "a" twice/],
  ['duplicate field', handFile('{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /the key "dtype" twice/],
  ['metadata value not a string', handFile({ __metadata__: { k: 1 } }), /__metadata__ values must be strings; 'k' is 1/],
  ['metadata not an object', handFile({ __metadata__: ['x'] }), /__metadata__ must be an object of strings/],
];

describe('decoding validates everything', () => {
  test.each(BAD)('%s', (_, bytes, message) => {
    let error: unknown = null;
    try {
      decodeSafetensors(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error); // not a TypeError/RangeError from a crash
    expect((error as Error).message).toMatch(/^webrnn: safetensors: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('encoding refuses bad input', () => {
  test.each([
    ['wrong element count', { w: f32([2, 2], [1, 2, 3]) }, undefined, /tensor 'w': shape \[2, 2\] needs 4 values, data has 3/],
    ['int32 data for float32', { w: { dtype: 'float32', shape: [1], data: Int32Array.of(1) } }, undefined, /tensor 'w': float32 data must be a Float32Array, got "Int32Array"/],
    ['unknown dtype', { w: { dtype: 'float64', shape: [1], data: Float32Array.of(1) } }, undefined, /tensor 'w': dtype must be 'float32' or 'int32', got "float64"/],
    ['negative dim', { w: f32([-1], []) }, undefined, /tensor 'w': shape must be non-negative integers/],
    ['reserved name', { __metadata__: f32([1], [1]) }, undefined, /'__metadata__' is reserved/],
    ['non-string metadata', { w: f32([1], [1]) }, { epoch: 3 }, /'epoch' is 3/],
  ] as [string, Record<string, HostTensor>, Record<string, string> | undefined, RegExp][])('%s', (_, rec, meta, message) => {
    expect(() => encodeSafetensors(rec, meta)).toThrow(message);
  });
});

describe('fuzz: corrupted files decode to something valid or throw a clear Error', () => {
  const base = encodeSafetensors(sample(), { format: 'pt', epoch: '3' });
  const headerEnd = 8 + new DataView(base.buffer).getUint32(0, true);

  /** 'ok' when it decodes and re-encodes to an equal file, 'error' on a clear Error, else a failure text. */
  function outcome(bytes: Uint8Array): string {
    let file: SafetensorsFile;
    try {
      file = decodeSafetensors(bytes);
    } catch (e) {
      const clear = e instanceof Error && e.constructor === Error && e.message.startsWith('webrnn: safetensors: ');
      return clear ? 'error' : `unclear ${String(e)}`;
    }
    const again = decodeSafetensors(encodeSafetensors(file.tensors, file.metadata));
    return sameFile(file, again) ? 'ok' : 'round trip differs';
  }

  function run(cases: Uint8Array[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of cases) {
      const o = outcome(c);
      counts[o] = (counts[o] ?? 0) + 1;
    }
    return counts;
  }

  test('every truncation throws', () => {
    const cases = Array.from({ length: base.length }, (_, n) => base.slice(0, n));
    expect(run(cases)).toEqual({ error: base.length });
  });

  test('random bytes and bit flips in the header', () => {
    const r = new Random(1);
    const cases = Array.from({ length: 3000 }, () => {
      const b = base.slice();
      for (let k = 1 + r.int(3); k > 0; k--) {
        const at = 8 + r.int(headerEnd - 8);
        b[at] = r.uniform() < 0.5 ? r.int(256) : b[at]! ^ (1 << r.int(8));
      }
      return b;
    });
    const counts = run(cases);
    expect(Object.keys(counts).sort()).toEqual(['error', 'ok']); // both paths are reached, nothing else
  });

  test('random length prefixes', () => {
    const r = new Random(2);
    const cases = Array.from({ length: 1000 }, (_, i) => {
      const b = base.slice();
      const at = i % 8;
      const v = i < 500 ? r.int(256) : b[at]! ^ (1 << r.int(8));
      b[at] = v === b[at] ? v ^ 1 : v; // always a different length
      return b;
    });
    const counts = run(cases);
    expect(Object.keys(counts)).toEqual(['error']);
  });

  test('corrupted offsets and shapes', () => {
    const r = new Random(3);
    const header = JSON.parse(new TextDecoder().decode(base.subarray(8, headerEnd)));
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const junk = () => [r.int(200) - 20, 2 ** 53 + r.int(9), 1e300, 0.5, -0, '4', null, [], 2 ** 31][r.int(9)];
    const cases = Array.from({ length: 1500 }, () => {
      const h = structuredClone(header);
      const info = h[names[r.int(names.length)]!];
      const what = r.int(4);
      if (what === 0) info.data_offsets[r.int(2)] = junk();
      else if (what === 1) info.data_offsets = [info.data_offsets[0] + r.int(9) - 4, info.data_offsets[1] + r.int(9) - 4];
      else if (what === 2) info.shape = info.shape.length && r.uniform() < 0.7 ? info.shape.map((d: number) => (r.uniform() < 0.5 ? junk() : d)) : [junk()];
      else info.shape = [...info.shape, r.int(3)];
      return handFile(h, base.subarray(headerEnd));
    });
    const counts = run(cases);
    expect(Object.keys(counts).sort()).toEqual(['error', 'ok']);
  });

  test('random garbage of any length', () => {
    const r = new Random(4);
    const cases = Array.from({ length: 500 }, () => {
      const b = Uint8Array.from({ length: r.int(80) }, () => r.int(256));
      if (b.length >= 8 && r.uniform() < 0.7) new DataView(b.buffer).setBigUint64(0, BigInt(r.int(b.length - 7)), true);
      return b;
    });
    expect(Object.keys(run(cases))).toEqual(['error']);
  });
});
