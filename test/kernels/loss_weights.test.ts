// loss_weights.wgsl vs its CPU twin: N = 0, 1, odd, ±1 around the 256-wide workgroup and past
// it; ignore index only, mask only, both; ignore values −100, 0 and the int32 extremes; non-finite
// and fractional masks; bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, zeros } from 'webrnn';
import { launchLossWeights } from '../../src/kernels/loss_weights.js';
import { lossWeightsRef } from '../../src/reference/loss_weights.js';
import { expectAllClose } from '../util/allclose.js';
import { ints, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const EXACT = { rtol: 0, atol: 0 }; // a copy or a 0: bit-exact

/** Targets in [0, 5) with about every third one replaced by `ignore`. */
function targetsWith(n: number, ignore: number, seed: number): Int32Array {
  const t = ints(n, 5, seed);
  const pick = ints(n, 3, seed + 1);
  return t.map((v, i) => (pick[i] === 0 ? ignore : v));
}

describe.each([0, 1, 7, 255, 256, 257, 1000])('N = %i', (n) => {
  test.each([
    ['ignore index only', true, false],
    ['mask only', false, true],
    ['mask and ignore index', true, true],
    ['class weights, mask and ignore index', true, true, true],
    ['class weights only', false, false, true],
  ])('%s', async (_name, ignore, masked, weighted = false) => {
    const ignoreIndex = ignore ? -100 : undefined;
    const t = weighted && !ignore ? ints(n, 5, n + 1) : targetsWith(n, -100, n + 1);
    const m = roundF32(uniform(n, n + 2, -1, 2));
    const cw = roundF32([0.5, 2, 0.25, 3, 1.5]);
    const useT = ignore || weighted;
    const w = launchLossWeights(n, useT ? tensor(t, [n]) : null, ignoreIndex, masked ? tensor(Float32Array.from(m), [n]) : null, weighted ? tensor(Float32Array.from(cw)) : null);
    expect(w.shape).toEqual([n]);
    // mask · class weight is one float32 product: exact in float64 after rounding to float32.
    const want = Float32Array.from(lossWeightsRef(n, useT ? t : null, ignoreIndex, masked ? m : null, weighted ? cw : null));
    expectAllClose(await w.data(), want, EXACT);
  });
});

test('class weights: a target outside [0, C) gives NaN unless ignored', async () => {
  const t = Int32Array.from([0, 5, -1, 2, -100]);
  const got = await launchLossWeights(5, tensor(t), -100, null, tensor([1, 2, 3])).data();
  expect(Array.from(got).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([1, 'NaN', 'NaN', 3, 0]);
  expect(Array.from(lossWeightsRef(5, t, -100, null, [1, 2, 3])).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([1, 'NaN', 'NaN', 3, 0]);
});

test.each([0, 3, -1, 2 ** 31 - 1, -(2 ** 31)])('ignore index %i: only equal targets get 0', async (ignore) => {
  const t = Int32Array.from([ignore, 0, 3, -1, 2 ** 31 - 1, -(2 ** 31), ignore]);
  const got = await launchLossWeights(t.length, tensor(t), ignore, null).data();
  const want = lossWeightsRef(t.length, t, ignore, null);
  expect(want.filter((v) => v === 0).length).toBeGreaterThanOrEqual(2);
  expectAllClose(got, want, EXACT);
});

test('targets are not read without an ignore index; the mask passes through unchanged', async () => {
  const t = Int32Array.from([0, 1, 2]);
  expectAllClose(await launchLossWeights(3, tensor(t), undefined, null).data(), [1, 1, 1], EXACT);
  const m = Float32Array.from([0.5, 0, 3]);
  expectAllClose(await launchLossWeights(3, tensor(t), undefined, tensor(m)).data(), lossWeightsRef(3, t, undefined, m), EXACT);
});

test('non-finite mask values pass through, except on ignored rows (0)', async () => {
  const m = Float32Array.from([NaN, Infinity, -Infinity, NaN, 1]);
  const t = Int32Array.from([1, 2, 3, 7, 7]);
  const got = await launchLossWeights(5, tensor(t), 7, tensor(m)).data();
  const want = lossWeightsRef(5, t, 7, m);
  expect(Array.from(want)).toEqual([NaN, Infinity, -Infinity, 0, 0]);
  expectAllClose(got, want, EXACT);
});

test('bad input is refused with the problem named, before anything is dispatched', () => {
  const t = tensor(Int32Array.from([1, 2, 3]));
  const m = zeros([3]);
  resetCounters();
  expect(() => launchLossWeights(3, null, 0, null)).toThrow(/needs targets .* or a mask/);
  expect(() => launchLossWeights(-1, t, 0, null)).toThrow(/n = -1 must be a non-negative integer/);
  expect(() => launchLossWeights(4, t, 0, null)).toThrow(/targets must be int32 with 4 elements, got int32 \[3\]/);
  expect(() => launchLossWeights(3, m, 0, null)).toThrow(/targets must be int32 with 3 elements, got float32 \[3\]/);
  expect(() => launchLossWeights(3, null, undefined, t)).toThrow(/mask must be float32 with 3 elements, got int32 \[3\]/);
  expect(() => launchLossWeights(2, null, undefined, m)).toThrow(/mask must be float32 with 2 elements, got float32 \[3\]/);
  expect(() => launchLossWeights(3, t, 0.5, null)).toThrow(/ignoreIndex 0.5 is not an int32/);
  expect(() => launchLossWeights(3, t, 2 ** 31, null)).toThrow(/ignoreIndex 2147483648 is not an int32/);
  expect(counters().dispatches).toBe(0);
});
