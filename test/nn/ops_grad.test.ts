// Every differentiable op through the public API: the GPU forward against a float64 CPU forward,
// and the GPU tape's gradient of Σ R⊙op(...) against float64 finite differences of that forward.
// Inputs stay away from kinks (relu/abs at 0, clamp bounds, max ties) where differences lie.
// Arithmetic, matmul and reductions here; shape ops, embedding and dropout in ops_grad_data.test.ts.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init, tensor, type Tensor } from 'webrnn';
import { binaryRef, unaryRef } from '../../src/reference/elementwise.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { reduceRef } from '../../src/reference/reduce.js';
import { softmaxRef } from '../../src/reference/softmax.js';
import type { UnaryParams } from '../../src/kernels/elementwise.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { awayFromZero, checkGrad, input, tapeGrad } from '../util/gradcheck.js';

beforeAll(async () => {
  await init();
});

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** x as [outer, len, inner] around `axis`, or [1, size, 1] for all (worked out here, not taken from the code). */
function rows(shape: readonly number[], axis?: number) {
  if (axis === undefined) return { outer: 1, len: prod(shape), inner: 1 };
  const a = axis < 0 ? axis + shape.length : axis;
  return { outer: prod(shape.slice(0, a)), len: shape[a]!, inner: prod(shape.slice(a + 1)) };
}
const A = (xs: Tensor[], i = 0) => xs[i]!;

describe('add / sub / mul / div with broadcasting', () => {
  const SHAPES: [number[], number[]][] = [
    [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1, 4], [3, 1]], [[1], [2, 3]], [[4, 1], [1, 5]], [[3], [2, 2, 3]],
  ];
  test.each((['add', 'sub', 'mul', 'div'] as const).flatMap((op) => SHAPES.map(([a, b]) => [op, a, b] as const)))(
    '%s %j ∘ %j',
    async (op, as, bs) => {
      // div: the divisor stays away from 0, where 1/b explodes.
      const b = op === 'div' ? { data: awayFromZero(prod(bs), 2, -2, 2, 0.5), shape: bs } : input(bs, 2);
      await checkGrad({
        build: (xs) => w[op](A(xs), A(xs, 1)),
        f: ([x, y]) => binaryRef(op, x!, as, y!, bs).data,
        inputs: [input(as, 1), b],
        outTol: TOL.elementwise,
      });
    },
  );

  test.each([['add', 2.5], ['sub', 1.5], ['mul', -3], ['div', 4]] as const)('tensor %s number %d', async (op, s) => {
    const cpu = { add: (v: number) => v + s, sub: (v: number) => v - s, mul: (v: number) => v * s, div: (v: number) => v / s }[op];
    await checkGrad({ build: (xs) => A(xs)[op](s), f: ([x]) => x!.map(cpu), inputs: [input([3, 5], 3)], outTol: TOL.elementwise });
  });

  test('the same tensor on both sides (x ⊙ x, x / x) sums both paths', async () => {
    await checkGrad({ build: ([x]) => x!.mul(x!), f: ([x]) => x!.map((v) => v * v), inputs: [input([7], 4)], outTol: TOL.elementwise });
    await checkGrad({ build: ([x]) => x!.div(x!).mul(x!), f: ([x]) => x!.map((v) => (v / v) * v), inputs: [{ data: awayFromZero(5, 5, -2, 2, 0.5), shape: [5] }], outTol: TOL.elementwise });
  });

  test('only one side requires grad', async () => {
    await checkGrad({
      build: (xs) => w.div(A(xs), A(xs, 1)),
      f: ([x, y]) => binaryRef('div', x!, [2, 3], y!, [3]).data,
      inputs: [{ ...input([2, 3], 6), grad: false }, { data: awayFromZero(3, 7, -2, 2, 0.5), shape: [3] }],
    });
  });
});

describe('unary ops', () => {
  // [name, build, op for unaryRef, params, lo, hi]: domains keep away from kinks and singularities.
  const pos = (n: number, seed: number) => input([n], seed, 0.5, 2);
  const CASES: [string, (x: Tensor) => Tensor, Parameters<typeof unaryRef>[0], UnaryParams, () => Float64Array][] = [
    ['neg', (x) => x.neg(), 'neg', {}, () => input([9], 1, -2, 2).data],
    ['exp', (x) => x.exp(), 'exp', {}, () => input([9], 2, -2, 2).data],
    ['log', (x) => x.log(), 'log', {}, () => pos(9, 3).data],
    ['sqrt', (x) => x.sqrt(), 'sqrt', {}, () => pos(9, 4).data],
    ['tanh', (x) => x.tanh(), 'tanh', {}, () => input([9], 5, -3, 3).data],
    ['sigmoid', (x) => x.sigmoid(), 'sigmoid', {}, () => input([9], 6, -4, 4).data],
    ['relu', (x) => x.relu(), 'relu', {}, () => awayFromZero(9, 7, -2, 2, 0.1)],
    ['abs', (x) => x.abs(), 'abs', {}, () => awayFromZero(9, 8, -2, 2, 0.1)],
    ['leakyRelu', (x) => x.leakyRelu(0.2), 'leakyRelu', { negativeSlope: 0.2 }, () => awayFromZero(9, 14, -2, 2, 0.1)],
    ['leakyRelu default slope', (x) => w.leakyRelu(x), 'leakyRelu', { negativeSlope: 0.01 }, () => awayFromZero(9, 15, -2, 2, 0.1)],
    ['square', (x) => x.square(), 'square', {}, () => input([9], 9, -2, 2).data],
    ['pow 3 (negative x too)', (x) => x.pow(3), 'pow', { exponent: 3 }, () => input([9], 10, -2, 2).data],
    ['pow 2.5', (x) => x.pow(2.5), 'pow', { exponent: 2.5 }, () => pos(9, 11).data],
    ['pow -1.5', (x) => x.pow(-1.5), 'pow', { exponent: -1.5 }, () => pos(9, 12).data],
    ['pow 0.5', (x) => x.pow(0.5), 'pow', { exponent: 0.5 }, () => pos(9, 13).data],
    // Values on both sides of each bound and inside, none within 0.05 of a bound.
    ['clamp', (x) => x.clamp(-0.5, 0.7), 'clamp', { min: -0.5, max: 0.7 }, () => Float64Array.from(Float32Array.from([-2, -0.6, -0.4, 0, 0.3, 0.65, 0.8, 1.5, -0.55]))],
  ];
  test.each(CASES)('%s', async (_n, build, op, params, data) => {
    const x = data();
    await checkGrad({ build: (xs) => build(A(xs)), f: ([v]) => unaryRef(op, v!, params), inputs: [{ data: x, shape: [x.length] }] });
  });
});

describe('matmul and linear', () => {
  const CASES: [string, number[], number[]][] = [
    ['2-D', [3, 4], [4, 5]],
    ['batched', [2, 3, 4], [2, 4, 5]],
    ['batched · 2-D', [2, 3, 4], [4, 5]],
    ['2-D · batched', [3, 4], [2, 4, 5]],
    ['4-D batched', [2, 2, 1, 3], [2, 2, 3, 2]],
    ['batched · 2-D with 2 batch dims', [2, 3, 2, 4], [4, 1]],
  ];
  test.each(CASES)('%s %j · %j', async (_n, as, bs) => {
    const [m, k] = as.slice(-2) as [number, number];
    const n = bs[bs.length - 1]!;
    const batch = Math.max(prod(as.slice(0, -2)), prod(bs.slice(0, -2)));
    const dims = { batch, m, n, k, broadcastA: as.length === 2, broadcastB: bs.length === 2 };
    await checkGrad({
      build: (xs) => w.matmul(A(xs), A(xs, 1)),
      f: ([a, b]) => matmulRef(a!, b!, dims),
      inputs: [input(as, 1), input(bs, 2)],
      shape: [...(as.length > bs.length ? as : bs).slice(0, -2), m, n],
    });
  });

  // linear: y = x·Wᵀ + b over the leading dims of x, W [out, in].
  const linearRef = (x: Float64Array, wt: Float64Array, b: Float64Array | undefined, inF: number, outF: number) =>
    matmulRef(x, wt, { batch: 1, m: x.length / inF, n: outF, k: inF, transB: true }, b ? { bias: b } : {});
  test.each([
    ['with bias', [4, 3], true],
    ['without bias', [4, 3], false],
    ['3-D input', [2, 4, 3], true],
    ['one row', [1, 3], true],
  ] as const)('linear %s, x %j', async (_n, xs, bias) => {
    const [inF, outF] = [3, 5];
    await checkGrad({
      build: ([x, wt, b]) => w.linear(x!, wt!, bias ? b : undefined),
      f: ([x, wt, b]) => linearRef(x!, wt!, bias ? b : undefined, inF, outF),
      inputs: [input(xs, 1), input([outF, inF], 2), ...(bias ? [input([outF], 3)] : [])],
      shape: [...xs.slice(0, -1), outF],
    });
  });
});

describe('reductions and softmax', () => {
  const SHAPE = [3, 4, 5];
  const AXES = [0, 1, 2, -1, undefined];
  test.each(['sum', 'mean', 'max'] as const)('%s over each axis and over all, keepDims both', async (op) => {
    for (const axis of AXES) {
      for (const keepDims of [false, true]) {
        // Distinct values (a shuffled ramp plus noise) so max has no ties within 0.01.
        const x = input(SHAPE, 5, -1, 1);
        const ramp = x.data.map((_, i) => ((i * 37) % 60) / 30 - 1 + x.data[i]! * 0.004);
        const kept = axis === undefined ? SHAPE.map(() => 1) : SHAPE.map((d, i) => (i === (axis + 3) % 3 ? 1 : d));
        const shape = keepDims ? kept : axis === undefined ? [] : SHAPE.filter((_, i) => i !== (axis + 3) % 3);
        await checkGrad({
          build: ([v]) => v![op](axis, keepDims),
          f: ([v]) => reduceRef(op, v!, rows(SHAPE, axis)),
          inputs: [{ data: Float64Array.from(Float32Array.from(ramp)), shape: SHAPE }],
          shape,
        });
      }
    }
  });

  test('max shares the gradient evenly between tied maxima (like amax)', async () => {
    const x = Float64Array.from([1, 3, 3, 2, 2, 2, 0, 5, -1]);
    const r = Float64Array.from([0.5, -2, 4]);
    const { grads } = await tapeGrad(([v]) => v!.max(1), [{ data: x, shape: [3, 3] }], r);
    // Row 0: two maxima share 0.5; row 1: three share −2; row 2: one maximum takes all of 4.
    expectAllClose(grads[0]!, [0, 0.25, 0.25, -2 / 3, -2 / 3, -2 / 3, 0, 4, 0], TOL.elementwise);
    const all = await tapeGrad(([v]) => v!.max(), [{ data: x, shape: [3, 3] }], [3]);
    expect(Array.from(all.grads[0]!)).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 0]);
  });

  test.each([0, 1, 2, -1])('softmax and logSoftmax along axis %i', async (axis) => {
    for (const log of [false, true]) {
      await checkGrad({
        build: ([v]) => (log ? v!.logSoftmax(axis) : v!.softmax(axis)),
        f: ([v]) => softmaxRef(v!, rows(SHAPE, axis), log),
        inputs: [input(SHAPE, 6 + axis, -3, 3)],
        shape: SHAPE,
      });
    }
  });

  test('softmax default axis is the last one', async () => {
    await checkGrad({ build: ([v]) => v!.softmax(), f: ([v]) => softmaxRef(v!, rows([2, 6], 1)), inputs: [input([2, 6], 9, -3, 3)] });
  });
});

test('composite: log-softmax of a linear layer of tanh (chain of several ops)', async () => {
  const [B, I, O] = [3, 4, 5];
  await checkGrad({
    build: ([x, wt, b]) => w.linear(x!.tanh(), wt!, b).logSoftmax(),
    f: ([x, wt, b]) => softmaxRef(matmulRef(x!.map(Math.tanh), wt!, { batch: 1, m: B, n: O, k: I, transB: true }, { bias: b! }), rows([B, O], 1), true),
    inputs: [input([B, I], 1, -2, 2), input([O, I], 2), input([O], 3)],
  });
});

test('tensor() leaves created in build are constants (no gradient)', async () => {
  const c = Float32Array.from([1, 2, 3]);
  await checkGrad({ build: ([x]) => x!.mul(tensor(c, [3])), f: ([x]) => x!.map((v, i) => v * c[i]!), inputs: [input([3], 1)] });
});

test('the check can fail: a CPU forward equal in value but not in slope is caught', async () => {
  // f(v) = v² + (v − v₀) has the right values at v₀ but slope 2v₀ + 1, so only the gradient check trips.
  const x = input([4], 1, 0.5, 2);
  const f = ([v]: readonly Float64Array[]) => v!.map((a, i) => a * a + (a - x.data[i]!));
  await expect(checkGrad({ build: ([v]) => v!.square(), f, inputs: [x] })).rejects.toThrow(/rtol/);
});
