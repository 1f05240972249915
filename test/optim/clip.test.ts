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
    expect(() => clipGradNorm(ps, 1, 0)).toThrow('webrnn: clipGradNorm: normType = 0 must be a number > 0 or Infinity');
    expect(() => clipGradNorm(ps, 1, { norm_type: 1 } as never)).toThrow("webrnn: clipGradNorm: unknown option 'norm_type' (did you mean 'normType'?)");
    expect(() => clipGradNorm(ps, 1, { error_if_nonfinite: true } as never)).toThrow("unknown option 'error_if_nonfinite' (did you mean 'errorIfNonfinite'?)");
    expect(() => clipGradNorm(ps, 1, { foreach: true } as never)).toThrow("webrnn: clipGradNorm: unknown option 'foreach'");
    expect(() => clipGradNorm({} as never, 1)).toThrow('webrnn: clipGradNorm: params must be a Tensor or an iterable of Tensors (model.parameters()), got an object');
    for (const p of ps) {
      p.grad?.dispose();
      p.dispose();
    }
  });
});

describe('clipGradNorm normType and errorIfNonfinite (PyTorch semantics, beyond it for huge finite norms)', () => {
  function withGrads(grads: Float64Array[]): Tensor[] {
    return grads.map((g) => {
      const p = tensor(new Float32Array(g.length), [g.length], { requiresGrad: true });
      p.grad = tensor(Float32Array.from(g), [g.length]);
      return p;
    });
  }
  const free = (ps: Tensor[]) => ps.forEach((p) => (p.grad?.dispose(), p.dispose()));
  const GRADS = [roundF32(uniform(300, 4, -1, 1)), roundF32(uniform(5000, 5, -2, 2))];
  const pNorm = (gs: Float64Array[], p: number) => {
    const all = gs.flatMap((g) => Array.from(g, Math.abs));
    return p === Infinity ? Math.max(...all) : all.reduce((s, a) => s + a ** p, 0) ** (1 / p);
  };

  test.each([1, 2, 3, Infinity])('clipGradNorm(params, 0.5, %s): the norm of that order, gradients scaled by min(1, max/(norm + 1e-6))', async (p) => {
    const ps = withGrads(GRADS);
    const norm = clipGradNorm(ps, 0.5, p);
    const want = pNorm(GRADS, p);
    expectAllClose([await norm.item()], [want], TOL.reduction);
    if (p === Infinity) expect(Math.abs((await norm.item()) - pNorm(GRADS, 2))).toBeGreaterThan(1); // not the L2 norm (issue 14)
    const coef = Math.min(1, 0.5 / (want + 1e-6));
    for (let i = 0; i < GRADS.length; i++) expectAllClose(await ps[i]!.grad!.data(), GRADS[i]!.map((g) => g * coef), TOL.reduction);
    expectAllClose([pNorm(await Promise.all(ps.map(async (q) => Float64Array.from(await q.grad!.data()))), p)], [0.5], TOL.reduction);
    free(ps);
    norm.dispose();
  });

  test('finite gradients with a norm of ~1e25 (Σ g² overflows float32) clip to maxNorm instead of zeroing', async () => {
    const big = GRADS.map((g) => roundF32(g.map((v) => v * 1e25)));
    const ps = withGrads(big);
    const norm = clipGradNorm(ps, 1);
    const want = pNorm(big, 2);
    expect(want).toBeGreaterThan(1.8e19);
    expectAllClose([await norm.item()], [want], TOL.reduction);
    const after = await Promise.all(ps.map(async (q) => Float64Array.from(await q.grad!.data())));
    expectAllClose([pNorm(after, 2)], [1], TOL.reduction);
    free(ps);
  });

  test('errorIfNonfinite: a NaN or Inf gradient rejects with a named error and leaves the gradients untouched', async () => {
    for (const bad of [NaN, Infinity]) {
      const g = Float64Array.from(GRADS[0]!);
      g[17] = bad;
      const ps = withGrads([g, GRADS[1]!]);
      const pending = clipGradNorm(ps, 0.5, { errorIfNonfinite: true });
      expect(pending).toBeInstanceOf(Promise);
      await expect(pending).rejects.toThrow(`webrnn: clipGradNorm: the total norm of order 2 of the gradients is ${bad}, so they cannot be clipped`);
      expect(Array.from(await ps[1]!.grad!.data())).toEqual(Array.from(GRADS[1]!, Math.fround));
      free(ps);
    }
    // Without the option the norm comes back non-finite and nothing throws (PyTorch's default).
    const g = Float64Array.from(GRADS[0]!);
    g[3] = Infinity;
    const ps = withGrads([g]);
    expect(await clipGradNorm(ps, 0.5).item()).toBe(Infinity);
    free(ps);
  });

  test('errorIfNonfinite with finite gradients resolves to the norm and clips', async () => {
    const ps = withGrads(GRADS);
    const norm = await clipGradNorm(ps, 0.5, { errorIfNonfinite: true, normType: 1 });
    expectAllClose([await norm.item()], [pNorm(GRADS, 1)], TOL.reduction);
    expectAllClose([pNorm(await Promise.all(ps.map(async (q) => Float64Array.from(await q.grad!.data()))), 1)], [0.5], TOL.reduction);
    free(ps);
  });
});
