// The loss-weights twin in float64 (no GPU): its rules, and the math the losses build on it — the
// weighted cross-entropy mean Σ w·loss / Σ w is PyTorch's ignore_index mean, and its gradient
// dlogits·w / Σ w (what crossEntropy's backward computes) matches finite differences.
import { describe, expect, test } from 'vitest';
import { lossWeightsRef } from '../../src/reference/loss_weights.js';
import { softmaxXentRef } from '../../src/reference/softmax.js';
import { expectAllClose } from '../util/allclose.js';
import { fdGrad } from '../util/gradcheck.js';
import { ints, uniform } from '../util/rng.js';

/** Finite differences in float64 agree to ~1e-8; this leaves room for the step's truncation error. */
const FD = { rtol: 1e-6, atol: 1e-7 };

describe('lossWeightsRef rules', () => {
  test('no mask: 1, or 0 on ignored rows', () => {
    expect(Array.from(lossWeightsRef(4, [2, -100, 0, -100], -100, null))).toEqual([1, 0, 1, 0]);
  });
  test('mask only: the mask itself (targets unread)', () => {
    expect(Array.from(lossWeightsRef(3, null, undefined, [0.5, 0, 2]))).toEqual([0.5, 0, 2]);
    expect(Array.from(lossWeightsRef(3, [1, 1, 1], undefined, [0.5, 0, 2]))).toEqual([0.5, 0, 2]);
  });
  test('both: ignored rows are 0 even where the mask is NaN', () => {
    expect(Array.from(lossWeightsRef(3, [4, 4, 1], 4, [NaN, 3, NaN]))).toEqual([0, 0, NaN]);
  });
  test('N = 0 gives an empty array', () => {
    expect(lossWeightsRef(0, [], 0, null).length).toBe(0);
  });
});

describe('the weighted cross-entropy built on it', () => {
  const [n, c] = [6, 4];
  const logits = uniform(n * c, 1, -2, 2);
  const targets = Int32Array.from(ints(n, c, 2)).map((t, i) => (i % 3 === 1 ? -100 : t));
  const mask = uniform(n, 3, 0, 1);

  /** Σ w·loss / Σ w over the rows, with w from the twin. */
  const weightedMean = (x: ArrayLike<number>, w: Float64Array) => {
    const { loss } = softmaxXentRef(x, targets, { n, c }, -100);
    return loss.reduce((s, l, r) => s + l * w[r]!, 0) / w.reduce((a, b) => a + b, 0);
  };

  test('with an ignore index, the mean runs over the rows that are not ignored (PyTorch)', () => {
    const w = lossWeightsRef(n, targets, -100, null);
    const { loss } = softmaxXentRef(logits, targets, { n, c }, -100);
    const kept = Array.from(loss).filter((_, r) => targets[r] !== -100);
    expect(kept.length).toBe(4);
    expect(weightedMean(logits, w)).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / kept.length, 12);
  });

  test.each([
    ['ignore index', null],
    ['ignore index and mask', mask],
  ])('with %s, dlogits·w / Σ w is the gradient of the weighted mean', (_name, m) => {
    const w = lossWeightsRef(n, targets, -100, m);
    const { dlogits } = softmaxXentRef(logits, targets, { n, c }, -100);
    const total = w.reduce((a, b) => a + b, 0);
    const analytic = dlogits.map((d, j) => (d * w[Math.floor(j / c)]!) / total);
    const fd = fdGrad(([x]) => Float64Array.of(weightedMean(x!, w)), [logits], [1], [true])[0]!;
    expectAllClose(analytic, fd, FD);
  });
});
