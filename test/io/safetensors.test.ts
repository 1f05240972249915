// safetensors encode/decode (no GPU): round trips, the byte layout checked by hand and by an
// independent minimal reader, and files from other writers (F16/BF16/F64/I64, unpadded headers).
// Malformed files and bad input: safetensors_errors.test.ts.
import { describe, expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type HostTensor } from '../../src/io/safetensors.js';
import { f32, handFile, sameFile, sample } from '../util/safetensors_files.js';

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
