// Demo data loaders (no GPU): IDX files the test writes itself (plain and gzipped, and broken
// ones), the `mnist` package split, and the character vocabulary of the default text.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeIdx, loadIdxDataset, parseIdx } from '../../demos/common/idx.js';
import { loadMnistPackage } from '../../demos/common/mnist.js';
import { loadText, splitText, Vocab } from '../../demos/common/text.js';
import { ints } from '../util/rng.js';

/** An IDX file written from the format description: 0, 0, type, ndims, big-endian u32 dims, data. */
function idx(shape: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const dv = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(Uint8Array.from(data), 4 + 4 * shape.length);
  return out;
}

const PIXELS = Uint8Array.from(ints(3 * 2 * 4, 256, 1));
const LABELS = Uint8Array.of(7, 0, 9);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webrnn-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('IDX', () => {
  test('plain and gzipped files parse to the same dims and bytes', async () => {
    const file = idx([3, 2, 4], PIXELS);
    expect(Array.from(file.subarray(0, 4))).toEqual([0, 0, 8, 3]); // magic 0x00000803
    for (const bytes of [file, gzipSync(file)]) {
      const a = await parseIdx(bytes);
      expect(a.shape).toEqual([3, 2, 4]);
      expect(Array.from(a.data)).toEqual(Array.from(PIXELS));
    }
    expect(decodeIdx(idx([3], LABELS))).toEqual({ shape: [3], data: LABELS });
    expect(decodeIdx(idx([0, 28, 28], []))).toEqual({ shape: [0, 28, 28], data: new Uint8Array(0) });
  });

  test.each([
    ['too short', Uint8Array.of(0, 0, 8), /3 bytes, too short for the 4-byte magic/],
    ['PNG bytes', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0), /wrong magic number 0x89504e47, not an IDX file/],
    ['unknown type', idx([3], LABELS, 0x02), /wrong magic number 0x00000201/],
    ['zero dims', Uint8Array.of(0, 0, 8, 0), /wrong magic number 0x00000800/],
    ['float data', idx([1], [0, 0, 0, 0], 0x0d), /element type f32 .* not supported, only unsigned bytes/],
    ['truncated header', idx([3, 2, 4], PIXELS).subarray(0, 10), /truncated: 3 dims need a 16-byte header, the file has 10 bytes/],
    ['truncated data', idx([3, 2, 4], PIXELS).subarray(0, 30), /truncated: dims \[3, 2, 4\] need 24 bytes of data, the file has 14/],
    ['too much data', idx([3, 2, 4], [...PIXELS, 1, 2]), /dims \[3, 2, 4\] need 24 bytes of data, but the file has 26 \(2 too many\)/],
    ['truncated gzip', gzipSync(idx([3, 2, 4], PIXELS)).subarray(0, 20), /not a valid gzip stream/],
  ])('%s: a clear error', async (_, bytes, message) => {
    await expect(parseIdx(bytes, 'f.idx')).rejects.toThrow(message);
    await expect(parseIdx(bytes, 'f.idx')).rejects.toThrow(/^idx: f\.idx: /);
  });

  test('loadIdxDataset reads the four MNIST file names, plain or .gz, into [0, 1] images', async () => {
    const d = join(dir, 'mnist');
    await mkdir(d);
    await writeFile(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 4], PIXELS)));
    await writeFile(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], LABELS)));
    await writeFile(join(d, 't10k-images-idx3-ubyte'), idx([1, 2, 4], PIXELS.subarray(0, 8)));
    await writeFile(join(d, 't10k-labels-idx1-ubyte'), idx([1], [4]));
    const { train, test: t } = await loadIdxDataset(d + '/');
    expect(train.shape).toEqual([3, 2, 4]);
    expect(Array.from(train.labels)).toEqual([7, 0, 9]);
    expect(train.labels).toBeInstanceOf(Int32Array);
    // Pixel b becomes b/255 (float32): 0 → 0, 255 → 1.
    Array.from(PIXELS).forEach((b, i) => expect(train.images[i]).toBe(Math.fround(b / 255)));
    expect(t.shape).toEqual([1, 2, 4]);
    expect(Array.from(t.labels)).toEqual([4]);
  });

  test('loadIdxDataset: label/image count mismatch, wrong ranks and missing files are named', async () => {
    const d = join(dir, 'bad');
    await mkdir(d);
    await writeFile(join(d, 'train-images-idx3-ubyte'), idx([3, 2, 4], PIXELS));
    await expect(loadIdxDataset(d)).rejects.toThrow(/neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz found/);
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idx([2], [1, 2]));
    await expect(loadIdxDataset(d)).rejects.toThrow(/train: 3 images but 2 labels/);
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idx([3, 1], [1, 2, 3]));
    await expect(loadIdxDataset(d)).rejects.toThrow(/train: labels must be \[n\], got \[3, 1\]/);
    await writeFile(join(d, 'train-images-idx3-ubyte'), idx([24], PIXELS));
    await expect(loadIdxDataset(d)).rejects.toThrow(/train: images must be \[n, rows, cols\], got \[24\]/);
  });
});

describe('mnist package', () => {
  test('split shapes, label and pixel ranges, disjoint and reproducible', async () => {
    const a = await loadMnistPackage({ trainCount: 300, testCount: 100, seed: 1 });
    expect(a.train.shape).toEqual([300, 28, 28]);
    expect(a.train.images.length).toBe(300 * 784);
    expect(a.test.shape).toEqual([100, 28, 28]);
    expect(a.test.labels.length).toBe(100);
    for (const s of [a.train, a.test]) {
      expect(s.labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9)).toBe(true);
      expect(s.images.every((p) => p >= 0 && p <= 1)).toBe(true);
    }
    expect(new Set(a.train.labels).size).toBe(10); // a shuffle, not one digit after another
    // Real digits: on average about a fifth of the pixels are ink.
    const ink = a.train.images.reduce((n, p) => n + (p > 0.5 ? 1 : 0), 0) / a.train.images.length;
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.4);
    const key = (s: typeof a.train, i: number) => s.images.subarray(i * 784, (i + 1) * 784).join(',');
    const trainKeys = new Set(Array.from({ length: 300 }, (_, i) => key(a.train, i)));
    expect(trainKeys.size).toBe(300);
    expect(Array.from({ length: 100 }, (_, i) => key(a.test, i)).filter((k) => trainKeys.has(k))).toEqual([]);

    const again = await loadMnistPackage({ trainCount: 300, testCount: 100, seed: 1 });
    expect(again.train.labels).toEqual(a.train.labels);
    expect(again.test.images).toEqual(a.test.images);
    const other = await loadMnistPackage({ trainCount: 300, testCount: 100, seed: 2 });
    expect(other.train.labels).not.toEqual(a.train.labels);
  });

  test('asking for more digits than the package has, or a bad count, is refused', async () => {
    await expect(loadMnistPackage({ trainCount: 9000, testCount: 1001 })).rejects.toThrow(/9000 \+ testCount 1001 exceeds the 10000 digits/);
    await expect(loadMnistPackage({ trainCount: 1.5 })).rejects.toThrow(/trainCount must be a non-negative integer, got 1.5/);
  });
});

describe('text', () => {
  test('the vocabulary is the sorted unique characters and round-trips, astral characters included', () => {
    const text = 'hello, wörld 😀\nzebra';
    const v = Vocab.fromText(text);
    expect(v.chars).toEqual(['\n', ' ', ',', 'a', 'b', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'z', 'ö', '😀']);
    const ids = v.encode(text);
    expect(ids.length).toBe([...text].length);
    expect(v.decode(ids)).toBe(text);
    expect(new Vocab(v.chars).encode('bad')).toEqual(v.encode('bad'));
    expect(() => v.encode('hex')).toThrow(/character "x" \(U\+0078\) at position 2 is not in the vocabulary of 15/);
    expect(() => v.decode([0, 15])).toThrow(/id 15 at position 1 is outside the vocabulary of 15/);
    expect(() => new Vocab(['a', 'a'])).toThrow(/"a" twice/);
    expect(() => new Vocab(['ab'])).toThrow(/not one character/);
  });

  test('split: leading train part, trailing validation part', () => {
    const ids = Int32Array.from({ length: 10 }, (_, i) => i);
    const { train, validation } = splitText(ids, 0.2);
    expect(Array.from(train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(validation)).toEqual([8, 9]);
    expect(splitText(ids, 0).validation.length).toBe(0);
    expect(() => splitText(ids, 1)).toThrow(/validationFraction must be in \[0, 1\), got 1/);
  });

  test('the default text: 200-500 KB of plain text whose vocabulary round-trips it', async () => {
    const text = await loadText();
    expect(text.length).toBeGreaterThan(200_000);
    expect(text.length).toBeLessThan(500_000);
    expect(text.startsWith('In the beginning God created the heaven and the earth.\n')).toBe(true);
    const v = Vocab.fromText(text);
    expect(v.size).toBeLessThan(100);
    expect(v.chars.every((c) => c === '\n' || (c >= ' ' && c <= '~'))).toBe(true);
    const { train, validation } = splitText(v.encode(text));
    expect(v.decode(train) + v.decode(validation)).toBe(text);
  });
});
