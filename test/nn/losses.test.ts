// The losses through the public API: forward against float64 formulas and the gradient against
// finite differences, for every reduction, with ignoreIndex and masks; extreme logits; memory
// (a loss used outside tidy frees everything once backward ran and the loss is disposed); bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { binaryCrossEntropyWithLogits, counters, crossEntropy, init, memory, mseLoss, resetCounters, tensor, zeros, type Tensor } from 'webrnn';
import { lossWeightsRef } from '../../src/reference/loss_weights.js';
import { softmaxXentRef } from '../../src/reference/softmax.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { checkGrad, indices, input } from '../util/gradcheck.js';
import { ints, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

/** Per-element losses → the reduction; `w` weights element i by w[floor(i / perRow)]. 'mean'
 *  divides by the weight of the elements that count (all of them without weights). */
function reduceRef(elems: Float64Array, reduction: Reduction, w: ArrayLike<number> | null): Float64Array {
  const perRow = w ? elems.length / w.length : 1;
  const weighted = w ? elems.map((e, i) => e * w[Math.floor(i / perRow)]!) : elems;
  if (reduction === 'none') return weighted;
  const total = sum(weighted);
  if (reduction === 'sum') return Float64Array.of(total);
  return Float64Array.of(total / (w ? sum(w) * perRow : elems.length));
}
const reducedShape = (reduction: Reduction, shape: number[]) => (reduction === 'none' ? shape : []);

describe('crossEntropy', () => {
  const [n, c] = [6, 5];
  const targets = Array.from(ints(n, c, 3));
  const withIgnored = targets.map((t, i) => (i % 3 === 2 ? -100 : t)); // rows 2 and 5 ignored
  const mask = roundF32([1, 0, 1, 0.5, 1, 1]);
  const VARIANTS: [string, number[], { ignoreIndex?: number; mask?: Float64Array }][] = [
    ['plain', targets, {}],
    ['ignoreIndex -100', withIgnored, { ignoreIndex: -100 }],
    ['ignoreIndex = a real class', targets, { ignoreIndex: targets[0]! }],
    ['mask', targets, { mask }],
    ['mask and ignoreIndex', withIgnored, { mask, ignoreIndex: -100 }],
  ];
  const cases = REDUCTIONS.flatMap((r) => VARIANTS.map(([name, t, o]) => [r, name, t, o] as const));

  test.each(cases)('reduction %s, %s', async (reduction, _name, t, o) => {
    const weighted = o.mask !== undefined || o.ignoreIndex !== undefined;
    await checkGrad({
      build: ([logits, tg]) => crossEntropy(logits!, tg!, { reduction, ignoreIndex: o.ignoreIndex, mask: o.mask && tensor(Float32Array.from(o.mask)) }),
      f: ([logits]) => {
        const { loss } = softmaxXentRef(logits!, t, { n, c }, o.ignoreIndex);
        return reduceRef(loss, reduction, weighted ? lossWeightsRef(n, t, o.ignoreIndex, o.mask ?? null) : null);
      },
      inputs: [input([n, c], 1, -3, 3), indices(t)],
      shape: reducedShape(reduction, [n]),
    });
  });

  test('logits of ±50 and ±1e4 give finite losses and gradients that match', async () => {
    for (const scale of [50, 1e4]) {
      const logits = roundF32(uniform(n * c, 5, -scale, scale));
      await checkGrad({
        build: ([x, tg]) => crossEntropy(x!, tg!, { reduction: 'sum' }),
        f: ([x]) => Float64Array.of(sum(softmaxXentRef(x!, targets, { n, c }).loss)),
        inputs: [{ data: logits, shape: [n, c] }, indices(targets)],
      });
    }
  });

  test('every row ignored: the sum is 0 and the mean is NaN (0 / 0, as in PyTorch)', async () => {
    const all = tensor(Int32Array.from([-100, -100]));
    expect(await crossEntropy(zeros([2, 3]), all, { ignoreIndex: -100, reduction: 'sum' }).item()).toBe(0);
    expect(await crossEntropy(zeros([2, 3]), all, { ignoreIndex: -100 }).item()).toBeNaN();
  });
});

describe('mseLoss', () => {
  const SHAPE = [3, 2, 4];
  const MASKS: [string, number[] | null][] = [
    ['no mask', null],
    ['mask over the leading dims [3, 2]', [3, 2]],
    ['mask of the full shape', SHAPE],
    ['mask over the first dim [3]', [3]],
  ];
  test.each(REDUCTIONS.flatMap((r) => MASKS.map(([name, m]) => [r, name, m] as const)))('reduction %s, %s', async (reduction, _n, ms) => {
    const m = ms && roundF32(uniform(ms.reduce((a, b) => a * b, 1), 4, 0, 1)).map((v) => (v < 0.3 ? 0 : v));
    await checkGrad({
      build: ([x, y]) => mseLoss(x!, y!, { reduction, mask: m ? tensor(Float32Array.from(m), ms!) : undefined }),
      f: ([x, y]) => reduceRef(x!.map((v, i) => (v - y![i]!) ** 2), reduction, m),
      inputs: [input(SHAPE, 1, -2, 2), input(SHAPE, 2, -2, 2)],
      shape: reducedShape(reduction, SHAPE),
    });
  });

  test('without a mask, reduced: one subtraction and one reduction forward; an empty input gives 0 as before', async () => {
    const [x, y] = [tensor(Float32Array.from(uniform(5000, 3)), [50, 100]), tensor(Float32Array.from(uniform(5000, 4)), [50, 100])];
    resetCounters();
    const l = mseLoss(x, y);
    expect(Object.fromEntries(counters().byKernel)).toEqual({ binary: 1, reduce: 2 }); // 5,000 elements: two passes
    const xs = await x.data();
    const ys = await y.data();
    expect(await l.item()).toBeCloseTo(Array.from(xs).reduce((a, v, i) => a + (v - ys[i]!) ** 2, 0) / 5000, 5);
    expect(await mseLoss(zeros([0, 3]), zeros([0, 3]), { reduction: 'sum' }).item()).toBe(0);
    for (const t of [x, y, l]) t.dispose();
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  /** max(x, 0) − x·t + log(1 + e^−|x|), the stable form, in float64. */
  const bce = (x: ArrayLike<number>, t: ArrayLike<number>) => Float64Array.from(x, (v, i) => Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v))));
  const SHAPE = [4, 3];
  test.each(REDUCTIONS.flatMap((r) => [[r, false], [r, true]] as const))('reduction %s, mask %s', async (reduction, masked) => {
    const m = masked ? roundF32([1, 0, 1, 0.25]) : null;
    await checkGrad({
      build: ([x, t]) => binaryCrossEntropyWithLogits(x!, t!, { reduction, mask: m ? tensor(Float32Array.from(m), [4]) : undefined }),
      f: ([x, t]) => reduceRef(bce(x!, t!), reduction, m),
      inputs: [input(SHAPE, 1, -4, 4), input(SHAPE, 2, 0, 1)],
      shape: reducedShape(reduction, SHAPE),
    });
  });

  test('logits of ±50, ±100 and exactly 0 stay finite and match the stable formula; dx = σ(x) − t', async () => {
    const x = Float64Array.from([50, -50, 100, -100, 0, 0, 50, -50]);
    const t = roundF32([0, 1, 1, 0, 0, 1, 0.3, 0.7]);
    await checkGrad({
      build: ([v, u]) => binaryCrossEntropyWithLogits(v!, u!, { reduction: 'none' }),
      f: ([v, u]) => bce(v!, u!),
      inputs: [{ data: x, shape: [8] }, { data: t, shape: [8] }],
      outTol: TOL.elementwise,
    });
    // At x = 0 the derivative is σ(0) − t = ½ − t (a composition of relu and abs would give −t).
    const xs = tensor(Float32Array.from(x), [8], { requiresGrad: true });
    const loss = binaryCrossEntropyWithLogits(xs, tensor(Float32Array.from(t)), { reduction: 'sum' });
    expect(Number.isFinite(await loss.item())).toBe(true);
    loss.backward();
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    expectAllClose(await xs.grad!.data(), Array.from(x, (v, i) => sigmoid(v) - t[i]!), TOL.elementwise);
  });
});

describe('memory', () => {
  const i32 = (v: number[]) => tensor(Int32Array.from(v));
  // Each case makes its constants first, then returns the loss call.
  test.each([
    ['crossEntropy, mask and ignoreIndex, mean', (v: Tensor) => {
      const [t, m] = [i32([0, -100, 2, 1]), tensor([1, 1, 0, 1])];
      return () => crossEntropy(v, t, { ignoreIndex: -100, mask: m });
    }],
    ['crossEntropy, mask, sum', (v: Tensor) => {
      const [t, m] = [i32([0, 1, 2, 1]), tensor([1, 1, 0, 1])];
      return () => crossEntropy(v, t, { reduction: 'sum', mask: m });
    }],
    ['mseLoss, mask, mean', (v: Tensor) => {
      const [t, m] = [zeros([4, 3]), tensor([1, 0, 1, 1])];
      return () => mseLoss(v, t, { mask: m });
    }],
    ['binaryCrossEntropyWithLogits, mask, mean', (v: Tensor) => {
      const [t, m] = [zeros([4, 3]), tensor([1, 0, 1, 1])];
      return () => binaryCrossEntropyWithLogits(v, t, { mask: m });
    }],
    ['binaryCrossEntropyWithLogits, mean', (v: Tensor) => {
      const t = zeros([4, 3]);
      return () => binaryCrossEntropyWithLogits(v, t);
    }],
  ] as const)('%s outside tidy: backward + dispose leave nothing behind', async (_n, setup) => {
    const v = tensor(Float32Array.from(uniform(12, 9)), [4, 3], { requiresGrad: true });
    const run = setup(v);
    const base = memory().liveBuffers;
    const l = run();
    l.backward();
    await l.item();
    l.dispose();
    v.grad!.dispose();
    expect(memory().liveBuffers).toBe(base);
  });
});

describe('bad input names the shapes, before anything is dispatched', () => {
  // tensor() uploads without dispatching, so any dispatch counted below came from the loss.
  const z = (shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  const logits = () => z([3, 4]);
  test.each([
    ['crossEntropy: float targets', () => crossEntropy(logits(), z([3])), /targets must be int32.*float32 \[3\]/],
    ['crossEntropy: targets of the wrong length', () => crossEntropy(logits(), tensor(Int32Array.from([1, 2]))), /targets \[2\] do not match logits \[3, 4\]/],
    ['crossEntropy: targets of the wrong rank', () => crossEntropy(logits(), tensor(Int32Array.from([1, 2, 3]), [3, 1])), /targets \[3, 1\] do not match logits \[3, 4\]/],
    ['crossEntropy: 3-D logits', () => crossEntropy(z([2, 3, 4]), tensor(Int32Array.from([1, 2]))), /logits must be \[N, C\], got \[2, 3, 4\]/],
    ['crossEntropy: mask size', () => crossEntropy(logits(), tensor(Int32Array.from([1, 2, 3])), { mask: z([4]) }), /mask \[4\] does not match logits \[3, 4\]/],
    ['mseLoss: shapes differ', () => mseLoss(z([2, 3]), z([3, 2])), /input \[2, 3\] and target \[3, 2\]/],
    ['mseLoss: mask', () => mseLoss(z([2, 3]), z([2, 3]), { mask: z([3]) }), /mask \[3\] must match the leading dims of \[2, 3\]/],
    ['binaryCrossEntropyWithLogits: shapes differ', () => binaryCrossEntropyWithLogits(z([4]), z([4, 1])), /input \[4\] and target \[4, 1\]/],
    ['binaryCrossEntropyWithLogits: mask', () => binaryCrossEntropyWithLogits(z([2, 3]), z([2, 3]), { mask: z([2, 3, 1]) }), /mask \[2, 3, 1\] must match/],
  ])('%s', (_n, call, message) => {
    resetCounters();
    expect(call).toThrow(message);
    expect(counters().dispatches).toBe(0);
  });
});
