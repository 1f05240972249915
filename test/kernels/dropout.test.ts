// Dropout vs its CPU twin: Philox4x32-10 known answers, masks bit-equal to the twin (offsets across
// blocks and the 32-bit counter carry, 64-bit seeds), the keep rate, reproducibility, p = 0, the
// backward, non-finite values and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, zeros } from 'webrnn';
import { launchDropout, launchDropoutBackward } from '../../src/kernels/dropout.js';
import { dropoutBackwardRef, dropoutRef, philox4x32_10, philoxUniformRef } from '../../src/reference/dropout.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const upload = (x: ArrayLike<number>) => tensor(Float32Array.from(x), [x.length]);
const hex = (ws: number[]) => ws.map((w) => w.toString(16).padStart(8, '0'));

describe('Philox4x32-10 twin', () => {
  // Known-answer vectors published with Random123 (kat_vectors: philox4x32 10).
  test.each([
    [[0, 0, 0, 0], [0, 0], ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']],
  ])('counter %j, key %j', (counter, key, want) => {
    expect(hex(philox4x32_10(counter, key))).toEqual(want);
  });

  test('the uniform of element e is word e mod 4 of block e / 4, in [0, 1) with 24 bits', () => {
    const words = philox4x32_10([3, 0, 0, 0], [7, 1]);
    for (let w = 0; w < 4; w++) expect(philoxUniformRef(7 + 2 ** 32, 12 + w)).toBe((words[w]! >>> 8) / 2 ** 24);
  });
});

describe('dropout mask and output vs the CPU twin', () => {
  const CASES: [number, number, number, number][] = [
    // [n, p, seed, offset]
    [1, 0.5, 1, 0],
    [7, 0.5, 2, 1],
    [255, 0.1, 3, 2],
    [257, 0.9, 4, 3],
    [1000, 0.5, 5, 5],
    [4099, 0.25, 2 ** 40 + 12345, 1001],
    // Blocks 2^32 − 2 … past 2^32: the counter's low word carries into its high word.
    [37, 0.5, 9, 4 * (2 ** 32 - 2) + 3],
  ];
  test.each(CASES)('n = %i, p = %f, seed = %i, offset = %i', async (n, p, seed, offset) => {
    const x = roundF32(uniform(n, n + 17, -2, 2));
    const want = dropoutRef(x, p, seed, offset);
    const { y, mask } = launchDropout(upload(x), p, seed, offset);
    expect(Array.from(await mask.data())).toEqual(Array.from(want.mask)); // bit-equal
    expectAllClose(await y.data(), want.y, TOL.elementwise);
  });
});

describe('dropout statistics and reproducibility', () => {
  const n = 100_000;
  let ones: ReturnType<typeof upload>;
  beforeAll(() => {
    ones = upload(new Float32Array(n).fill(1));
  });

  test.each([0.1, 0.3, 0.5, 0.8])('keep rate over 100k elements is 1 − p within 5σ (p = %f)', async (p) => {
    const { mask, y } = launchDropout(ones, p, 42, 0);
    const m = await mask.data();
    const kept = Array.from(m).reduce((a, b) => a + b, 0);
    const sigma = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(kept - n * (1 - p))).toBeLessThan(5 * sigma);
    // E[y] = 1: the 1/(1 − p) scale keeps the mean.
    const mean = Array.from(await y.data()).reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 1)).toBeLessThan((5 * sigma) / n / (1 - p));
  });

  test('same seed and offset give the same mask; another offset or seed a different one', async () => {
    const a = await launchDropout(ones, 0.5, 7, 0).mask.data();
    const b = await launchDropout(ones, 0.5, 7, 0).mask.data();
    const c = await launchDropout(ones, 0.5, 7, n).mask.data();
    const d = await launchDropout(ones, 0.5, 8, 0).mask.data();
    expect(Array.from(a)).toEqual(Array.from(b));
    const agree = (u: ArrayLike<number>, v: ArrayLike<number>) => Array.from(u).filter((x, i) => x === v[i]).length / n;
    // Independent masks agree on about half the elements.
    expect(Math.abs(agree(a, c) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(agree(a, d) - 0.5)).toBeLessThan(0.01);
  });

  test('offset selects a position in one stream: dropout of a suffix at offset k is the suffix of the mask', async () => {
    const x = roundF32(uniform(1000, 9));
    const whole = await launchDropout(upload(x), 0.5, 11, 0).mask.data();
    for (const k of [1, 2, 3, 4, 10, 999]) {
      const part = await launchDropout(upload(x.subarray(k)), 0.5, 11, k).mask.data();
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(k)));
    }
  });

  test('p = 0 is the identity (bit-exact) with an all-ones mask', async () => {
    const x = roundF32(uniform(1000, 3, -5, 5));
    const { y, mask } = launchDropout(upload(x), 0, 1, 0);
    expect(Array.from(await y.data())).toEqual(Array.from(x));
    expect((await mask.data()).every((v) => v === 1)).toBe(true);
  });

  test('NaN and ±Inf: kept ones pass through, dropped ones become NaN (x·0), as the twin', async () => {
    const x = roundF32(Array.from({ length: 64 }, (_, i) => [NaN, Infinity, -Infinity, 1][i % 4]!));
    const want = dropoutRef(x, 0.5, 3, 0);
    expect(want.mask.some((m) => m === 0) && want.mask.some((m) => m === 1)).toBe(true);
    expectAllClose(await launchDropout(upload(x), 0.5, 3, 0).y.data(), want.y, TOL.elementwise);
  });
});

describe('dropoutBackward', () => {
  test.each([1, 7, 257, 1000])('n = %i matches the twin and equals the forward applied to dy', async (n) => {
    const x = roundF32(uniform(n, n));
    const dy = roundF32(uniform(n, n + 1));
    const { mask } = launchDropout(upload(x), 0.3, 5, 17);
    const dx = await launchDropoutBackward(upload(dy), mask, 0.3).data();
    expectAllClose(dx, dropoutBackwardRef(dy, await mask.data(), 0.3), TOL.elementwise);
    expectAllClose(dx, dropoutRef(dy, 0.3, 5, 17).y, TOL.elementwise);
  });
});

describe('bad input', () => {
  test('is refused with the problem named, before anything is dispatched', () => {
    const x = zeros([2, 3]), m = zeros([3, 2]), i32 = tensor(new Int32Array(2), [2]);
    resetCounters();
    expect(() => launchDropout(x, 1, 0, 0)).toThrow(/p must be in \[0, 1\), got 1/);
    expect(() => launchDropout(x, -0.1, 0, 0)).toThrow(/p must be in \[0, 1\)/);
    expect(() => launchDropout(x, NaN, 0, 0)).toThrow(/p must be in \[0, 1\), got NaN/);
    expect(() => launchDropout(x, 0.5, -1, 0)).toThrow(/seed must be an integer/);
    expect(() => launchDropout(x, 0.5, 1.5, 0)).toThrow(/seed must be an integer/);
    expect(() => launchDropout(x, 0.5, 0, 2 ** 53 - 3)).toThrow(/offset must be an integer >= 0 with offset \+ size < 2\^53/);
    expect(() => launchDropout(i32, 0.5, 0, 0)).toThrow(/x must be float32, got int32/);
    expect(() => launchDropoutBackward(x, m, 0.5)).toThrow(/dy \[2, 3\] and mask \[3, 2\] must have the same shape/);
    expect(counters().dispatches).toBe(0);
  });
});
