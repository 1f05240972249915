// GPU shape ops (transpose, slice, concat, sliceAssign, copy over copy_strided.wgsl and buffer
// copies) vs their twins. They are bit copies, so results must be EXACT, for int32 too.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, tensor, type Tensor } from 'webrnn';
import { recorder } from '../../src/gpu/encoder.js';
import { Tensor as T } from '../../src/tensor/tensor.js';
import { concat, copy, copyStrided, slice, sliceAssign, transpose } from '../../src/kernels/shape.js';
import { concatRef, copyStridedRef, sliceAssignRef, sliceRef, transposeRef } from '../../src/reference/shape.js';
import { ints, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const f32 = (shape: readonly number[], seed: number): Float32Array => Float32Array.from(uniform(size(shape), seed));
const i32 = (shape: readonly number[], seed: number): Int32Array => ints(size(shape), 2 ** 31, seed).map((v, i) => (i % 2 ? -v : v));
const up = (x: Float32Array | Int32Array, shape: readonly number[]): Tensor => tensor(x, shape);
/** Exact comparison (toEqual tells -0 from 0 and matches NaN only with NaN). */
const same = async (t: Tensor, want: ArrayLike<number>, shape: readonly number[]) => {
  expect(t.shape).toEqual(shape);
  expect(Array.from(await t.data())).toEqual(Array.from(want));
};

const PERMS3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

describe('transpose', () => {
  test.each([[[1, 1]], [[3, 65]], [[257, 3]], [[1, 300]], [[7]]])('default (reversed) perm of %j', async (shape) => {
    const x = f32(shape, 1);
    const want = transposeRef(x, shape);
    await same(transpose(up(x, shape)), want.data, want.shape);
  });

  test.each(PERMS3)('rank 3 [2, 3, 4] by [%i, %i, %i]', async (...perm) => {
    const shape = [2, 3, 4];
    const x = f32(shape, 2);
    const want = transposeRef(x, shape, perm);
    await same(transpose(up(x, shape), perm), want.data, want.shape);
  });

  test.each([[[3, 2, 1, 0]], [[0, 2, 1, 3]], [[1, 0, 3, 2]], [[2, 3, 0, 1]], [[0, 1, 3, 2]], [[-1, 0, -2, 1]]])(
    'rank 4 [2, 3, 4, 5] by %j', async (perm) => {
      const shape = [2, 3, 4, 5];
      const x = f32(shape, 3);
      const p = perm.map((a) => (a < 0 ? a + 4 : a));
      const want = transposeRef(x, shape, p);
      await same(transpose(up(x, shape), perm), want.data, want.shape);
    },
  );

  test('rank 6 (no dims merge: all six strides used), and rank 7 when adjacent dims merge', async () => {
    for (const [shape, perm] of [
      [[2, 3, 2, 3, 2, 2], [5, 3, 1, 4, 0, 2]],
      [[2, 3, 1, 2, 3, 2], [5, 3, 1, 4, 0, 2]],
      [[2, 2, 2, 2, 2, 3, 4], [0, 1, 2, 3, 4, 6, 5]],
    ]) {
      const x = f32(shape!, 4);
      const want = transposeRef(x, shape!, perm);
      await same(transpose(up(x, shape!), perm), want.data, want.shape);
    }
  });

  test('int32 round trip is exact; float NaN payloads, -0 and Inf keep their bits', async () => {
    const shape = [3, 5, 7];
    const x = i32(shape, 5);
    const t = transpose(up(x, shape), [2, 0, 1]);
    expect(t.dtype).toBe('int32');
    await same(t, transposeRef(x, shape, [2, 0, 1]).data, [7, 3, 5]);
    await same(transpose(t, [1, 2, 0]), x, shape);
    const bits = Int32Array.from([0x7fc00001, 0xffc00abc, 0x7f800000, 0xff800000, 0x80000000, 0x3f800000]);
    const f = transpose(up(new Float32Array(bits.buffer), [2, 3]));
    expect(Array.from(new Int32Array((await f.data()).buffer))).toEqual(Array.from(transposeRef(bits, [2, 3]).data));
  });
});

describe('slice', () => {
  const SHAPES = [[1], [257], [3, 65], [2, 3, 4, 5]];
  test.each(SHAPES)('every axis of %j: edges, length 1, whole, empty, negative indices', async (...shape) => {
    const x = f32(shape, 6);
    const xt = up(x, shape);
    for (let axis = 0; axis < shape.length; axis++) {
      const n = shape[axis]!;
      for (const [s, e] of [[0, 1], [0, n], [n - 1, n], [Math.floor(n / 3), Math.ceil((2 * n) / 3)], [1, 1], [-1, n]]) {
        if (s! > n || e! > n) continue;
        const [ps, pe] = [s! < 0 ? s! + n : s!, e!];
        const want = sliceRef(x, shape, axis, ps, pe);
        await same(slice(xt, axis - shape.length, s!, e!), want.data, want.shape); // negative axis
      }
    }
  });

  test('int32; axis 0 is one buffer copy, inner axes one copy_strided dispatch', async () => {
    const shape = [4, 6, 3];
    const x = i32(shape, 7);
    const xt = up(x, shape);
    const before = counters().byKernel.get('copy_strided') ?? 0;
    await same(slice(xt, 0, 1, 3), sliceRef(x, shape, 0, 1, 3).data, [2, 6, 3]);
    expect(counters().byKernel.get('copy_strided') ?? 0).toBe(before);
    await same(slice(xt, 1, 2, 5), sliceRef(x, shape, 1, 2, 5).data, [4, 3, 3]);
    expect(counters().byKernel.get('copy_strided')).toBe(before + 1);
  });
});

describe('concat and sliceAssign', () => {
  test.each([0, 1, 2])('1, 2 and 3 tensors along axis %i', async (axis) => {
    const base = [2, 3, 4];
    const lens = [1, 3, 2];
    const shapes = lens.map((l) => base.map((d, i) => (i === axis ? l : d)));
    const xs = shapes.map((s, k) => f32(s, 10 + k));
    for (const k of [1, 2, 3]) {
      const want = concatRef(xs.slice(0, k), shapes.slice(0, k), axis);
      await same(concat(xs.slice(0, k).map((x, j) => up(x, shapes[j]!)), axis), want.data, want.shape);
    }
  });

  test('int32 and empty pieces, negative axis', async () => {
    const shapes = [[2, 0], [2, 3], [2, 1]];
    const xs = shapes.map((s, k) => i32(s, 20 + k));
    const want = concatRef(xs, shapes, 1);
    const out = concat(xs.map((x, k) => up(x, shapes[k]!)), -1);
    expect(out.dtype).toBe('int32');
    await same(out, want.data, want.shape);
  });

  test('sliceAssign writes in place along each axis and leaves the rest alone', async () => {
    const dstShape = [3, 4, 5];
    for (let axis = 0; axis < 3; axis++) {
      const srcShape = dstShape.map((d, i) => (i === axis ? 2 : d));
      const dst = f32(dstShape, 30);
      const src = f32(srcShape, 31);
      const dt = up(dst, dstShape);
      sliceAssign(dt, up(src, srcShape), axis, 1);
      await same(dt, sliceAssignRef(dst, dstShape, src, srcShape, axis, 1), dstShape);
    }
  });
});

test('copy is an independent contiguous copy (float32 and int32)', async () => {
  for (const x of [f32([5, 7], 40), i32([5, 7], 41)]) {
    const t = up(x, [5, 7]);
    const c = copy(t);
    t.dispose();
    await same(c, x, [5, 7]);
    expect(c.dtype).toBe(x instanceof Int32Array ? 'int32' : 'float32');
  }
});

test('a grid folded into gid.y (workgroup size 1, 70007 elements) copies every element once', async () => {
  const [rows, cols] = [10001, 7];
  const plan = { shape: [1, 1, 1, 1, cols, rows], srcStrides: [0, 0, 0, 0, 1, cols], dstStrides: [0, 0, 0, 0, rows, 1], srcBase: 0, dstBase: 0 };
  const dims = {
    n: rows * cols, src_base: 0, dst_base: 0, d0: 1, d1: 1, d2: 1, d3: 1, d4: cols, d5: rows,
    ss0: 0, ss1: 0, ss2: 0, ss3: 0, ss4: 1, ss5: cols, ds0: 0, ds1: 0, ds2: 0, ds3: 0, ds4: rows, ds5: 1,
  };
  expect(copyStrided.dispatch(dims, { WG: 1 })[1]).toBeGreaterThan(1);
  const x = i32([rows, cols], 50);
  const [src, dst] = [up(x, [rows, cols]), T.empty([cols, rows], 'int32')];
  recorder().dispatch(copyStrided, { src: src.buffer, dst: dst.buffer }, dims, { WG: 1 });
  const want = new Float64Array(rows * cols);
  copyStridedRef(x, want, plan);
  await same(dst, want, [cols, rows]);
  expect(Array.from(want)).toEqual(Array.from(transposeRef(x, [rows, cols]).data)); // the plan is a transpose
});

describe('bad input is refused before anything is allocated', () => {
  test('axes, ranges, permutations and shapes are named', () => {
    const x = up(f32([2, 3], 60), [2, 3]);
    const y = up(f32([2, 4], 61), [2, 4]);
    const i = up(i32([2, 3], 62), [2, 3]);
    const short = up(f32([3, 1], 64), [3, 1]);
    const big = up(f32([2, 3, 2, 3, 2, 3, 2], 63), [2, 3, 2, 3, 2, 3, 2]);
    const before = { dispatches: counters().dispatches, buffers: memory().liveBuffers };
    expect(() => slice(x, 2, 0, 1)).toThrow(/axis 2.*\[2, 3\]/);
    expect(() => slice(x, 1, 2, 4)).toThrow(/\[2, 4\).*axis 1 \(size 3\).*\[2, 3\]/);
    expect(() => slice(x, 1, 2, 1)).toThrow(/\[2, 1\)/);
    expect(() => concat([x, y], 0)).toThrow(/\[2, 3\].*\[2, 4\].*axis 0/);
    expect(() => concat([x, i], 0)).toThrow(/float32 \[2, 3\], int32 \[2, 3\]/);
    expect(() => concat([], 0)).toThrow(/at least one/);
    expect(() => transpose(x, [0, 0])).toThrow(/\[0, 0\].*\[2, 3\]/);
    expect(() => transpose(x, [0, 1, 2])).toThrow(/permutation/);
    expect(() => transpose(big, [6, 5, 4, 3, 2, 1, 0])).toThrow(/7 dims; at most 6/);
    expect(() => sliceAssign(y, x, 1, 2)).toThrow(/\[2, 5\).*axis 1 \(size 4\)/);
    expect(() => sliceAssign(x, x.view([2, 3]), 0, 0)).toThrow(/view of dst/);
    expect(() => sliceAssign(y, short, 1, 0)).toThrow(/\[3, 1\].*\[2, 4\]/);
    expect({ dispatches: counters().dispatches, buffers: memory().liveBuffers }).toEqual(before);
  });
});
