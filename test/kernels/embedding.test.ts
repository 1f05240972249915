// Embedding gather/scatter-add kernels vs their CPU twins: V = 1, every row repeated, unused rows
// (zero gradient), E around the 256-column tile, N past one 256-index chunk, out-of-range indices
// (NaN rows forward, ignored backward), multi-dimensional indices, the twin's backward vs finite
// differences, and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, zeros } from 'webrnn';
import { launchEmbeddingBackward, launchEmbeddingForward } from '../../src/kernels/embedding.js';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/reference/embedding.js';
import { expectAllClose, reductionTol, TOL } from '../util/allclose.js';
import { ints, roundF32, uniform } from '../util/rng.js';
import { Random } from '../../src/util/random.js';

beforeAll(async () => {
  await init();
});

/** Every row 0..V-1 `repeat` times, shuffled, then `extra` random ones. */
function repeatedIndices(num: number, repeat: number, extra: number, seed: number): Int32Array {
  const all = Array.from({ length: num * repeat }, (_, i) => i % num);
  return Int32Array.from([...new Random(seed).shuffle(all), ...ints(extra, num, seed + 1)]);
}

async function check(num: number, dim: number, idx: Int32Array, shape: number[] = [idx.length]): Promise<void> {
  const w = roundF32(uniform(num * dim, num + dim));
  const dy = roundF32(uniform(idx.length * dim, idx.length + 3));
  const indices = tensor(idx, shape);
  const out = launchEmbeddingForward(tensor(Float32Array.from(w), [num, dim]), indices);
  expect(out.shape).toEqual([...shape, dim]);
  expectAllClose(await out.data(), embeddingForwardRef(w, num, dim, idx), { rtol: 0, atol: 0 }); // a copy: exact
  const dw = launchEmbeddingBackward(tensor(Float32Array.from(dy), [...shape, dim]), indices, num);
  expect(dw.shape).toEqual([num, dim]);
  // Each row sums (number of uses) float32 values.
  const uses = Math.max(...Array.from({ length: num }, (_, v) => idx.filter((i) => i === v).length), 1);
  expectAllClose(await dw.data(), embeddingBackwardRef(dy, idx, num, dim), reductionTol(uses));
}

describe.each([
  // [V, E, N extra random indices after every row repeated R times, R]
  [1, 1, 0, 1],
  [1, 5, 6, 3],
  [10, 3, 230, 3],
  [7, 255, 5, 2],
  [7, 256, 3, 2],
  [5, 257, 9, 2],
  [50, 8, 700, 6],
  [300, 4, 17, 1],
])('V = %i, E = %i (+%i random, every row x%i)', (num, dim, extra, repeat) => {
  test('forward and backward match the CPU twins', async () => {
    await check(num, dim, repeatedIndices(num, repeat, extra, num * 7 + dim));
  });
});

test('rows used 0 times get a zero gradient row; indices may have any shape', async () => {
  const idx = Int32Array.from([3, 0, 3, 5, 0, 3]); // rows 1, 2, 4 unused
  await check(6, 4, idx, [2, 3]);
  const dw = await launchEmbeddingBackward(tensor(new Float32Array(24).fill(1), [2, 3, 4]), tensor(idx, [2, 3]), 6).data();
  for (const v of [1, 2, 4]) expect(Array.from(dw.subarray(v * 4, v * 4 + 4))).toEqual([0, 0, 0, 0]);
  expect(Array.from(dw.subarray(12, 16))).toEqual([3, 3, 3, 3]);
});

test.each([0, 2, 6])('paddingIdx %i: that row of dW is 0, the others match the twin (V = 7, E = 257, N = 300)', async (pad) => {
  const [num, dim] = [7, 257];
  const idx = repeatedIndices(num, 40, 20, 3 + pad);
  const dy = roundF32(uniform(idx.length * dim, 9, -1, 1));
  const dw = await launchEmbeddingBackward(tensor(Float32Array.from(dy), [idx.length, dim]), tensor(idx), num, pad).data();
  const want = embeddingBackwardRef(dy, idx, num, dim, pad);
  expect(Array.from(dw.subarray(pad * dim, (pad + 1) * dim)).every((v) => v === 0)).toBe(true);
  expect(Array.from(want.subarray(pad * dim, (pad + 1) * dim)).every((v) => v === 0)).toBe(true);
  expectAllClose(dw, want, reductionTol(60));
  // Without paddingIdx the same row is not 0: the test above can fail.
  const full = await launchEmbeddingBackward(tensor(Float32Array.from(dy), [idx.length, dim]), tensor(idx), num).data();
  expect(Array.from(full.subarray(pad * dim, (pad + 1) * dim)).some((v) => v !== 0)).toBe(true);
  expect(() => launchEmbeddingBackward(tensor(Float32Array.from(dy), [idx.length, dim]), tensor(idx), num, 7)).toThrow(/paddingIdx must be an integer in \[0, 7\), got 7/);
});

test('the backward is bitwise reproducible (fixed summation order)', async () => {
  const idx = repeatedIndices(3, 200, 0, 5);
  const dy = tensor(Float32Array.from(uniform(idx.length * 9, 6, -1e3, 1e3)), [idx.length, 9]);
  const indices = tensor(idx);
  const a = await launchEmbeddingBackward(dy, indices, 3).data();
  const b = await launchEmbeddingBackward(dy, indices, 3).data();
  expect(Array.from(a)).toEqual(Array.from(b));
});

test('out-of-range indices: NaN rows forward, ignored backward (documented; no readback to throw)', async () => {
  const idx = Int32Array.from([1, -1, 4, 0, 2147483647, 1, -2147483648]);
  await check(4, 3, idx);
  const out = await launchEmbeddingForward(zeros([4, 3]), tensor(idx)).data();
  expect(Array.from(out.subarray(3, 6)).every(Number.isNaN)).toBe(true);
  expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
});

test('no positions: empty output and a zero dW', async () => {
  const indices = tensor(new Int32Array(0), [0]);
  expect(launchEmbeddingForward(zeros([3, 2]), indices).shape).toEqual([0, 2]);
  expect(Array.from(await launchEmbeddingBackward(zeros([0, 2]), indices, 3).data())).toEqual([0, 0, 0, 0, 0, 0]);
});

test('the backward twin is the gradient of Σ dy·forward(W) (finite differences)', () => {
  const [num, dim] = [4, 3];
  const idx = Int32Array.from([2, 0, 2, 3, 2, 7]);
  const w = uniform(num * dim, 1);
  const dy = uniform(idx.length * dim, 2);
  // NaN rows (index 7) are left out of the loss: their gradient is ignored by definition.
  const loss = (ww: Float64Array) => embeddingForwardRef(ww, num, dim, idx).reduce((a, y, i) => (Number.isNaN(y) ? a : a + y * dy[i]!), 0);
  const h = 1e-6;
  const fd = Float64Array.from(w, (_, k) => {
    const plus = Float64Array.from(w), minus = Float64Array.from(w);
    plus[k] += h;
    minus[k] -= h;
    return (loss(plus) - loss(minus)) / (2 * h);
  });
  expectAllClose(embeddingBackwardRef(dy, idx, num, dim), fd, TOL.bptt);
});

test('bad input is refused with the problem named, before anything is dispatched', () => {
  const w = zeros([4, 3]), fIdx = zeros([2]), idx = tensor(new Int32Array([1, 2])), flat = zeros([12]), dy = zeros([2, 4]);
  resetCounters();
  expect(() => launchEmbeddingForward(w, fIdx)).toThrow(/indices must be int32, got float32 \[2\]/);
  expect(() => launchEmbeddingForward(flat, idx)).toThrow(/weight must be a float32 \[V, E\] matrix, got float32 \[12\]/);
  expect(() => launchEmbeddingBackward(dy, idx, 0)).toThrow(/numEmbeddings must be an integer/);
  expect(() => launchEmbeddingBackward(dy, idx, 2.5)).toThrow(/numEmbeddings must be an integer/);
  expect(() => launchEmbeddingBackward(flat, idx, 4)).toThrow(/dy must be float32 \[...indices.shape, E\] = \[2, E\], got float32 \[12\]/);
  expect(counters().dispatches).toBe(0);
});
