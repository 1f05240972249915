// Clipping kernels vs their CPU twins: the global p-norm (p = 2, 1, 3, 0.5, ∞) of several tensors
// (sizes around the 4096-element chunk), finite data past float32's Σ x² range, scaling to a maximum norm (and leaving tensors untouched below it),
// clamping by value, non-finite values, and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, zeros, type Tensor } from 'webrnn';
import { clampInPlace, globalNorm, scaleToMaxNorm } from '../../src/kernels/clip.js';
import { clipNormRef, clipScaleRef, clipValueRef } from '../../src/reference/clip.js';
import { expectAllClose, reductionTol, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const upload = (x: Float64Array): Tensor => tensor(Float32Array.from(x), [x.length]);
const total = (xs: Float64Array[]) => xs.reduce((a, x) => a + x.length, 0);

describe('globalNorm', () => {
  const SETS = [[1], [7], [255, 256, 257], [4095], [4096], [4097], [1, 7, 257, 1000, 4097], [3 * 4096 + 5, 2]];
  test.each(SETS.map((s) => [s.join(', '), s] as const))('sizes [%s] match the CPU twin', async (_, sizes) => {
    const xs = sizes.map((n, k) => roundF32(uniform(n, 100 + k, -2, 2)));
    const ts = xs.map(upload);
    resetCounters();
    const norm = globalNorm(ts);
    expect(counters().readbacks).toBe(0);
    expect(norm.shape).toEqual([1]);
    expectAllClose(await norm.data(), [clipNormRef(xs)], reductionTol(total(xs)));
    for (const t of [norm, ...ts]) t.dispose();
  });

  test.each([1, 3, 0.5, Infinity])('p = %s: sizes [1, 7, 257, 1000, 4097] and [3·4096 + 5, 2] match the CPU twin', async (p) => {
    for (const sizes of [[1, 7, 257, 1000, 4097], [3 * 4096 + 5, 2]]) {
      const xs = sizes.map((n, k) => roundF32(uniform(n, 300 + k, -2, 2)));
      const ts = xs.map(upload);
      const norm = globalNorm(ts, p);
      // pow() on the GPU is exp2(p·log2 r): a few ulp per element on top of the sum's error.
      const tol = p === 1 || p === Infinity ? reductionTol(total(xs)) : TOL.reduction;
      expectAllClose(await norm.data(), [clipNormRef(xs, p)], tol);
      for (const t of [norm, ...ts]) t.dispose();
    }
  });

  test('finite values whose squares overflow float32 (norm ≈ 1e25 and 1e37) and tiny ones (1e-30) give finite norms', async () => {
    for (const scale of [1e25, 1e37, 1e-30]) {
      const xs = [roundF32(uniform(5000, 7, -scale, scale)), roundF32(uniform(3, 8, -scale, scale))];
      for (const p of [2, 1, Infinity, 3]) {
        const got = (await globalNorm(xs.map(upload), p).data())[0]!;
        const want = clipNormRef(xs, p);
        // 1e37 · √5000 ≈ 7e38 is past float32's max (3.4e38): the true norm is Inf in float32, PyTorch's too.
        if (Math.fround(want) === Infinity) expect(got).toBe(Infinity);
        else {
          expect(Number.isFinite(got) && got > 0).toBe(true);
          expectAllClose([got], [want], TOL.reduction);
        }
      }
    }
    // The plain Σ x² overflows float32 here: the old kernel's answer would have been Inf.
    expect(Math.fround(1e25 * 1e25)).toBe(Infinity);
  });

  test('no tensors, or only empty ones, give 0', async () => {
    expect(Array.from(await globalNorm([]).data())).toEqual([0]);
    const e = zeros([0, 3]);
    const x = roundF32([3, 4]);
    expect(Array.from(await globalNorm([e]).data())).toEqual([0]);
    expectAllClose(await globalNorm([e, upload(x)]).data(), [5], TOL.elementwise);
  });

  test('NaN anywhere gives NaN; an Inf gives Inf', async () => {
    const a = roundF32(uniform(5000, 3));
    const withNaN = Float64Array.from(a);
    withNaN[4500] = NaN;
    const withInf = Float64Array.from(a);
    withInf[7] = -Infinity;
    expectAllClose(await globalNorm([upload(a), upload(withNaN)]).data(), [clipNormRef([a, withNaN])], TOL.elementwise);
    expectAllClose(await globalNorm([upload(withInf), upload(a)]).data(), [clipNormRef([withInf, a])], TOL.elementwise);
    expect(clipNormRef([withNaN])).toBeNaN();
    expect(clipNormRef([withInf])).toBe(Infinity);
    for (const p of [1, 3, Infinity]) {
      expect(Array.from(await globalNorm([upload(a), upload(withNaN)], p).data())[0]).toBeNaN();
      expect(Array.from(await globalNorm([upload(withInf), upload(a)], p).data())[0]).toBe(Infinity);
    }
    // Two infinities and a NaN after them: NaN wins; two infinities alone: Inf (not Inf/Inf = NaN).
    expect(Array.from(await globalNorm([upload(roundF32([Infinity, -Infinity, 1]))]).data())[0]).toBe(Infinity);
    expect(Array.from(await globalNorm([upload(roundF32([Infinity, -Infinity, NaN]))], Infinity).data())[0]).toBeNaN();
  });
});

describe('scaleToMaxNorm', () => {
  const sizes = [1, 7, 257, 1000, 4097];
  const xs = sizes.map((n, k) => roundF32(uniform(n, 200 + k, -1, 1)));
  const ref = clipNormRef(xs); // ≈ 42

  test.each([0.5, 10, ref / 2])('norm above maxNorm = %f: every tensor scaled like the twin', async (maxNorm) => {
    const ts = xs.map(upload);
    resetCounters();
    const norm = globalNorm(ts);
    scaleToMaxNorm(ts, norm, maxNorm);
    expect(counters().readbacks).toBe(0);
    // The coefficient comes from the GPU's float32 norm: a reduction's error, not an element's.
    const tol = reductionTol(total(xs));
    for (let k = 0; k < ts.length; k++) expectAllClose(await ts[k]!.data(), clipScaleRef(xs[k]!, ref, maxNorm), tol);
    expectAllClose(await globalNorm(ts).data(), [maxNorm * (ref / (ref + 1e-6))], tol);
  });

  test('norm below maxNorm: tensors are left bit-for-bit untouched', async () => {
    const ts = xs.map(upload);
    const norm = globalNorm(ts);
    scaleToMaxNorm(ts, norm, ref * 1.01);
    for (let k = 0; k < ts.length; k++) expect(Array.from(await ts[k]!.data())).toEqual(Array.from(xs[k]!));
  });

  test('a NaN norm makes every element NaN; an Inf norm zeroes finite elements', async () => {
    const x = roundF32([1, -2, 0, Infinity]);
    const a = upload(x), b = upload(x);
    scaleToMaxNorm([a], tensor([NaN]), 1);
    scaleToMaxNorm([b], tensor([Infinity]), 1);
    expectAllClose(await a.data(), clipScaleRef(x, NaN, 1), TOL.elementwise);
    expectAllClose(await b.data(), clipScaleRef(x, Infinity, 1), TOL.elementwise);
    expect(Array.from(clipScaleRef(x, Infinity, 1))).toEqual([0, -0, 0, NaN]);
  });
});

describe('clampInPlace', () => {
  test.each([1, 255, 257, 1000])('n = %i matches the CPU twin', async (n) => {
    const x = roundF32(uniform(n, n, -3, 3));
    const t = upload(x);
    clampInPlace(t, -1.5, 0.25);
    expectAllClose(await t.data(), clipValueRef(x, -1.5, 0.25), TOL.elementwise);
  });

  test('NaN stays NaN, ±Inf go to the bounds, values on a bound stay', async () => {
    const x = roundF32([NaN, Infinity, -Infinity, -1, 1, 0.5, -0.5]);
    const t = upload(x);
    clampInPlace(t, -0.5, 0.5);
    const got = await t.data();
    expectAllClose(got, clipValueRef(x, -0.5, 0.5), TOL.elementwise);
    expect(Array.from(got)).toEqual([NaN, 0.5, -0.5, -0.5, 0.5, 0.5, -0.5]);
  });
});

describe('bad input', () => {
  test('is refused with the problem named, before anything is dispatched', () => {
    const a = zeros([3]), n2 = zeros([2]), one = zeros([1]), i32 = tensor(new Int32Array([1, 2]), [2]);
    const aView = a.view([1, 3]);
    resetCounters();
    expect(() => globalNorm([a, i32])).toThrow(/tensor 1 must be float32, got int32 \[2\]/);
    expect(() => scaleToMaxNorm([a], n2, 1)).toThrow(/norm must have one element, got shape \[2\]/);
    expect(() => scaleToMaxNorm([a, one], one, 1)).toThrow(/tensor 1 shares its buffer with norm/);
    expect(() => scaleToMaxNorm([n2, a, aView], one, 1)).toThrow(/tensors 1 and 2 share one buffer/);
    expect(() => scaleToMaxNorm([a], one, -1)).toThrow(/maxNorm must be a finite number >= 0/);
    expect(() => clampInPlace(a, 1, -1)).toThrow(/min <= max, got min 1, max -1/);
    expect(() => clampInPlace(i32, -1, 1)).toThrow(/t must be float32/);
    expect(counters().dispatches).toBe(0);
    for (const t of [a, n2, one, i32, aView]) t.dispose();
  });
});
