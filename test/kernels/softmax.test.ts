// softmax.wgsl, softmax_backward.wgsl and softmax_xent.wgsl vs their CPU twins: row lengths around
// the 128-wide workgroup, every axis, logits of ±1e4, -Inf/NaN rows, ignored and out-of-range targets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, resetCounters, tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { launchLogSoftmax, launchLogSoftmaxBackward, launchSoftmax, launchSoftmaxBackward, softmaxCrossEntropy } from '../../src/kernels/softmax.js';
import { softmaxBackwardRef, softmaxRef, softmaxXentRef } from '../../src/reference/softmax.js';
import { expectAllClose, reductionTol, TOL } from '../util/allclose.js';
import { nanSurvivesExpLog } from '../util/adapter.js';
import { f32, ints, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});
/** Whether NaN rows through exp() can be checked here (test/util/adapter.ts). */
const nanExp = await nanSurvivesExpLog();

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** [outer, len, inner] around `axis`, worked out here rather than taken from the code. */
function rowDims(shape: number[], axis: number) {
  const a = axis < 0 ? axis + shape.length : axis;
  return { outer: prod(shape.slice(0, a)), len: shape[a]!, inner: prod(shape.slice(a + 1)) };
}

// Row lengths 1, odd, ±1 around the 32-element per-invocation limit and the 128-wide workgroup,
// 257 and 1000; a few axes of 3-D shapes; 4100 rows of 33 (many rows: one invocation each).
const CASES: [number[], number][] = [
  [[1], 0], [[3, 1], 1], [[4, 10], 1], [[2, 32], 1], [[2, 33], 1], [[2, 127], -1], [[2, 128], 1],
  [[2, 129], 1], [[3, 257], 1], [[2, 1000], 1], [[3, 5, 7], 0], [[3, 5, 7], 1], [[3, 5, 7], 2],
  [[2, 513], 1], [[513, 2], 0], [[4100, 33], 1], [[33, 2, 130], 0],
];

// Every case with both grids: a row per invocation and a row per workgroup (which one the
// kernels pick depends on the adapter).
describe.each(['invocation', 'workgroup'] as const)('a row per %s', (variant) => {
  beforeAll(() => {
    gpu().tuning.softmaxRowVariant = variant;
  });
  afterAll(() => {
    delete gpu().tuning.softmaxRowVariant;
  });

  describe.each([false, true])('softmax (log = %s)', (log) => {
    const fwd = log ? launchLogSoftmax : launchSoftmax;
    const bwd = log ? launchLogSoftmaxBackward : launchSoftmaxBackward;

    test.each(CASES)('%j along axis %i, moderate and ±1e4 logits, forward and backward', async (shape, axis) => {
      const n = prod(shape);
      const dims = rowDims(shape, axis);
      for (const scale of [3, 1e4]) {
        const xs = roundF32(uniform(n, 11 + n, -scale, scale));
        const x = tensor(f32(xs), shape);
        const y = fwd(x, axis);
        expect(y.shape).toEqual(shape);
        const ys = await y.data();
        expect(ys.every(Number.isFinite)).toBe(true);
        // Each output carries the row's sum (and for log-softmax its log), hence a reduction tolerance.
        expectAllClose(ys, softmaxRef(xs, dims, log), reductionTol(dims.len));

        // The backward twin gets the GPU's own y, so both see the same float32 data.
        const dys = roundF32(uniform(n, 12 + n));
        const dy = tensor(f32(dys), shape);
        const dx = bwd(y, dy, axis);
        expectAllClose(await dx.data(), softmaxBackwardRef(ys, dys, dims, log), reductionTol(dims.len));
        for (const t of [x, y, dy, dx]) t.dispose();
      }
    });

    test('default axis is the last one', async () => {
      const xs = roundF32(uniform(3 * 4 * 5, 13));
      const y = await fwd(tensor(f32(xs), [3, 4, 5])).data();
      expectAllClose(y, softmaxRef(xs, { outer: 12, len: 5, inner: 1 }, log), TOL.reduction);
    });

    test('-Inf logits, all -Inf, NaN and +Inf rows behave like the twin', async () => {
      const rows = [
        [-Infinity, 3, -Infinity, -Infinity],
        [-Infinity, -Infinity, -Infinity, -Infinity],
        [1, NaN, 2, 3],
        ...(nanExp ? [[1, Infinity, 2, 3]] : []), // +Inf − max = NaN goes through exp()
        [1e4, -1e4, 0, -Infinity],
      ];
      const xs = rows.flat();
      const got = await fwd(tensor(f32(xs), [rows.length, 4])).data();
      expectAllClose(got, softmaxRef(xs, { outer: rows.length, len: 4, inner: 1 }, log), TOL.elementwise);
      expect(Array.from(got.subarray(0, 4))).toEqual(log ? [-Infinity, 0, -Infinity, -Infinity] : [0, 1, 0, 0]);
      expect(got.subarray(8, 12).every(Number.isNaN)).toBe(true);
    });
  });


  describe('softmaxCrossEntropy', () => {
    /** GPU loss and dlogits vs the twin for logits [n, c] drawn with the given scale. */
    async function check(n: number, c: number, targets: Int32Array, scale: number, ignoreIndex?: number, extra: { weight?: Float64Array; labelSmoothing?: number } = {}): Promise<void> {
      const xs = roundF32(uniform(n * c, 21 + n * c, -scale, scale));
      const logits = tensor(f32(xs), [n, c]);
      const tgt = tensor(targets, [n]);
      const weight = extra.weight ? tensor(f32(extra.weight), [c]) : null;
      const opts = { ...(ignoreIndex === undefined ? {} : { ignoreIndex }), weight, labelSmoothing: extra.labelSmoothing };
      const { loss, dlogits } = softmaxCrossEntropy(logits, tgt, opts);
      expect(loss.shape).toEqual([n]);
      expect(dlogits.shape).toEqual([n, c]);
      const want = softmaxXentRef(xs, targets, { n, c }, ignoreIndex, { weight: extra.weight, labelSmoothing: extra.labelSmoothing });
      // The smoothing term sums c weighted logits (of up to ±scale) on top of the row's log-sum-exp.
      const tol = extra.labelSmoothing ? reductionTol(c, scale) : reductionTol(c);
      expectAllClose(await loss.data(), want.loss, tol);
      expectAllClose(await dlogits.data(), want.dlogits, tol);
      for (const t of [logits, tgt, loss, dlogits, weight]) t?.dispose();
    }

    test.each([
      [1, 1], [3, 1], [4, 2], [1, 10], [5, 10], [2, 32], [2, 33], [2, 127], [2, 129], [3, 257],
      [3, 1000], [1, 1000], [4100, 33],
    ])('N=%i C=%i matches the twin, with ignored rows, moderate and ±1e4 logits', async (n, c) => {
      const t = ints(n, c, 31 + n * c);
      for (const scale of [4, 1e4]) await check(n, c, t, scale);
      if (n > 1) {
        const ignored = Int32Array.from(t, (v, r) => (r % 2 ? -100 : v));
        await check(n, c, ignored, 4, -100);
      }
      // An ignore index that is a real class: those rows are ignored, the others are not.
      await check(n, c, t, 4, 0);
      // PyTorch's class weights and label smoothing, alone and together, with ignored rows.
      const weight = roundF32(uniform(c, 41 + c, 0.1, 3));
      await check(n, c, t, 4, undefined, { weight });
      await check(n, c, t, 4, undefined, { labelSmoothing: 0.1 });
      await check(n, c, Int32Array.from(t, (v, r) => (r % 3 === 1 ? -100 : v)), 4, -100, { weight, labelSmoothing: 0.25 });
      await check(n, c, t, 1e4, undefined, { weight, labelSmoothing: 1 });
    });

    test('out-of-range targets give NaN rows and leave the others intact; one dispatch', async () => {
      const t = new Int32Array([2, 5, -1, 0, -100]); // C = 5: 5 and -1 are out of range
      resetCounters();
      await check(5, 5, t, 3, -100);
      expect(counters().byKernel.get('softmax_xent')).toBe(1);
      expect(counters().dispatches).toBe(1);
      await check(5, 5, t, 3); // without ignoreIndex, -100 is out of range too
    });

    test('non-finite logits propagate like the twin', async () => {
      // [logits, target]; the +Inf row sends +Inf − max = NaN through exp().
      const rows: [number[], number][] = [
        [[-Infinity, 2, -Infinity], 1], [[1, NaN, 0], 0], ...(nanExp ? [[[Infinity, 1, 0], 1] as [number[], number]] : []),
        [[-Infinity, -Infinity, -Infinity], 2],
      ];
      const xs = rows.flatMap(([x]) => x);
      const t = new Int32Array(rows.map(([, target]) => target));
      const { loss, dlogits } = softmaxCrossEntropy(tensor(f32(xs), [rows.length, 3]), tensor(t, [rows.length]));
      const want = softmaxXentRef(xs, t, { n: rows.length, c: 3 });
      expectAllClose(await loss.data(), want.loss, TOL.elementwise);
      expectAllClose(await dlogits.data(), want.dlogits, TOL.elementwise);
      expect((await loss.data())[0]).toBe(0); // the target holds all the mass
    });

    test('bad logits, targets and shapes are refused with both shapes named', async () => {
      const logits = tensor(new Float32Array(12), [4, 3]);
      const t4 = tensor(new Int32Array(4), [4]);
      const t3 = tensor(new Int32Array(3), [3]);
      const f4 = tensor(new Float32Array(4), [4]);
      const t41 = tensor(new Int32Array(4), [4, 1]);
      const before = memory().liveBuffers;
      expect(() => softmaxCrossEntropy(logits, t3)).toThrow(/targets \[3\].*logits \[4, 3\]/);
      expect(() => softmaxCrossEntropy(logits, t41)).toThrow(/\[4, 1\].*\[4, 3\]/);
      expect(() => softmaxCrossEntropy(logits, f4)).toThrow(/targets must be int32.*float32 \[4\]/);
      expect(() => softmaxCrossEntropy(t4.view([2, 2]), t4)).toThrow(/logits must be float32, got int32 \[2, 2\]/);
      expect(() => softmaxCrossEntropy(f4, t4)).toThrow(/logits must be \[N, C\], got \[4\]/);
      expect(() => softmaxCrossEntropy(logits, t4, { ignoreIndex: 0.5 })).toThrow(/ignoreIndex 0.5/);
      expect(memory().liveBuffers).toBe(before);
      for (const t of [logits, t4, t3, f4, t41]) t.dispose();
    });
  });
});

describe('softmax bad input', () => {
  test('dtype, axis and shape errors name the problem, before any allocation', async () => {
    const x = tensor(new Float32Array(105), [3, 5, 7]);
    const ints32 = tensor(new Int32Array(3), [3]);
    const other = tensor(new Float32Array(15), [3, 5]);
    await x.data();
    const before = memory().liveBuffers;
    expect(() => launchSoftmax(ints32)).toThrow(/x must be float32, got int32 \[3\]/);
    expect(() => launchLogSoftmax(x, 3)).toThrow(/axis 3 .*\[3, 5, 7\]/);
    expect(() => launchSoftmax(x, -4)).toThrow(/axis -4 .*\[3, 5, 7\]/);
    expect(() => launchSoftmaxBackward(x, other)).toThrow(/\[3, 5, 7\].*\[3, 5\]/);
    expect(() => launchLogSoftmaxBackward(x, x, 5)).toThrow(/axis 5 .*\[3, 5, 7\]/);
    expect(memory().liveBuffers).toBe(before);
    for (const t of [x, ints32, other]) t.dispose();
  });
});
