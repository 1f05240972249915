// Gradient checks for the graph layer: the gradient of L = Σ R⊙f(inputs) for a random cotangent R,
// once by float64 central finite differences of a plain CPU forward (the reference) and once by
// the GPU tape (forward, Σ R⊙y on the GPU, backward), compared input by input.
import { expect } from 'vitest';
import { tensor, tidy, type Tensor } from 'webrnn';
import { expectAllClose, TOL, type Tolerance } from './allclose.js';
import { roundF32, uniform } from './rng.js';

/** A CPU forward in float64: flat row-major inputs → flat output. */
export type CpuForward = (xs: readonly Float64Array[]) => Float64Array;

/** One input of a check: float32-representable values, its shape, and whether it gets a gradient
 *  (int32 inputs such as class indices never do). */
export interface GradInput {
  data: Float64Array;
  shape: readonly number[];
  grad?: boolean;
  dtype?: 'float32' | 'int32';
}

/** Central-difference step: float64 then agrees with the analytic gradient to about 1e-9. */
const H = 1e-6;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** ∂/∂xs[k] of Σ R⊙f(xs) for every k in `wrt`, by central differences in float64 (null elsewhere). */
export function fdGrad(f: CpuForward, xs: readonly Float64Array[], r: ArrayLike<number>, wrt: readonly boolean[]): (Float64Array | null)[] {
  const loss = (ys: readonly Float64Array[]) => dot(f(ys), r);
  return xs.map((x, k) => {
    if (!wrt[k]) return null;
    const g = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const plus = xs.map((v) => v);
      const minus = xs.map((v) => v);
      plus[k] = Float64Array.from(x);
      minus[k] = Float64Array.from(x);
      plus[k]![j]! += H;
      minus[k]![j]! -= H;
      g[j] = (loss(plus) - loss(minus)) / (2 * H);
    }
    return g;
  });
}

/** Float32-representable values in [lo, hi) whose magnitude is at least `gap` (keeps
 *  finite differences away from kinks at 0: relu, abs). */
export function awayFromZero(n: number, seed: number, lo: number, hi: number, gap: number): Float64Array {
  const v = uniform(n, seed, lo, hi);
  return roundF32(v.map((x) => (Math.abs(x) < gap ? (x < 0 ? -gap : gap) * (1 + Math.abs(x)) : x)));
}

/** A float input with values in [lo, hi) (float32-rounded). */
export function input(shape: readonly number[], seed: number, lo = -1, hi = 1): GradInput {
  return { data: roundF32(uniform(shape.reduce((a, b) => a * b, 1), seed, lo, hi)), shape };
}

/** An int32 input (indices), which gets no gradient. */
export function indices(values: readonly number[], shape: readonly number[] = [values.length]): GradInput {
  return { data: Float64Array.from(values), shape, grad: false, dtype: 'int32' };
}

export interface TapeResult {
  out: Float32Array;
  outShape: readonly number[];
  grads: (Float32Array | null)[];
}

/** Runs `build` on GPU tensors made from `inputs` (requiresGrad where `grad` is not false), then
 *  L = Σ R⊙y on the GPU and L.backward(); returns y and every input's .grad (freed afterwards). */
export async function tapeGrad(build: (xs: Tensor[]) => Tensor, inputs: readonly GradInput[], r: ArrayLike<number>): Promise<TapeResult> {
  const xs = inputs.map((i) =>
    i.dtype === 'int32'
      ? tensor(Int32Array.from(i.data), i.shape)
      : tensor(Float32Array.from(i.data), i.shape, { requiresGrad: i.grad !== false }),
  );
  const y = tidy(() => {
    const out = build(xs);
    if (out.size !== r.length) throw new Error(`gradcheck: output [${out.shape.join(', ')}] has ${out.size} elements, R has ${r.length}`);
    out.mul(tensor(Float32Array.from(r), out.shape)).sum().backward();
    return out;
  });
  const out = (await y.data()) as Float32Array;
  const grads = await Promise.all(xs.map(async (x) => (x.grad ? ((await x.grad.data()) as Float32Array) : null)));
  const outShape = y.shape;
  y.dispose();
  for (const x of xs) {
    x.grad?.dispose();
    x.dispose();
  }
  return { out, outShape, grads };
}

export interface GradCheck {
  /** The op under test on the GPU, through the public API. */
  build: (xs: Tensor[]) => Tensor;
  /** The same function on the CPU in float64 (plain loops or the reference twins). */
  f: CpuForward;
  inputs: readonly GradInput[];
  /** Expected output shape (checked when given). */
  shape?: readonly number[];
  /** Forward tolerance (default TOL.reduction: most ops here reduce a few terms). */
  outTol?: Tolerance;
  /** Gradient tolerance (default TOL.bptt: float32 chain rule vs float64 differences). */
  tol?: Tolerance;
  seed?: number;
}

/** The GPU forward against f, and each GPU gradient against finite differences of f. */
export async function checkGrad(c: GradCheck): Promise<void> {
  const xs = c.inputs.map((i) => i.data);
  const want = c.f(xs);
  const r = roundF32(uniform(want.length, c.seed ?? 7 + want.length, -1, 1));
  const wrt = c.inputs.map((i) => i.grad !== false && i.dtype !== 'int32');
  const fd = fdGrad(c.f, xs, r, wrt);
  const got = await tapeGrad(c.build, c.inputs, r);
  if (c.shape) expect(got.outShape).toEqual(c.shape);
  expectAllClose(got.out, want, c.outTol ?? TOL.reduction);
  fd.forEach((g, k) => {
    if (!g) {
      expect(got.grads[k], `input ${k} should get no gradient`).toBeNull();
      return;
    }
    expect(got.grads[k], `input ${k} got no gradient`).not.toBeNull();
    expectAllClose(got.grads[k]!, g, c.tol ?? TOL.bptt);
  });
}
