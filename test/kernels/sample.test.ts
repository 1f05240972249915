// sample.wgsl vs its CPU twin: greedy ids bit-equal (ties, NaN, −Inf rows), multinomial draws equal
// wherever the twin's cumulative-sum margin is beyond float32 rounding (every temperature / top-k,
// rows past one workgroup's chunking), the Philox counter (offsets, the 64-bit carry), the draw
// frequencies against the softmax, top-k never leaving the kept set, and bad input; each with a
// workgroup a row and with one invocation a row (sample_row.wgsl).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { launchSample, type SampleOptions } from '../../src/kernels/sample.js';
import { sampleRef, topKThreshold } from '../../src/reference/sample.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const logitsOf = (v: ArrayLike<number>, B: number, V: number) => tensor(f32(v), [B, V]);
const ids = async (t: Tensor) => Array.from(await t.data());
const full = (o: SampleOptions) => ({ temperature: 1, topK: 0, seed: 0, offset: 0, ...o });

// Both layouts: a workgroup a row (long rows by default) and one invocation a row (short ones).
for (const perThread of [false, true]) {
  describe(perThread ? 'one invocation a row' : 'a workgroup a row', () => {
    beforeAll(() => {
      gpu().tuning.samplePerThread = perThread;
    });
    afterAll(() => {
      delete gpu().tuning.samplePerThread;
    });

  describe('greedy (temperature 0) is the first maximum, bit-equal to the twin', () => {
    // V: 1, below and above the 64 invocations of a row's workgroup, and many chunks each.
    test.each([[1, 1], [3, 7], [5, 64], [4, 65], [2, 1000], [70, 33]])('B = %i, V = %i', async (B, V) => {
      const x = roundF32(uniform(B * V, B * 31 + V, -3, 3));
      const want = sampleRef(x, B, V, full({ temperature: 0 }));
      expect(await ids(launchSample(logitsOf(x, B, V), { temperature: 0 }))).toEqual(Array.from(want.ids));
    });

    test('ties pick the lower index; a NaN wins over numbers (first NaN); a row of −Inf gives 0', async () => {
      const V = 130;
      const rows = [
        Array.from({ length: V }, (_, i) => (i === 7 || i === 99 ? 5 : 0)),
        Array.from({ length: V }, (_, i) => (i === 3 ? 9 : i === 80 || i === 120 ? NaN : 0)),
        new Array(V).fill(-Infinity),
      ];
      const got = await ids(launchSample(logitsOf(rows.flat(), 3, V), { temperature: 0 }));
      expect(got).toEqual([7, 80, 0]);
      expect(got).toEqual(Array.from(sampleRef(rows.flat(), 3, V, full({ temperature: 0 })).ids));
    });
  });

  describe('multinomial draws equal the twin (same Philox uniform, same cumulative-sum rule)', () => {
    const CASES: [number, number, number, number, number][] = [
      // [B, V, temperature, topK, offset]
      [1, 1, 1, 0, 0],
      [300, 2, 1, 0, 3],
      [300, 65, 1, 0, 0],
      [300, 65, 0.5, 0, 11],
      [300, 65, 2, 5, 1],
      [200, 65, 1, 1, 2],
      [200, 65, 0.8, 64, 5],
      [100, 1000, 1.3, 40, 7],
      [50, 3000, 1, 0, 4 * (2 ** 32 - 1) - 20], // rows cross the 32-bit carry of the Philox block
    ];
    test.each(CASES)('B = %i, V = %i, τ = %f, top-k = %i, offset = %i', async (B, V, temperature, topK, offset) => {
      const x = roundF32(uniform(B * V, V + B + topK, -4, 4));
      const opts = { temperature, topK, seed: 2 ** 40 + 99, offset };
      const want = sampleRef(x, B, V, opts);
      const got = await ids(launchSample(logitsOf(x, B, V), opts));
      // float32 sums and exp on the GPU (relative error ~1e-6 here) may move u·Σw across a boundary
      // only within their rounding; most rows lie further from every boundary than that.
      const clear = Array.from(want.margin, (_, b) => b).filter((b) => want.margin[b]! > 1e-5);
      expect(clear.length).toBeGreaterThanOrEqual(Math.floor(0.8 * B));
      expect(clear.map((b) => got[b])).toEqual(clear.map((b) => want.ids[b]));
      for (const id of got) expect(id >= 0 && id < V).toBe(true);
    });

    test('top-k only draws among the kept logits (ties with the k-th included)', async () => {
      const B = 2000;
      const V = 20;
      // Values 0..9 twice: top-3 keeps 9, 9, 8, 8 (the k-th largest is 8, its twin is kept too).
      const row = Array.from({ length: V }, (_, i) => i % 10);
      expect(topKThreshold(row, 3)).toBe(8);
      const got = await ids(launchSample(logitsOf(Array.from({ length: B }, () => row).flat(), B, V), { topK: 3, temperature: 5, seed: 3 }));
      const seen = new Set(got);
      expect([...seen].sort((a, b) => a - b)).toEqual([8, 9, 18, 19]);
    });
  });

  describe('draws follow the softmax and the Philox counter', () => {
    test('frequencies over 20000 rows match softmax(x/τ) (chi-square, 5 dof, p < 1e-4 fails)', async () => {
      const B = 20000;
      const row = [0.5, -1, 2, 0, 1.5, -3];
      const tau = 0.7;
      const got = await ids(launchSample(logitsOf(Array.from({ length: B }, () => row).flat(), B, row.length), { temperature: tau, seed: 17 }));
      const w = row.map((x) => Math.exp(x / tau));
      const sum = w.reduce((a, b) => a + b, 0);
      const counts = row.map((_, i) => got.filter((id) => id === i).length);
      const chi2 = counts.reduce((acc, c, i) => acc + (c - (B * w[i]!) / sum) ** 2 / ((B * w[i]!) / sum), 0);
      expect(chi2).toBeLessThan(25.7); // the 1 − 1e-4 quantile of chi-square with 5 degrees of freedom
      expect(counts.reduce((a, b) => a + b, 0)).toBe(B);
    });

    test('row b draws Philox element offset + b: shifting the offset shifts the draws', async () => {
      const B = 64;
      const row = roundF32(uniform(10, 5));
      const x = logitsOf(Array.from({ length: B }, () => Array.from(row)).flat(), B, 10);
      const a = await ids(launchSample(x, { seed: 9, offset: 100 }));
      const b = await ids(launchSample(x, { seed: 9, offset: 101 }));
      const c = await ids(launchSample(x, { seed: 10, offset: 100 }));
      expect(b.slice(0, B - 1)).toEqual(a.slice(1));
      expect(await ids(launchSample(x, { seed: 9, offset: 100 }))).toEqual(a);
      expect(c).not.toEqual(a);
    });

    test('writes into a given int32 tensor', async () => {
      const out = tensor(new Int32Array([-5, -5]), [2], { dtype: 'int32' });
      const r = launchSample(logitsOf([0, 3, 1, 1, 0, 2], 2, 3), { temperature: 0 }, out);
      expect(r).toBe(out);
      expect(await ids(out)).toEqual([1, 2]);
    });
  });
  });
}

describe('bad input', () => {
  const x = () => logitsOf([1, 2, 3, 4], 2, 2);
  test.each([
    [{ temperature: -1 }, /temperature = -1/],
    [{ temperature: NaN }, /temperature = NaN/],
    [{ temperature: 1e-300 }, /finite float32/],
    [{ topK: 1.5 }, /topK = 1.5/],
    [{ seed: -1 }, /seed/],
    [{ offset: -2 }, /offset/],
  ] as [SampleOptions, RegExp][])('%j', (opts, msg) => {
    expect(() => launchSample(x(), opts)).toThrow(msg);
  });
  test('logits must be float32 [B, V]', () => {
    expect(() => launchSample(tensor(f32([1, 2, 3]), [3]))).toThrow(/webrnn: sample: logits must be float32 \[B, V\]/);
    expect(() => launchSample(tensor(new Int32Array(4), [2, 2], { dtype: 'int32' }))).toThrow(/logits must be float32/);
  });
  test('out must be int32 [B]', () => {
    expect(() => launchSample(x(), {}, tensor(f32([0, 0]), [2]))).toThrow(/out must be int32 with 2 elements/);
  });
});
