// safetensors refusing what is wrong (no GPU): every validation error of a malformed file, bad
// input to the encoder, and a seeded fuzz of corrupted files (each decodes or throws a clear Error).
import { describe, expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type HostTensor, type SafetensorsFile } from '../../src/io/safetensors.js';
import { Random } from '../../src/util/random.js';
import { f32, handFile, sameFile, sample } from '../util/safetensors_files.js';

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
