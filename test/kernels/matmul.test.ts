// matmul.wgsl vs its CPU twin matmulRef over shapes around the 4×4 register block and the
// 32×32 workgroup tile, every transpose combination (vec4 and scalar load paths), batches,
// bias, alpha, accumulate, NaN/Inf and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, tensor, type Tensor } from 'webrnn';
import { launchMatmul, type MatmulOptions } from '../../src/kernels/matmul.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

interface Case {
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  /** Leading dims of A / B (omitted: 2-D). */
  batchA?: number[];
  batchB?: number[];
  bias?: boolean;
  alpha?: number;
  /** Changes a few inputs after drawing them: [A or B, stored flat index, value]. */
  poke?: ['a' | 'b', number, number][];
}

const prod = (s: number[]) => s.reduce((x, y) => x * y, 1);

/** Random float32-rounded data for one case, the GPU tensors and the reference's dims. */
function setup(c: Case, seed: number) {
  const shapeA = [...(c.batchA ?? []), ...(c.transA ? [c.k, c.m] : [c.m, c.k])];
  const shapeB = [...(c.batchB ?? []), ...(c.transB ? [c.n, c.k] : [c.k, c.n])];
  const a = roundF32(uniform(prod(shapeA), seed));
  const b = roundF32(uniform(prod(shapeB), seed + 1));
  for (const [side, at, v] of c.poke ?? []) (side === 'a' ? a : b)[at] = v;
  const bias = c.bias ? roundF32(uniform(c.n, seed + 2)) : undefined;
  const batch = prod(c.batchA?.length ? c.batchA : (c.batchB ?? []));
  const dims = {
    batch, m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB,
    broadcastA: !c.batchA?.length, broadcastB: !c.batchB?.length,
  };
  const t = { a: tensor(f32(a), shapeA), b: tensor(f32(b), shapeB), bias: bias && tensor(f32(bias), [c.n]) };
  const opts: MatmulOptions = { transA: c.transA, transB: c.transB, bias: t.bias, alpha: c.alpha };
  return { a, b, bias, dims, t, opts };
}

async function expectMatchesRef(c: Case, seed = 1): Promise<void> {
  const s = setup(c, seed);
  const out = launchMatmul(s.t.a, s.t.b, s.opts);
  const batchShape = c.batchA?.length ? c.batchA : (c.batchB ?? []);
  expect(out.shape).toEqual([...batchShape, c.m, c.n]);
  const want = matmulRef(s.a, s.b, s.dims, { bias: s.bias, alpha: c.alpha });
  expectAllClose(await out.data(), want, reductionTol(c.k));
  for (const x of [out, s.t.a, s.t.b, s.t.bias]) x?.dispose();
}

// [M, K, N]: 1, K = 1, M = 1, N = 1, odd, ±1 around the 4-wide block and the 32-wide tile,
// every mix of M, K, N being multiples of 4 or not (that picks the vec4 or scalar loads),
// tall-skinny, wide-flat (M <= 4 takes a 64×1 workgroup of 256 columns), and one larger than
// a workgroup tile in every dimension.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 1, 5], [4, 1, 8], [1, 7, 9], [1, 8, 12], [9, 7, 1], [8, 4, 1], [3, 5, 7],
  [4, 4, 4], [5, 3, 4], [8, 8, 8], [5, 8, 12], [12, 5, 8], [12, 8, 5], [36, 12, 40],
  [31, 33, 32], [32, 31, 33], [33, 32, 31], [1000, 3, 7], [7, 1000, 5], [3, 9, 261], [67, 131, 45],
];
const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe.each(TRANS)('matmul transA=%s transB=%s', (transA, transB) => {
  test.each(SHAPES)('M=%i K=%i N=%i matches the CPU twin', async (m, k, n) => {
    await expectMatchesRef({ m, k, n, transA, transB });
  });

  test('batched, both sides [2, 3, ...]', async () => {
    await expectMatchesRef({ m: 5, k: 8, n: 12, transA, transB, batchA: [2, 3], batchB: [2, 3] });
    await expectMatchesRef({ m: 7, k: 3, n: 6, transA, transB, batchA: [4], batchB: [4] });
  });

  test('batched A, broadcast B and the reverse', async () => {
    await expectMatchesRef({ m: 6, k: 5, n: 9, transA, transB, batchA: [3] });
    await expectMatchesRef({ m: 8, k: 12, n: 4, transA, transB, batchB: [3] });
  });

  test('bias and alpha', async () => {
    await expectMatchesRef({ m: 5, k: 7, n: 9, transA, transB, bias: true, alpha: -0.5 });
    await expectMatchesRef({ m: 33, k: 8, n: 36, transA, transB, bias: true, batchA: [2], batchB: [2] });
  });

  test('NaN and Inf propagate like the reference, also from the last row, column and k', async () => {
    // A is 5×6 (K % 4 != 0: the k tail) and 8×8 (vec4 loads); stored indices count in A's layout.
    for (const [m, k, n] of [[5, 6, 7], [8, 8, 8]] as const) {
      const aIndex = (i: number, q: number) => (transA ? q * m + i : i * k + q);
      const bIndex = (q: number, j: number) => (transB ? j * k + q : q * n + j);
      await expectMatchesRef({
        m, k, n, transA, transB,
        poke: [['a', aIndex(1, 2), NaN], ['a', aIndex(m - 1, k - 1), Infinity], ['b', bIndex(0, n - 1), -Infinity], ['b', bIndex(k - 1, 0), NaN]],
      });
    }
  });
});

describe('matmul accumulate', () => {
  test.each(TRANS)('twice into C: C = initial + 2·alpha·op(A)·op(B) (+ 2·bias) (transA=%s transB=%s)', async (transA, transB) => {
    const c: Case = { m: 9, k: 6, n: 13, transA, transB, bias: true, alpha: 0.75, batchA: [2], batchB: [2] };
    const s = setup(c, 11);
    const initial = roundF32(uniform(2 * c.m * c.n, 99));
    const acc = tensor(f32(initial), [2, c.m, c.n]);
    const first = launchMatmul(s.t.a, s.t.b, { ...s.opts, accumulate: acc });
    expect(first).toBe(acc);
    launchMatmul(s.t.a, s.t.b, { ...s.opts, accumulate: acc });
    const once = matmulRef(s.a, s.b, s.dims, { bias: s.bias, alpha: c.alpha, accumulate: initial });
    const twice = matmulRef(s.a, s.b, s.dims, { bias: s.bias, alpha: c.alpha, accumulate: once });
    expectAllClose(await acc.data(), twice, reductionTol(c.k));
    for (const x of [acc, s.t.a, s.t.b, s.t.bias]) x?.dispose();
  });
});

describe('matmul edge cases', () => {
  test('A·Aᵀ with the same tensor on both sides', async () => {
    const s = setup({ m: 6, k: 5, n: 6 }, 21);
    const got = launchMatmul(s.t.a, s.t.a, { transB: true });
    const want = matmulRef(s.a, s.a, { batch: 1, m: 6, n: 6, k: 5, transB: true });
    expectAllClose(await got.data(), want, reductionTol(5));
    for (const x of [got, s.t.a, s.t.b]) x.dispose();
  });

  test('K = 0 gives the bias (or zeros); M = 0 gives an empty result', async () => {
    const s = setup({ m: 3, k: 0, n: 5, bias: true }, 31);
    const got = launchMatmul(s.t.a, s.t.b, { bias: s.t.bias });
    const want = matmulRef(s.a, s.b, s.dims, { bias: s.bias });
    expectAllClose(await got.data(), want, reductionTol(1));
    const empty = launchMatmul(tensor(new Float32Array(0), [0, 4]), tensor(new Float32Array(8), [4, 2]));
    expect(empty.shape).toEqual([0, 2]);
    for (const x of [got, empty, s.t.a, s.t.b, s.t.bias]) x?.dispose();
  });

  test('more than 65535 workgroups (batch 70000 of 1×2·2×1) folds into a 2-D grid', async () => {
    await expectMatchesRef({ m: 1, k: 2, n: 1, batchA: [70000], batchB: [70000] });
  });
});

describe('matmul bad input', () => {
  const t = (shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
    tensor(dtype === 'int32' ? new Int32Array(prod(shape)) : new Float32Array(prod(shape)), shape);

  test('is refused before anything is allocated or dispatched, naming the shapes', () => {
    const [a, b, ok, b5, b16, acc63, ai, bi, v4, a234, b346] = [
      t([3, 4]), t([5, 6]), t([4, 6]), t([5]), t([1, 6]), t([6, 3]), t([3, 4], 'int32'), t([4, 6], 'int32'),
      t([4]), t([2, 3, 4]), t([3, 4, 6]),
    ];
    const cases: [() => Tensor, RegExp][] = [
      [() => launchMatmul(a, b), /inner dimensions differ: A \[3, 4\] \(K = 4\) vs B \[5, 6\] \(K = 5\)/],
      [() => launchMatmul(a, b, { transA: true }), /A \[3, 4\]ᵀ \(K = 3\) vs B \[5, 6\] \(K = 5\)/],
      [() => launchMatmul(a, ok, { bias: b5 }), /bias \[5\] must be \[6\].*\[3, 6\]/],
      [() => launchMatmul(a, ok, { bias: b16 }), /bias \[1, 6\] must be \[6\]/],
      [() => launchMatmul(a, ok, { bias2: b5 }), /bias2 \[5\] must be \[6\].*\[3, 6\]/],
      [() => launchMatmul(a, ok, { accumulate: acc63 }), /accumulate \[6, 3\] must have the result's shape \[3, 6\]/],
      [() => launchMatmul(ai, ok), /A \[3, 4\] is int32; matmul needs float32/],
      [() => launchMatmul(a, bi), /B \[4, 6\] is int32/],
      [() => launchMatmul(v4, ok), /A \[4\] and B \[4, 6\] must both be at least 2-D/],
      [() => launchMatmul(a234, b346), /batch dimensions differ: A \[2, 3, 4\] vs B \[3, 4, 6\]/],
      [() => launchMatmul(a, ok, { alpha: NaN }), /alpha must be a finite number/],
    ];
    const live = memory().liveBuffers;
    const dispatches = counters().dispatches;
    for (const [f, msg] of cases) expect(f).toThrow(msg);
    expect(memory().liveBuffers).toBe(live);
    expect(counters().dispatches).toBe(dispatches);
    for (const x of [a, b, ok, b5, b16, acc63, ai, bi, v4, a234, b346]) x.dispose();
  });

  test('accumulating into a buffer that is also an input is refused', () => {
    const a = t([3, 3]);
    expect(() => launchMatmul(a, t([3, 3]), { accumulate: a })).toThrow(/accumulate \[3, 3\] shares its buffer with A \[3, 3\]/);
    expect(() => launchMatmul(t([3, 3]), a.view([3, 3]), { accumulate: a })).toThrow(/shares its buffer with B/);
  });

  test('a disposed input is refused before the result is allocated', () => {
    const a = t([3, 3]);
    const b = t([3, 3]);
    b.dispose();
    const live = memory().liveBuffers;
    expect(() => launchMatmul(a, b)).toThrow(/tensor \[3, 3\] was used after dispose/);
    expect(memory().liveBuffers).toBe(live);
    a.dispose();
  });
});
