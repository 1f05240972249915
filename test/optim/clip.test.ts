// clipGradNorm and clipGradValue over a set of parameters (the kernels themselves: test/kernels/
// clip.test.ts): the norm stays on the GPU, gradients scale or clamp as PyTorch's, parameters
// without a gradient are skipped, bad arguments throw.
import { beforeAll, describe, expect, test } from 'vitest';
import { clipGradNorm, clipGradValue, counters, init, tensor, type Tensor } from 'webrnn';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const read = async (t: Tensor) => Float64Array.from(await t.data());

describe('gradient clipping', () => {
  /** Parameters with the given gradients (and one parameter without a gradient). */
  function withGrads(grads: Float64Array[]): Tensor[] {
    const ps = grads.map((g) => {
      const p = tensor(new Float32Array(g.length), [g.length], { requiresGrad: true });
      p.grad = tensor(Float32Array.from(g), [g.length]);
      return p;
    });
    return [...ps, tensor(new Float32Array(3), [3], { requiresGrad: true })];
  }
  const GRADS = [roundF32(uniform(5, 1, -2, 2)), roundF32(uniform(300, 2, -1, 1)), roundF32(uniform(5000, 3, -1, 1))];
  const normOf = (gs: Float64Array[]) => Math.sqrt(gs.reduce((a, g) => a + g.reduce((s, x) => s + x * x, 0), 0));

  test.each([0.5, 10, 1e6])('clipGradNorm(maxNorm %s) returns the pre-clip norm on the GPU and scales by min(1, max/(norm + 1e-6))', async (maxNorm) => {
    const ps = withGrads(GRADS);
    const readbacks = counters().readbacks;
    const norm = clipGradNorm(ps, maxNorm);
    expect(counters().readbacks).toBe(readbacks);
    expect(norm.shape).toEqual([1]);
    const total = normOf(GRADS);
    expectAllClose([await norm.item()], [total], TOL.reduction);
    const coef = Math.min(1, maxNorm / (total + 1e-6));
    for (let i = 0; i < GRADS.length; i++) expectAllClose(await ps[i]!.grad!.data(), GRADS[i]!.map((g) => g * coef), TOL.reduction);
    expect(ps[3]!.grad).toBeNull();
    if (maxNorm < total) expectAllClose([normOf(await Promise.all(ps.slice(0, 3).map((p) => read(p.grad!))))], [maxNorm], TOL.reduction);
    for (const p of ps) {
      p.grad?.dispose();
      p.dispose();
    }
    norm.dispose();
  });

  test('clipGradValue clamps every gradient element; bad arguments throw', async () => {
    const ps = withGrads(GRADS);
    clipGradValue(ps, 0.25);
    for (let i = 0; i < GRADS.length; i++) expect(Array.from(await ps[i]!.grad!.data())).toEqual(Array.from(GRADS[i]!, (g) => Math.fround(Math.min(0.25, Math.max(-0.25, g)))));
    expect(() => clipGradValue(ps, -1)).toThrow(/clipValue = -1/);
    expect(() => clipGradNorm(ps, 0)).toThrow(/maxNorm = 0/);
    for (const p of ps) {
      p.grad?.dispose();
      p.dispose();
    }
  });
});
