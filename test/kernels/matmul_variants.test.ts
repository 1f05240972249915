// Both matmul kernels vs matmulRef, each forced on: matmul.wgsl (the fallback without subgroups)
// and matmul_blocked.wgsl (RB = 16 rows × 4 columns an invocation, K in blocks of 8 with a masked
// tail, A and B swapped and C stored transposed when N < 32 < M), its broadcasts across 8 lanes or
// 4 (SwiftShader's subgroups; forced on 8-lane adapters too). matmul.test.ts runs the default.
import { afterAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { blockedMatmulPossible, launchMatmul, type MatmulVariant } from '../../src/kernels/matmul.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

await init();
const blockedOk = blockedMatmulPossible(gpu());
afterAll(() => {
  delete gpu().tuning.matmulVariant;
  delete gpu().tuning.broadcastLanes;
});

interface Case { m: number; k: number; n: number; transA: boolean; transB: boolean; batch?: number; bias?: boolean; bias2?: boolean; acc?: boolean; poke?: number }

async function check(v: MatmulVariant, c: Case, seed: number, lanes?: 4): Promise<void> {
  gpu().tuning.matmulVariant = v;
  gpu().tuning.broadcastLanes = lanes;
  const bt = c.batch ?? 0; // batched A, 2-D B broadcast over the batch
  const shapeA = [...(bt ? [bt] : []), ...(c.transA ? [c.k, c.m] : [c.m, c.k])];
  const shapeB = c.transB ? [c.n, c.k] : [c.k, c.n];
  const a = roundF32(uniform(shapeA.reduce((x, y) => x * y, 1), seed));
  const b = roundF32(uniform(c.k * c.n, seed + 1));
  if (c.poke !== undefined) b[c.poke] = Infinity; // must reach only its own column, as in the twin
  const bias = c.bias ? roundF32(uniform(c.n, seed + 2)) : undefined;
  const bias2 = c.bias2 ? roundF32(uniform(c.n, seed + 4)) : undefined;
  const init0 = c.acc ? roundF32(uniform(Math.max(bt, 1) * c.m * c.n, seed + 3)) : undefined;
  const ta = tensor(f32(a), shapeA);
  const tb = tensor(f32(b), shapeB);
  const tbias = bias && tensor(f32(bias), [c.n]);
  const tbias2 = bias2 && tensor(f32(bias2), [c.n]);
  const tacc = init0 && tensor(f32(init0), [...(bt ? [bt] : []), c.m, c.n]);
  resetCounters();
  const out = launchMatmul(ta, tb, { transA: c.transA, transB: c.transB, bias: tbias, bias2: tbias2, accumulate: tacc, alpha: 0.5 });
  expect(counters().byKernel.get(v === 'blocked' ? 'matmul_blocked' : 'matmul')).toBe(1);
  const want = matmulRef(a, b, {
    batch: Math.max(bt, 1), m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, broadcastA: !bt, broadcastB: true,
  }, { bias, bias2, accumulate: init0, alpha: 0.5 });
  expectAllClose(await out.data(), want, reductionTol(c.k));
  for (const t of new Set([out, ta, tb, tbias, tbias2, tacc])) t?.dispose();
}

// [M, K, N]: K % 8 = 0, 4 and odd (the masked last block), M around RB = 16 and not a multiple of
// 4 (scalar A loads), N around the 4-column quad, N < 32 < M (swapped, stored transposed) and not.
const SHAPES: [number, number, number][] = [
  [16, 8, 32], [17, 12, 36], [15, 5, 33], [40, 3, 8], [64, 20, 7], [1, 9, 40], [33, 16, 1],
];
const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const VARIANTS: MatmulVariant[] = ['simple', 'blocked'];

describe.each(VARIANTS)('matmul variant %s', (v) => {
  const skip = v === 'blocked' && !blockedOk; // no subgroups of ≥ 8 lanes on this adapter
  describe.skipIf(skip).each(TRANS)('transA=%s transB=%s', (transA, transB) => {
    test.each(SHAPES)('M=%i K=%i N=%i matches the twin', async (m, k, n) => {
      await check(v, { m, k, n, transA, transB }, m + k + n);
    });
  });

  // Stored transposed (N < 32 < M) and not; with and without the first bias and accumulate.
  test.skipIf(skip).each([[17, 12, 36, true], [40, 3, 8, false], [33, 16, 1, true], [1, 9, 40, false]])('bias2, M=%i K=%i N=%i, bias and accumulate: %s', async (m, k, n, both) => {
    await check(v, { m, k, n, transA: false, transB: true, bias: both, bias2: true, acc: both }, 11);
  });

  test.skipIf(skip).each([[20, 12, 24], [40, 6, 12]])('batch of 3 over a shared B, bias and accumulate, M=%i K=%i N=%i', async (m, k, n) => {
    await check(v, { m, k, n, transA: true, transB: false, batch: 3, bias: true, acc: true }, 7);
  });

  test.skipIf(skip)('+Inf in B reaches only its column (the masked K tail adds no 0·Inf = NaN)', async () => {
    // K = 12: the last block of 8 is half past K; B [K, N] row 11 (the last real k), column 5.
    await check(v, { m: 24, k: 12, n: 40, transA: false, transB: false, poke: 11 * 40 + 5 }, 9);
    await check(v, { m: 24, k: 12, n: 40, transA: false, transB: true, poke: 5 * 12 + 11 }, 10);
  });
});

// Each way of loading A (rows of 4 as vec4, transposed or not, and single floats) on 4 lanes.
describe.skipIf(!blockedOk).each(TRANS)('matmul variant blocked on 4 lanes, transA=%s transB=%s', (transA, transB) => {
  test.each(SHAPES)('M=%i K=%i N=%i matches the twin', async (m, k, n) => {
    await check('blocked', { m, k, n, transA, transB }, m + k + n + 1, 4);
  });
  test('a batch of 3 over a shared B, both biases and accumulate', async () => {
    await check('blocked', { m: 20, k: 12, n: 24, transA, transB, batch: 3, bias: true, bias2: true, acc: true }, 13, 4);
  });
});
