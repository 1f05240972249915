// pool2d.wgsl and pool2d_backward.wgsl vs their float64 twins: max and average (with and without
// countIncludePad), windows that do not tile the input, overlapping and gapped strides, padding,
// batch 1 and more planes than a workgroup, ties and NaN in max windows.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor } from 'webrnn';
import { launchPool2d, launchPool2dBackward, planPool2d, type Pool2dOptions } from '../../src/kernels/pool.js';
import type { Pair } from '../../src/kernels/conv_plan.js';
import { pool2dBackwardRef, pool2dRef } from '../../src/reference/pool.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// [x shape, kernel, options]
const CASES: [number[], Pair, Pool2dOptions][] = [
  [[1, 1, 1, 1], 1, {}],
  [[1, 2, 5, 7], 2, {}],
  [[2, 3, 7, 9], 3, { stride: 2, padding: 1 }],
  [[2, 2, 6, 11], [2, 3], { stride: [1, 2], padding: [1, 0] }],
  [[3, 100, 5, 4], [3, 2], { stride: 1 }],
  [[2, 3, 9, 8], 2, { stride: 3 }],
  [[4, 9, 9], 3, { padding: 1 }],
];

describe.each(CASES)('pool2d x %j kernel %j %j', (xs, k, opts) => {
  const d = planPool2d('test', xs, k, opts);
  const x = roundF32(uniform(size(xs), 1 + size(xs), -2, 2));
  const outShape = [...xs.slice(0, -2), d.oh, d.ow];
  const dy = roundF32(uniform(size(outShape), 2, -1, 1));

  test('max: forward, argmax and backward', async () => {
    const want = pool2dRef(x, d, 'max');
    const got = launchPool2d(tensor(f32(x), xs), d, 'max');
    expect(got.y.shape).toEqual(outShape);
    expectAllClose(await got.y.data(), want.y, TOL.elementwise);
    expect(Array.from(await got.argmax!.data())).toEqual(Array.from(want.argmax));
    const dx = launchPool2dBackward(tensor(f32(dy), outShape), got.argmax, xs, d);
    expectAllClose(await dx.data(), pool2dBackwardRef(dy, want.argmax, d), TOL.elementwise);
  });

  test.each([true, false])('avg (countIncludePad %s): forward and backward', async (countPad) => {
    const got = launchPool2d(tensor(f32(x), xs), d, 'avg', countPad);
    expectAllClose(await got.y.data(), pool2dRef(x, d, 'avg', countPad).y, TOL.reduction);
    const dx = launchPool2dBackward(tensor(f32(dy), outShape), null, xs, d, countPad);
    expectAllClose(await dx.data(), pool2dBackwardRef(dy, null, d, countPad), TOL.reduction);
  });
});

test('max: ties pick the first maximum, NaN wins, -Inf windows pick their first cell', async () => {
  const d = planPool2d('test', [1, 1, 2, 6], 2, {});
  const x = [1, 3, NaN, 0, -Infinity, -Infinity, 3, 2, 5, NaN, -Infinity, -Infinity];
  const got = launchPool2d(tensor(f32(x), [1, 1, 2, 6]), d, 'max');
  const want = pool2dRef(x, d, 'max');
  expect(Array.from(await got.argmax!.data())).toEqual(Array.from(want.argmax));
  expect(Array.from(await got.argmax!.data())).toEqual([1, 2, 4]);
  expectAllClose(await got.y.data(), want.y, TOL.elementwise);
});

test('planPool2d names bad options', () => {
  expect(() => planPool2d('maxPool2d', [1, 1, 4, 4], 2, { padding: 2 })).toThrow(/^webrnn: maxPool2d: padding \[2, 2\] must be at most half the kernel/);
  expect(() => planPool2d('maxPool2d', [1, 1, 2, 2], 3, {})).toThrow(/smaller than the kernel/);
  expect(() => planPool2d('maxPool2d', [1, 4, 4], 0, {})).toThrow(/kernelSize must be an integer ≥ 1/);
  expect(() => planPool2d('maxPool2d', [4, 4], 2, {})).toThrow(/input must be \[B, C, H, W\] or \[C, H, W\]/);
});
