// batchNorm and layerNorm through the public API: the GPU forward against the float64 twins, and
// the tape's gradients of x, weight and bias against float64 finite differences of the twins,
// with batch statistics (training), running statistics (eval) and without affine parameters.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init, tensor, type Tensor } from 'webrnn';
import { normForwardRef, normStatsRef } from '../../src/reference/norm.js';
import type { NormView } from '../../src/kernels/norm.js';
import { checkGrad, input } from '../util/gradcheck.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const A = (xs: Tensor[], i = 0) => xs[i]!;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('batchNorm', () => {
  const SHAPES = [[4, 3], [2, 3, 5], [2, 2, 3, 4]];
  const bnView = (s: number[]): NormView => ({ outer: s[0]!, c: s[1]!, inner: prod(s.slice(2)) });

  test.each(SHAPES)('training (batch statistics), affine: %j', async (...shape) => {
    const v = bnView(shape);
    const c = shape[1]!;
    await checkGrad({
      build: (t) => w.batchNorm(A(t), null, null, A(t, 1), A(t, 2)),
      f: ([x, wt, b]) => {
        const s = normStatsRef(x!, v, 1e-5);
        return normForwardRef(x!, v, s.mean, s.invstd, 1, wt, b);
      },
      inputs: [input(shape, 1, -2, 2), input([c], 2, 0.5, 1.5), input([c], 3)],
    });
  });

  test('training without affine, running statistics updated on the side', async () => {
    const shape = [3, 2, 4];
    const v = bnView(shape);
    await checkGrad({
      build: (t) => {
        const rm = w.zeros([2]);
        const rv = w.ones([2]);
        return w.batchNorm(A(t), rm, rv, null, null, { training: true });
      },
      f: ([x]) => {
        const s = normStatsRef(x!, v, 1e-5);
        return normForwardRef(x!, v, s.mean, s.invstd, 0);
      },
      inputs: [input(shape, 4, -2, 2)],
    });
  });

  test('eval mode: running statistics are constants', async () => {
    const shape = [2, 3, 5];
    const v = bnView(shape);
    const rm = roundF32(uniform(3, 5, -0.5, 0.5));
    const rv = roundF32(uniform(3, 6, 0.5, 2));
    const invstd = rv.map((s) => 1 / Math.sqrt(s + 1e-3));
    await checkGrad({
      build: (t) => w.batchNorm(A(t), tensor(f32(rm), [3]), tensor(f32(rv), [3]), A(t, 1), A(t, 2), { training: false, eps: 1e-3 }),
      f: ([x, wt, b]) => normForwardRef(x!, v, rm, invstd, 1, wt, b),
      inputs: [input(shape, 7, -2, 2), input([3], 8, 0.5, 1.5), input([3], 9)],
    });
  });

  test('bad input is named', () => {
    const x = w.zeros([2, 3, 4]);
    expect(() => w.batchNorm(x, null, null, w.ones([4]), w.zeros([4]))).toThrow(/^webrnn: batchNorm: weight \[4\] must be \[3\]/);
    expect(() => w.batchNorm(w.zeros([1, 3]), null, null)).toThrow(/^webrnn: batchNorm: expected more than 1 value per channel when training/);
    expect(() => w.batchNorm(x, w.zeros([3]), null)).toThrow(/^webrnn: batchNorm: give runningMean and runningVar together/);
    expect(() => w.batchNorm(x, w.zeros([3]), w.ones([3]), null, null, { momentum: null })).toThrow(/needs numBatchesTracked/);
    x.dispose();
  });
});

describe('layerNorm', () => {
  test.each([
    ['last dim, affine', [3, 5], [5], true],
    ['last two dims, affine', [2, 3, 4], [3, 4], true],
    ['no affine', [4, 6], [6], false],
  ] as const)('%s: x %j over %j', async (_n, shape, norm, affine) => {
    const n = prod(norm);
    const v: NormView = { outer: 1, c: prod(shape) / n, inner: n };
    await checkGrad({
      build: (t) => w.layerNorm(A(t), norm, affine ? A(t, 1) : null, affine ? A(t, 2) : null),
      f: ([x, wt, b]) => {
        const s = normStatsRef(x!, v, 1e-5);
        return normForwardRef(x!, v, s.mean, s.invstd, affine ? 2 : 0, wt, b);
      },
      inputs: [input(shape, 10, -2, 2), ...(affine ? [input(norm, 11, 0.5, 1.5), input(norm, 12)] : [])],
    });
  });

  test('bad input is named', () => {
    const x = w.zeros([2, 3, 4]);
    expect(() => w.layerNorm(x, [3])).toThrow(/^webrnn: layerNorm: normalizedShape \[3\] must be the last dims/);
    expect(() => w.layerNorm(x, [4], w.ones([3]), w.zeros([3]))).toThrow(/^webrnn: layerNorm: weight \[3\] must be \[4\]/);
    x.dispose();
  });
});
