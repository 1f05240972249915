// Every data-movement op through the public API, checked as in ops_grad.test.ts: shape ops
// (reshape, transpose, slice, concat, stack, select), embedding and dropout, GPU forward against a
// float64 CPU forward and the tape's gradient against float64 finite differences.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init, nn, tensor, tidy } from 'webrnn';
import { embeddingForwardRef } from '../../src/reference/embedding.js';
import { concatRef, sliceRef, transposeRef } from '../../src/reference/shape.js';
import { dropoutRef } from '../../src/reference/dropout.js';
import { embedding } from '../../src/graph/ops/embedding.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { awayFromZero, checkGrad, fdGrad, indices, input } from '../util/gradcheck.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
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
