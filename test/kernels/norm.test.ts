// norm_stats.wgsl, norm_forward.wgsl, norm_backward_reduce.wgsl and norm_backward.wgsl vs their
// float64 twins over batch-norm views [B, C, L] and layer-norm views [1, rows, N]: group sizes of 1,
// odd, past the 128-wide workgroup and past the per-invocation limit, batches past one workgroup,
// every affine mode, batch and fixed statistics, the running-statistics update and the counter.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor } from 'webrnn';
import { type AffineMode, launchNormBackward, launchNormForward, launchNormStats, type NormView } from '../../src/kernels/norm.js';
import { normBackwardRef, normForwardRef, normStatsRef, runningUpdateRef } from '../../src/reference/norm.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

// [outer, C, inner, affine mode]: mode 1 with batch-norm views, 2 with layer-norm views, 0 with both.
const VIEWS: [number, number, number, AffineMode][] = [
  [1, 1, 2, 1], [2, 3, 5, 1], [3, 7, 65, 0], [65, 5, 1, 1], [4, 13, 33, 1], [3, 2, 700, 1],
  [1, 1, 1, 2], [1, 5, 7, 2], [1, 300, 129, 2], [1, 4100, 8, 0], [1, 3, 1500, 2],
];

describe.each(VIEWS)('view [%i, %i, %i] affine %i', (outer, c, inner, mode) => {
  const v: NormView = { outer, c, inner };
  const n = outer * c * inner;
  const eps = 1e-5;
  // Offsets of 3..9 per group: the two-pass variance must not lose them to cancellation (larger
  // ones would leave float32's mean itself too coarse for the tolerance).
  const x = roundF32(uniform(n, 1 + n, -1, 1).map((val, i) => val + 3 + ((Math.floor(i / inner) % c) % 7)));
  const affineSize = mode === 1 ? c : inner;
  const w = roundF32(uniform(affineSize, 2, 0.5, 1.5));
  const b = roundF32(uniform(affineSize, 3, -1, 1));
  const dy = roundF32(uniform(n, 4, -1, 1));
  const want = normStatsRef(x, v, eps);
  const tol = reductionTol(outer * inner, 4);

  test('statistics and forward', async () => {
    const xt = tensor(f32(x), [outer, c, inner]);
    const s = launchNormStats(xt, v, eps);
    expectAllClose(await s.mean.data(), want.mean, tol);
    expectAllClose(await s.invstd.data(), want.invstd, tol);
    const affine = { mode, weight: tensor(f32(w), [affineSize]), bias: tensor(f32(b), [affineSize]) };
    const y = launchNormForward(xt, v, s.mean, s.invstd, affine);
    expectAllClose(await y.data(), normForwardRef(x, v, want.mean, want.invstd, mode, w, b), tol);
  });

  test.each([true, false])('backward with batch statistics = %s', async (batchStats) => {
    const xt = tensor(f32(x), [outer, c, inner]);
    // Fixed statistics stand for running ones: any mean and invstd will do.
    const mean = batchStats ? want.mean : roundF32(uniform(c, 5, 2, 4));
    const invstd = batchStats ? roundF32(want.invstd) : roundF32(uniform(c, 6, 0.5, 2));
    const affine = { mode, weight: tensor(f32(w), [affineSize]), bias: tensor(f32(b), [affineSize]) };
    const got = launchNormBackward(xt, tensor(f32(dy), [outer, c, inner]), v, tensor(f32(mean), [c]), tensor(f32(invstd), [c]), affine, {
      batchStats, product: true,
    });
    const ref = normBackwardRef(x, dy, v, roundF32(mean), invstd, mode, w, batchStats);
    expectAllClose(await got.dx.data(), ref.dx, tol);
    if (mode === 1) {
      expectAllClose(await got.sumG.data(), ref.db, tol);
      expectAllClose(await got.sumGx.data(), ref.dw, tol);
    }
    const prod = Float64Array.from(dy, (g, i) => g * (x[i]! - mean[Math.floor(i / inner) % c]!) * invstd[Math.floor(i / inner) % c]!);
    expectAllClose(await got.product!.data(), prod, tol);
  });
});

describe('running statistics', () => {
  const v: NormView = { outer: 6, c: 5, inner: 9 };
  const n = 6 * 5 * 9;
  const x = roundF32(uniform(n, 7, -2, 2));
  const rm0 = roundF32(uniform(5, 8, -1, 1));
  const rv0 = roundF32(uniform(5, 9, 0.5, 2));
  const s = normStatsRef(x, v, 1e-5);

  test.each([[0.1, 0], [0.25, 5], [null, 3]] as const)('momentum %s after %i batches', async (momentum, seen) => {
    const batches = tensor(Int32Array.of(seen), []);
    const running = { mean: tensor(f32(rm0), [5]), var: tensor(f32(rv0), [5]), momentum, batches };
    const xt = tensor(f32(x), [6, 5, 9]);
    const st = launchNormStats(xt, v, 1e-5, running);
    launchNormForward(xt, v, st.mean, st.invstd, { mode: 0 }, batches);
    const f = momentum ?? 1 / (seen + 1);
    const want = runningUpdateRef(rm0, rv0, s.mean, s.variance, 54, f);
    expectAllClose(await running.mean.data(), want.mean, reductionTol(54));
    expectAllClose(await running.var.data(), want.variance, reductionTol(54));
    expect(Array.from(await batches.data())).toEqual([seen + 1]);
  });
});
