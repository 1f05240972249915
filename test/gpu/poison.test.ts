// Tuning.poisonBuffers: every buffer the pool hands out reads back as NaN (all bits set) until
// something writes it, in order with the commands around it; zeros, fills and uploads still win,
// and allclose tells those bits from a NaN the twin wants.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { full, init, ones, randn, tensor, zeros } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { firstMismatch, TOL } from '../util/allclose.js';

/** The raw 32-bit patterns of a tensor's elements. */
async function bits(t: Tensor): Promise<number[]> {
  const d = await t.data();
  return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
}

const ALL_SET = 0xffffffff;

beforeAll(async () => {
  await init();
});

afterEach(() => {
  gpu().tuning.poisonBuffers = undefined;
});

test('off by default: a recycled buffer keeps its last values', async () => {
  expect(gpu().tuning.poisonBuffers).toBeUndefined();
  const old = tensor(Float32Array.from({ length: 300 }, (_, i) => i + 1));
  await old.data();
  old.dispose();
  const t = Tensor.empty([300]);
  expect(t.buffer).toBe(old.storage.buffer);
  expect((await t.data()).some(Number.isNaN)).toBe(false);
  t.dispose();
});

describe('poisoned', () => {
  test('new and recycled buffers, float32 and int32, read back with every bit set', async () => {
    gpu().tuning.poisonBuffers = true;
    const used = randn([333], { seed: 1 });
    await used.data();
    used.dispose();
    const recycled = Tensor.empty([333]);
    expect(recycled.buffer).toBe(used.storage.buffer);
    // Past the first poison source's 64 KiB, so the source has to grow.
    const fresh = Tensor.empty([100_003]);
    const ints = Tensor.empty([7], 'int32');
    for (const t of [recycled, fresh]) {
      expect((await bits(t)).every((b) => b === ALL_SET)).toBe(true);
      expect((await t.data()).every(Number.isNaN)).toBe(true);
    }
    expect(Array.from(await ints.data())).toEqual(Array(7).fill(-1));
    for (const t of [recycled, fresh, ints]) t.dispose();
  });

  test('lands after the last user\'s writes still in the same command encoder', async () => {
    gpu().tuning.poisonBuffers = true;
    const a = full([256], 3); // a fill dispatch, recorded and not yet submitted
    a.dispose();
    const b = Tensor.empty([256]);
    expect(b.buffer).toBe(a.storage.buffer);
    // Larger than any buffer before: the poison source grows while copies from it are pending.
    const c = Tensor.empty([300_001]);
    for (const t of [b, c]) {
      expect((await bits(t)).every((v) => v === ALL_SET)).toBe(true);
      t.dispose();
    }
  });

  test('zeros, ones, full and tensor(data) still hold their values', async () => {
    gpu().tuning.poisonBuffers = true;
    const data = Float32Array.from({ length: 1000 }, (_, i) => i - 500.5);
    const checks: [Tensor, number[]][] = [
      [zeros([1000]), Array(1000).fill(0)],
      [ones([3, 333]), Array(999).fill(1)],
      [full([5], -2.5), Array(5).fill(-2.5)],
      [full([4], 7, { dtype: 'int32' }), Array(4).fill(7)],
      [tensor(data), Array.from(data)],
      [tensor(new Int32Array([-3, 0, 2147483647])), [-3, 0, 2147483647]],
    ];
    for (const [t, want] of checks) {
      expect(Array.from(await t.data())).toEqual(want);
      t.dispose();
    }
  });

  test('allclose tells a poisoned element from a NaN the twin wants', async () => {
    gpu().tuning.poisonBuffers = true;
    const t = Tensor.empty([2]);
    const got = (await t.data()) as Float32Array;
    expect(firstMismatch(got, [NaN, NaN], TOL.elementwise)).toMatch(/at 0: never written/);
    expect(firstMismatch(Float32Array.from([NaN, 0 / 0]), [NaN, NaN], TOL.elementwise)).toBeNull();
    t.dispose();
  });
});
