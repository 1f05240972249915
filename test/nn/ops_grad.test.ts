// Every differentiable op through the public API: the GPU forward against a float64 CPU forward,
// and the GPU tape's gradient of Σ R⊙op(...) against float64 finite differences of that forward.
// Inputs stay away from kinks (relu/abs at 0, clamp bounds, max ties) where differences lie.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init, nn, tensor, tidy, type Tensor } from 'webrnn';
import { binaryRef, unaryRef } from '../../src/reference/elementwise.js';
import { embeddingForwardRef } from '../../src/reference/embedding.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { reduceRef } from '../../src/reference/reduce.js';
import { concatRef, sliceRef, transposeRef } from '../../src/reference/shape.js';
import { softmaxRef } from '../../src/reference/softmax.js';
import { dropoutRef } from '../../src/reference/dropout.js';
import { embedding } from '../../src/graph/ops/embedding.js';
import type { UnaryParams } from '../../src/kernels/elementwise.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { awayFromZero, checkGrad, fdGrad, indices, input, tapeGrad } from '../util/gradcheck.js';
import { roundF32, uniform } from '../util/rng.js';

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

describe('shape ops', () => {
  const X = input([2, 3, 4], 1);
  test('reshape (explicit and with -1)', async () => {
    await checkGrad({ build: ([x]) => x!.reshape([6, 4]), f: ([x]) => Float64Array.from(x!), inputs: [X], shape: [6, 4], outTol: TOL.elementwise });
    await checkGrad({ build: ([x]) => x!.reshape([-1, 2]).mul(x!.reshape([12, 2])), f: ([x]) => x!.map((v) => v * v), inputs: [X], shape: [12, 2] });
  });

  test.each([
    ['swap dims 0 and 2', [0, 2], [2, 1, 0]],
    ['swap dims 1 and -1', [1, -1], [0, 2, 1]],
    ['full permutation', [2, 0, 1], [2, 0, 1]],
    ['default (reverse)', [], [2, 1, 0]],
  ] as const)('transpose: %s', async (_n, dims, perm) => {
    await checkGrad({
      build: ([x]) => x!.transpose(...dims),
      f: ([x]) => transposeRef(x!, X.shape, perm).data,
      inputs: [X],
      shape: perm.map((p) => X.shape[p]!),
      outTol: TOL.elementwise,
    });
  });

  test.each([[[]], [[0, 1]], [[1, 0]], [[-1, 0]]])('transpose%j of a matrix swaps its dims', async (dims) => {
    await checkGrad({ build: ([x]) => x!.transpose(...dims), f: ([x]) => transposeRef(x!, [3, 5]).data, inputs: [input([3, 5], 2)], shape: [5, 3] });
  });

  test.each([[0, 1, 2], [1, 0, 2], [2, 1, 3], [-1, 0, 4], [1, 1, 1]] as const)('slice(axis %i, %i, %i)', async (axis, s, e) => {
    const a = (axis + 3) % 3;
    await checkGrad({ build: ([x]) => x!.slice(axis, s, e), f: ([x]) => sliceRef(x!, X.shape, a, s, e).data, inputs: [X], outTol: TOL.elementwise });
  });

  test.each([[0, 1], [1, 2], [2, 0], [-1, -1]] as const)('select(axis %i, index %i)', async (axis, i) => {
    const a = (axis + 3) % 3;
    const idx = i < 0 ? i + X.shape[a]! : i;
    await checkGrad({
      build: ([x]) => x!.select(axis, i),
      f: ([x]) => sliceRef(x!, X.shape, a, idx, idx + 1).data,
      inputs: [X],
      shape: X.shape.filter((_, k) => k !== a),
      outTol: TOL.elementwise,
    });
  });

  test.each([0, 1, 2])('concat of three tensors along axis %i', async (axis) => {
    const shapes = [1, 2, 3].map((n) => X.shape.map((d, i) => (i === axis ? n : d)));
    await checkGrad({
      build: (xs) => w.concat(xs, axis),
      f: (xs) => concatRef(xs, shapes, axis).data,
      inputs: shapes.map((s, i) => input(s, 10 + i)),
      outTol: TOL.elementwise,
    });
  });

  test('concat where one input needs no gradient', async () => {
    await checkGrad({
      build: (xs) => w.concat(xs, 1),
      f: (xs) => concatRef(xs, [[2, 2], [2, 3]], 1).data,
      inputs: [input([2, 2], 1), { ...input([2, 3], 2), grad: false }],
    });
  });

  test.each([0, 1, 2, -1])('stack of three [3, 2] tensors along axis %i', async (axis) => {
    const a = axis < 0 ? axis + 3 : axis;
    const one = [3, 2];
    const expanded = [...one.slice(0, a), 1, ...one.slice(a)];
    await checkGrad({
      build: (xs) => w.stack(xs, axis),
      f: (xs) => concatRef(xs, [expanded, expanded, expanded], a).data,
      inputs: [1, 2, 3].map((s) => input(one, s)),
      shape: expanded.map((d, i) => (i === a ? 3 : d)),
      outTol: TOL.elementwise,
    });
  });
});

describe('embedding and dropout', () => {
  test('embedding with repeated indices adds their gradients', async () => {
    const [num, dim] = [5, 3];
    const idx = [2, 0, 2, 4, 2, 0];
    await checkGrad({
      build: ([wt, i]) => embedding(wt!, i!),
      f: ([wt]) => embeddingForwardRef(wt!, num, dim, idx),
      inputs: [input([num, dim], 1), indices(idx, [2, 3])],
      shape: [2, 3, dim],
    });
  });

  test('nn.Embedding: the gradient reaches its weight parameter', async () => {
    const emb = new nn.Embedding(4, 2, { seed: 3 });
    const wt = Float64Array.from(await emb.weight.data());
    const idx = [3, 3, 1];
    const r = roundF32(uniform(6, 9));
    tidy(() => emb.forward(tensor(Int32Array.from(idx))).mul(tensor(Float32Array.from(r), [3, 2])).sum().backward());
    const fd = fdGrad(([v]) => embeddingForwardRef(v!, 4, 2, idx), [wt], r, [true])[0]!;
    expectAllClose(await emb.weight.grad!.data(), fd, TOL.bptt);
    emb.dispose();
  });

  test('nn.Dropout in training mode: gradient = R ⊙ mask / (1 − p) with the mask the op drew', async () => {
    const [p, seed] = [0.4, 1234];
    const x = awayFromZero(64, 3, -2, 2, 0.1);
    const drop = new nn.Dropout(p, { seed });
    // The first call of a Dropout module draws at offset 0; the twin makes the same mask.
    const { mask } = dropoutRef(x, p, seed, 0);
    expect(mask.some((m) => m === 0) && mask.some((m) => m === 1)).toBe(true);
    await checkGrad({ build: ([v]) => drop.forward(v!), f: ([v]) => dropoutRef(v!, p, seed, 0).y, inputs: [{ data: x, shape: [8, 8] }], outTol: TOL.elementwise });
  });

  test('nn.Dropout in eval mode returns the values unchanged', async () => {
    const x = Float32Array.from(uniform(12, 5));
    const drop = new nn.Dropout(0.5, { seed: 1 }).eval();
    expect(Array.from(await drop.forward(tensor(x, [4, 3])).data())).toEqual(Array.from(x));
  });

  test('nn.Dropout in eval mode passes the gradient through unchanged', async () => {
    const drop = new nn.Dropout(0.5, { seed: 1 }).eval();
    await checkGrad({ build: ([v]) => drop.forward(v!), f: ([v]) => Float64Array.from(v!), inputs: [input([4, 3], 5)], outTol: TOL.elementwise });
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
