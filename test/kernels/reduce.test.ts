// reduce.wgsl vs its CPU twin: every op over all elements and along every axis, across the
// per-invocation, per-workgroup and multi-pass (split row) strategies; ties, NaN/Inf, errors.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, resetCounters, tensor, type Tensor } from 'webrnn';
import { launchReduce, type ReduceOp } from '../../src/kernels/reduce.js';
import { reduceRef } from '../../src/reference/reduce.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const OPS: ReduceOp[] = ['sum', 'mean', 'max', 'argmax', 'sumSquares', 'meanSquares'];
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Runs one reduction on the GPU and on the twin and compares values, shape and dtype. */
async function check(op: ReduceOp, shape: number[], axis?: number, keepDims = false, values?: ArrayLike<number>): Promise<void> {
  const n = prod(shape);
  const xs = roundF32(values ?? uniform(n, 17 + n, -2, 2));
  const x = tensor(f32(xs), shape);
  const got = launchReduce(op, x, axis, keepDims);
  // The [outer, len, inner] view and the result shape, worked out here rather than taken from the code.
  let dims = { outer: 1, len: n, inner: 1 };
  let wantShape = keepDims ? shape.map(() => 1) : [];
  if (axis !== undefined) {
    const a = axis < 0 ? axis + shape.length : axis;
    dims = { outer: prod(shape.slice(0, a)), len: shape[a]!, inner: prod(shape.slice(a + 1)) };
    wantShape = keepDims ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
  }
  expect(got.shape).toEqual(wantShape);
  expect(got.dtype).toBe(op === 'argmax' ? 'int32' : 'float32');
  const want = reduceRef(op, xs, dims);
  const data = await got.data();
  if (op === 'max' || op === 'argmax') {
    // Selecting an element is exact: the value and the index must match bit for bit.
    expect(Array.from(data)).toEqual(Array.from(want));
  } else {
    // |x| ≤ 2, so a sum of squares has terms up to 4.
    expectAllClose(data, want, reductionTol(dims.len, op === 'sumSquares' || op === 'meanSquares' ? 4 : 2));
  }
  x.dispose();
  got.dispose();
}

// Over all: 1, odd, ±1 around the 256-wide workgroup, the 32-element per-invocation limit, the
// 4096-element chunk (4097: two partials, second pass per invocation) and 42 chunks (second pass per
// workgroup). Along an axis, per workgroup (few outputs), split rows, and per invocation (short rows,
// or ≥ 4096 outputs).
const ALL_SHAPES = [[1], [1, 1], [7], [32], [33], [255], [256], [257], [1000], [4096], [4097], [3, 5, 7], [41 * 4096 + 3]];

describe.each(OPS)('reduce %s', (op) => {
  test.each(ALL_SHAPES.map((s) => [s]))('over all elements of %j', async (shape) => {
    await check(op, shape);
  });

  test('along every axis of [3, 5, 7], negative axes too', async () => {
    for (const axis of [0, 1, 2, -1, -2, -3]) await check(op, [3, 5, 7], axis);
  });

  test.each([
    [[2, 513], 1], [[513, 2], 0], [[1, 1, 1], 0], [[1, 1, 1], 1], [[1, 1, 1], 2], [[7], 0],
    [[2, 9000], 1], [[2, 4100, 3], 1], [[40, 16400], 0], [[16400, 3], 1], [[300, 33, 2], 1],
    [[4100, 33], 1], [[5, 2, 900], 0],
  ] as [number[], number][])('%j along axis %i', async (shape, axis) => {
    await check(op, shape, axis);
  });

  test('keepDims along an axis and over all', async () => {
    await check(op, [3, 5, 7], 1, true);
    await check(op, [3, 5, 7], -1, true);
    await check(op, [2, 513], undefined, true);
  });
});

describe('argmax ties, NaN and Inf', () => {
  test('ties give the first index, also across threads, workgroups and chunks', async () => {
    await check('argmax', [4], undefined, false, [3, 1, 3, 3]);
    await check('argmax', [10000], undefined, false, new Float64Array(10000).fill(0.5));
    const far = new Float64Array(10000).fill(-1);
    far[9000] = far[5000] = far[4200] = 2; // 4200 and 5000 land in the second chunk
    await check('argmax', [10000], undefined, false, far);
    await check('argmax', [3, 4], 1, false, [1, 2, 2, 0, 5, 5, 5, 5, -1, -3, -1, -2]);
    await check('argmax', [4, 3], 0, false, [1, 2, 2, 1, 5, 2, 0, 5, 2, 1, 1, -2]);
  });

  test('a row of -Inf gives its first index and max -Inf', async () => {
    for (const op of ['argmax', 'max'] as const) {
      await check(op, [5000], undefined, false, new Float64Array(5000).fill(-Infinity));
      await check(op, [2, 3], 1, false, [-Infinity, -Infinity, -Infinity, 1, -Infinity, 1]);
    }
  });

  test('NaN and Inf propagate like the twin (first NaN is the argmax)', async () => {
    const v = uniform(9000, 5, -1, 1);
    v[10] = Infinity;
    v[4500] = NaN;
    v[4700] = NaN;
    for (const op of OPS) await check(op, [9000], undefined, false, v);
    const early = uniform(9000, 6, -1, 1);
    early[8000] = NaN;
    early[4000] = NaN; // first chunk, but the later NaN's partial is combined with it
    early[2] = -Infinity;
    for (const op of OPS) await check(op, [9000], undefined, false, early);
    const infs = uniform(600, 7);
    infs[3] = Infinity;
    infs[100] = -Infinity; // sums give Inf − Inf = NaN
    infs[301] = Infinity;
    for (const op of OPS) await check(op, [600], undefined, false, infs);
    // One NaN per row along an axis: rows without one are untouched.
    const rows = uniform(3 * 5 * 7, 8);
    rows[7 * 2 + 3] = NaN;
    for (const op of OPS) for (const axis of [0, 1, 2]) await check(op, [3, 5, 7], axis, false, rows);
  });
});

describe('empty tensors and bad input', () => {
  test('empty reductions: sum 0, mean NaN, empty outputs; max of nothing throws', async () => {
    expect(Array.from(await launchReduce('sum', tensor(new Float32Array(0), [2, 0]), 1).data())).toEqual([0, 0]);
    expect(Number.isNaN(await launchReduce('mean', tensor(new Float32Array(0), [0])).item())).toBe(true);
    expect(launchReduce('max', tensor(new Float32Array(0), [0, 3]), 1).shape).toEqual([0]);
    expect(() => launchReduce('argmax', tensor(new Float32Array(0), [2, 0]), 1)).toThrow(/empty axis.*\[2, 0\]/);
    expect(() => launchReduce('max', tensor(new Float32Array(0), [0]))).toThrow(/empty axis/);
  });

  test('int32 input and bad axes are refused before anything is allocated or dispatched', async () => {
    const ints = tensor(new Int32Array([1, 2, 3]), [3]);
    const x = tensor(new Float32Array(105), [3, 5, 7]);
    await x.data(); // settle the uploads
    const before = memory().liveBuffers;
    resetCounters();
    expect(() => launchReduce('sum', ints)).toThrow(/float32.*int32 \[3\]/);
    expect(() => launchReduce('max', x, 3)).toThrow(/axis 3 .*\[3, 5, 7\]/);
    expect(() => launchReduce('mean', x, -4)).toThrow(/axis -4 .*\[3, 5, 7\]/);
    expect(() => launchReduce('argmax', x, 1.5)).toThrow(/axis 1.5 .*\[3, 5, 7\]/);
    expect(memory().liveBuffers).toBe(before);
    expect(counters().dispatches).toBe(0);
    for (const t of [ints, x]) t.dispose();
  });

  test('a split reduction records its passes and frees its partials', async () => {
    const x = tensor(f32(uniform(10000, 9)), [10000]);
    await x.data();
    const before = memory().liveBuffers;
    resetCounters();
    const outs: Tensor[] = OPS.map((op) => launchReduce(op, x));
    expect(counters().byKernel.get('reduce')).toBe(2 * OPS.length); // partials, then the final pass
    expect(memory().liveBuffers).toBe(before + OPS.length);
    for (const t of [x, ...outs]) t.dispose();
  });
});
