// fill.wgsl vs its CPU twin: n = 1, odd, ±1 around the 256-wide workgroup, past 65535 workgroups
// (the grid folds into y); values finite, −0, NaN and ±Inf; only [0, n) is written; the
// zeros/ones/full API on float32 and int32 (small tensors uploaded, not filled by the kernel).
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, full, init, ones, resetCounters, zeros } from 'webrnn';
import { recorder } from '../../src/gpu/encoder.js';
import { MAX_GROUPS } from '../../src/gpu/kernel.js';
import { fill } from '../../src/kernels/fill.js';
import { fillRef } from '../../src/reference/fill.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../util/allclose.js';
import { roundF32 } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const EXACT = { rtol: 0, atol: 0 }; // a fill copies one value: bit-exact
const VALUES = [1, -2.5, 3e38, -0, NaN, Infinity, -Infinity];
const FOLDED = MAX_GROUPS * 256 + 3; // one workgroup more than a flat grid holds

/** Dispatches the fill kernel over the first `n` elements of a tensor of `size` elements. */
function launch(size: number, n: number, value: number): Tensor {
  const t = Tensor.empty([size]);
  recorder().dispatch(fill, { out: t.buffer }, { n, value });
  return t;
}

describe.each([1, 7, 255, 256, 257, 1000])('n = %i', (n) => {
  test.each(VALUES)('value %d matches the twin', async (value) => {
    const t = launch(n, n, value);
    const got = await t.data();
    expectAllClose(got, roundF32(fillRef(n, value)), EXACT);
    if (Object.is(value, -0)) expect(Object.is(got[n - 1], -0)).toBe(true);
    t.dispose();
  });
});

test('a grid past 65535 workgroups folds into y and still covers every element', async () => {
  const t = launch(FOLDED, FOLDED, -1.5);
  expectAllClose(await t.data(), fillRef(FOLDED, -1.5), EXACT);
  t.dispose();
});

test('writes only [0, n): the rest of the buffer keeps what it held', async () => {
  const t = launch(300, 300, 4);
  recorder().dispatch(fill, { out: t.buffer }, { n: 257, value: -4 });
  const want = fillRef(300, 4);
  want.fill(-4, 0, 257);
  expectAllClose(await t.data(), want, EXACT);
  t.dispose();
});

describe('zeros, ones, full', () => {
  test.each(VALUES.concat(0))('full(value %d), float32', async (value) => {
    const t = full([3, 99], value);
    expectAllClose(await t.data(), roundF32(fillRef(297, value)), EXACT);
    // zeros are +0 (a buffer clear); −0 keeps its sign (the kernel)
    expect(Object.is((await t.data())[0], Object.is(value, -0) ? -0 : roundF32([value])[0])).toBe(true);
    t.dispose();
  });

  test.each([0, 1, -1, 2147483647, -2147483648])('full(value %i), int32', async (value) => {
    const t = full([257], value, { dtype: 'int32' });
    expect(t.dtype).toBe('int32');
    expect(Array.from(await t.data())).toEqual(Array.from(fillRef(257, value)));
    t.dispose();
  });

  test('zeros and ones', async () => {
    const z = zeros([5, 7]);
    const o = ones([257]);
    expectAllClose(await z.data(), fillRef(35, 0), EXACT);
    expectAllClose(await o.data(), fillRef(257, 1), EXACT);
    z.dispose();
    o.dispose();
  });

  test.each(VALUES)('full(value %d): small tensors are uploaded, larger ones filled by the kernel', async (value) => {
    resetCounters();
    const small = full([4096], value);
    expect(counters().byKernel.get('fill') ?? 0).toBe(0);
    const big = full([4097], value);
    expect(counters().byKernel.get('fill')).toBe(1);
    expectAllClose(await small.data(), roundF32(fillRef(4096, value)), EXACT);
    expectAllClose(await big.data(), roundF32(fillRef(4097, value)), EXACT);
    small.dispose();
    big.dispose();
  });

  test('an f32 dim may be NaN; only a missing one is refused', () => {
    expect(() => full([2], NaN).dispose()).not.toThrow();
    const t = Tensor.empty([1]);
    expect(() => recorder().dispatch(fill, { out: t.buffer }, { n: 1 } as never)).toThrow(/dim 'value' is missing/);
    t.dispose();
  });
});
