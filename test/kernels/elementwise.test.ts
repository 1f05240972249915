// GPU element-wise kernels (unary, unary_backward, binary, sum_to_shape) vs their float64 twins
// over a table of shapes, NaN/Inf inputs, the grid's gid.y folding, and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, tensor, type Tensor } from 'webrnn';
import { recorder } from '../../src/gpu/encoder.js';
import { Tensor as T } from '../../src/tensor/tensor.js';
import {
  launchBinary, binary, BINARY_CODES, launchSumToShape, launchUnary, launchUnaryBackward, unary, UNARY_CODES,
  type BinaryOp, type UnaryGradOp, type UnaryOp, type UnaryParams,
} from '../../src/kernels/elementwise.js';
import { binaryRef, sumToShapeRef, unaryBackwardRef, unaryRef } from '../../src/reference/elementwise.js';
import { firstMismatch, reductionTol, TOL, type Tolerance } from '../util/allclose.js';
import { nanSurvivesExpLog } from '../util/adapter.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});
const nanExp = await nanSurvivesExpLog();

const SHAPES = [[1], [7], [255], [256], [257], [3, 65], [2, 3, 4, 5]];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const up = (x: ArrayLike<number>, shape: readonly number[]): Tensor => tensor(Float32Array.from(x), shape);

/** Asserts allclose, naming the case when it fails. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol: Tolerance = TOL.elementwise): void {
  const m = firstMismatch(got, want, tol);
  expect(m, `${what}: ${m}`).toBeNull();
}

// [op, params, input range]. Exponents and scalars are exact in float32, so both sides see them.
const UNARY: [UnaryOp, UnaryParams, number, number][] = [
  ['neg', {}, -5, 5], ['exp', {}, -10, 10], ['log', {}, 1e-3, 100], ['sqrt', {}, 0, 100],
  ['tanh', {}, -6, 6], ['sigmoid', {}, -12, 12], ['relu', {}, -2, 2], ['abs', {}, -2, 2], ['square', {}, -30, 30],
  ['pow', { exponent: 3 }, -3, 3], ['pow', { exponent: -2 }, 0.25, 4], ['pow', { exponent: 0.5 }, 0, 4],
  ['pow', { exponent: 2.5 }, -2, 2], ['clamp', { min: -0.5, max: 0.25 }, -1, 1], ['clamp', { min: 0 }, -1, 1],
  ['clamp', { max: -0.5 }, -1, 1], ['scale', { scalar: -1.75 }, -3, 3], ['addScalar', { scalar: 0.375 }, -3, 3],
  ['sign', {}, -2, 2], ['leakyRelu', { negativeSlope: 0.125 }, -2, 2], ['leakyRelu', { negativeSlope: -1.5 }, -2, 2],
];

describe('unary', () => {
  test.each(UNARY)('%s %o matches the twin on every shape', async (op, params, lo, hi) => {
    for (const [k, shape] of SHAPES.entries()) {
      const x = roundF32(uniform(size(shape), 100 + k, lo, hi));
      if (op === 'relu' || op === 'sign' || op === 'abs' || op === 'leakyRelu') x[0] = 0; // the kink itself
      const got = await launchUnary(op, up(x, shape), params).data();
      close(got, unaryRef(op, x, params), `${op} [${shape}]`);
    }
  });

  // Measured on lavapipe (100k points): worst relative error exp 3.7e-6 (x ≈ 78, where exp's
  // argument reduction loses most), log 1e-7, sqrt 6e-8, tanh/sigmoid under atol, so no looser
  // tolerance is needed. This test pins that over each function's whole float32 range.
  test.each([
    ['exp', {}, -87, 88, false], ['log', {}, -85, 88, true], ['sqrt', {}, -85, 88, true], ['tanh', {}, -20, 20, false],
    ['sigmoid', {}, -80, 80, false], ['pow', { exponent: 2.5 }, -30, 30, true], ['pow', { exponent: -1.5 }, -30, 30, true],
  ] as [UnaryOp, UnaryParams, number, number, boolean][])('%s %o keeps TOL.elementwise over its whole range', async (op, params, lo, hi, logScale) => {
    const x = roundF32(uniform(4096, 9, lo, hi).map((v) => (logScale ? Math.exp(v) : v)));
    const got = await launchUnary(op, up(x, [x.length]), params).data();
    close(got, unaryRef(op, x, params), op);
  });

  test('NaN, ±Inf, ±0 and overflow give what the twin gives', async () => {
    const x = [NaN, Infinity, -Infinity, 0, -0, -1, 1, 0.5, 100, -100, 3e38];
    // exp(NaN) and log(NaN) are the adapter's own (test/util/adapter.ts).
    for (const [op, params] of UNARY.filter(([op]) => nanExp || !['exp', 'log', 'sigmoid'].includes(op))) {
      const got = await launchUnary(op, up(x, [x.length]), params).data();
      // Rounded to float32: results beyond its range (exp(100), 100^3) are ±Inf there.
      close(got, roundF32(unaryRef(op, x, params)), op);
    }
  });

  test('pow: signs of integer powers, 0^-n, x^0 = 1 for NaN, fractional powers of negatives', async () => {
    const x = [-2, -0.5, -0, 0, 0.5, 2, NaN, Infinity, -Infinity];
    for (const exponent of [0, 1, 2, 3, -1, -2, -3, 0.5, -0.5, 2.5, -2.5, 7, 1e10]) {
      const got = await launchUnary('pow', up(x, [x.length]), { exponent }).data();
      close(got, unaryRef('pow', x, { exponent }), `pow ${exponent}`);
    }
  });

  test('a grid folded into gid.y (workgroup size 1, 70001 elements) covers every element once', async () => {
    const n = 70001;
    expect(unary.dispatch({ n, p0: 0, p1: 0 }, { WG: 1 })[1]).toBeGreaterThan(1);
    const x = roundF32(uniform(n, 7));
    const xt = up(x, [n]);
    const out = T.empty([n]);
    recorder().dispatch(unary, { x: xt.buffer, out: out.buffer }, { n, p0: 0, p1: 0 }, { OP: UNARY_CODES.exp, WG: 1 });
    close(await out.data(), unaryRef('exp', x), 'folded exp');
  });
});

// [op, params, saved is the forward output?, input range]
const GRADS: [UnaryGradOp, UnaryParams, boolean, number, number][] = [
  ['tanh', {}, true, -4, 4], ['sigmoid', {}, true, -8, 8], ['exp', {}, true, -5, 5], ['sqrt', {}, true, 0.01, 50],
  ['relu', {}, false, -2, 2], ['log', {}, false, 0.05, 20], ['abs', {}, false, -2, 2],
  ['pow', { exponent: 3 }, false, -3, 3], ['pow', { exponent: -2 }, false, 0.25, 4], ['pow', { exponent: 0.5 }, false, 0.1, 4],
  ['pow', { exponent: 0 }, false, -2, 2], ['clamp', { min: -0.5, max: 0.5 }, false, -1, 1], ['clamp', { max: 0 }, false, -1, 1],
  ['leakyRelu', { negativeSlope: 0.125 }, false, -2, 2],
];

describe('unaryBackward', () => {
  test.each(GRADS)('%s %o matches the twin on every shape', async (op, params, takesOutput, lo, hi) => {
    for (const [k, shape] of SHAPES.entries()) {
      const x = roundF32(uniform(size(shape), 200 + k, lo, hi));
      if (op === 'relu' || op === 'abs' || op === 'clamp' || op === 'leakyRelu') x[0] = op === 'clamp' ? 0.5 : 0; // kinks
      const saved = takesOutput ? roundF32(unaryRef(op, x, params)) : x;
      const dy = roundF32(uniform(size(shape), 300 + k));
      const got = await launchUnaryBackward(op, up(dy, shape), up(saved, shape), params).data();
      close(got, unaryBackwardRef(op, dy, saved, params), `${op}' [${shape}]`);
    }
  });

  test('NaN and Inf propagate like the twin', async () => {
    const s = [NaN, Infinity, -Infinity, 0, 1, -1];
    const dy = [1, NaN, 2, Infinity, -1, 0.5];
    for (const [op, params] of GRADS) {
      const got = await launchUnaryBackward(op, up(dy, [6]), up(s, [6]), params).data();
      close(got, unaryBackwardRef(op, dy, s, params), op);
    }
  });
});

const PAIRS: [number[], number[]][] = [
  [[7], [7]], [[257], [257]], [[3, 65], [3, 65]], [[2, 3, 4, 5], [2, 3, 4, 5]], [[3, 1], [1, 4]], [[2, 1, 5], [4, 1]],
  [[], [3, 4]], [[1], [3, 4]], [[3, 4], []], [[3, 4], [4]], [[4, 1], [3, 4, 257]], [[2, 3, 4, 5], [3, 1, 5]],
  [[2, 1, 3, 1, 2, 3], [1, 2, 1, 2, 1, 3]], [[1, 1], [1]], [[1, 2, 1, 1, 2, 1, 1, 3], [2, 1, 2, 1, 3]], // rank 8 merges to 4
];

describe('binary', () => {
  test.each(Object.keys(BINARY_CODES) as BinaryOp[])('%s matches the twin with broadcasting', async (op) => {
    for (const [k, [sa, sb]] of PAIRS.entries()) {
      const a = roundF32(uniform(size(sa), 400 + k, -2, 2));
      // Keep |b| ≥ 0.5 so div stays well conditioned.
      const b = roundF32(uniform(size(sb), 500 + k, 0.5, 2).map((v, i) => (i % 2 ? -v : v)));
      const out = launchBinary(op, up(a, sa), up(b, sb));
      const want = binaryRef(op, a, sa, b, sb);
      expect(out.shape).toEqual(want.shape);
      close(await out.data(), want.data, `${op} [${sa}] ∘ [${sb}]`);
    }
  });

  test('NaN and Inf propagate like the twin (maximum/minimum keep NaN)', async () => {
    const a = [NaN, 1, Infinity, -Infinity, 0, 1, Infinity, 2, NaN];
    const b = [1, NaN, Infinity, Infinity, 0, 0, -Infinity, 3, NaN];
    for (const op of Object.keys(BINARY_CODES) as BinaryOp[]) {
      const got = await launchBinary(op, up(a, [9]), up(b, [9])).data();
      close(got, binaryRef(op, a, [9], b, [9]).data, op);
    }
  });

  test('a folded grid with strided inputs covers every element once', async () => {
    const [sa, sb, so] = [[70001, 1], [1, 2], [70001, 2]];
    const a = roundF32(uniform(70001, 8));
    const b = [0.5, -3];
    const [at, bt, out] = [up(a, sa), up(b, sb), T.empty(so)];
    const dims = {
      n: 140002, d0: 1, d1: 1, d2: 1, d3: 1, d4: 70001, d5: 2,
      sa0: 0, sa1: 0, sa2: 0, sa3: 0, sa4: 1, sa5: 0, sb0: 0, sb1: 0, sb2: 0, sb3: 0, sb4: 0, sb5: 1,
    };
    expect(binary.dispatch(dims, { WG: 2 })[1]).toBeGreaterThan(1);
    recorder().dispatch(binary, { a: at.buffer, b: bt.buffer, out: out.buffer }, dims, { OP: BINARY_CODES.mul, A_MODE: 2, B_MODE: 2, WG: 2 });
    close(await out.data(), binaryRef('mul', a, sa, b, sb).data, 'folded mul');
  });
});

describe('sumToShape', () => {
  const CASES: [number[], number[]][] = [
    [[3, 4], [1, 4]], [[3, 4], [4]], [[3, 4], [3, 1]], [[3, 4], []], [[3, 4], [1, 1]], [[7], [7]], [[257], [1]],
    [[2, 3, 4, 5], [3, 1, 5]], [[2, 3, 4, 5], [2, 1, 4, 1]], [[300, 5], [5]], [[5, 300], [5, 1]],
    [[2, 1, 3, 1, 2, 3], [1, 1, 3, 1, 1, 3]], [[2, 0, 3], [2, 1, 3]], [[2, 3, 0], [3, 1]], [[2, 2, 2, 2, 2, 2, 3], [1, 3]],
  ];
  test.each(CASES)('[%j] → [%j] matches the twin', async (dyShape, shape) => {
    const dy = roundF32(uniform(size(dyShape), 600));
    const out = launchSumToShape(up(dy, dyShape), shape);
    expect(out.shape).toEqual(shape);
    const m = size(dyShape) / Math.max(size(shape), 1);
    // A sum of m terms in float32: the error grows with m (reductionTol).
    close(await out.data(), sumToShapeRef(dy, dyShape, shape), `sumToShape [${dyShape}] → [${shape}]`, reductionTol(m));
  });
});

describe('bad input is refused before anything is dispatched', () => {
  test('int32 tensors', () => {
    const i = tensor(new Int32Array([1, 2]), [2]);
    const f = up([1, 2], [2]);
    expect(() => launchUnary('exp', i)).toThrow(/int32.*\[2\].*float32/);
    expect(() => launchBinary('add', f, i)).toThrow(/int32/);
    expect(() => launchUnaryBackward('tanh', i, f)).toThrow(/int32/);
    expect(() => launchSumToShape(i, [1])).toThrow(/int32/);
  });
  test('shapes that do not broadcast, named', () => {
    expect(() => launchBinary('add', up([1, 2, 3], [3]), up([1, 2], [2]))).toThrow(/\[3\] and \[2\]/);
    const alt = [2, 1, 2, 1, 2, 1, 2];
    const a7 = up(new Float32Array(16), alt);
    const b7 = up(new Float32Array(8), alt.map((d) => 3 - d));
    expect(() => launchBinary('mul', a7, b7)).toThrow(/7 separate dims; at most 6/);
    expect(() => launchSumToShape(up(new Float32Array(128), alt.map(() => 2)), alt)).toThrow(/7 alternating kept\/summed dims; at most 6/);
    expect(() => launchSumToShape(up([1, 2, 3], [3]), [2])).toThrow(/\[2\].*\[3\]/);
    expect(() => launchSumToShape(up([1, 2, 3], [3]), [1, 3])).toThrow(/\[1, 3\].*\[3\]/);
    expect(() => launchUnaryBackward('exp', up([1, 2], [2]), up([1, 2], [1, 2]))).toThrow(/\[2\].*\[1, 2\]/);
  });
  test('missing or NaN scalars, unknown ops', () => {
    const x = up([1], [1]);
    expect(() => launchUnary('pow', x)).toThrow(/exponent/);
    expect(() => launchUnary('scale', x, { scalar: NaN })).toThrow(/scalar.*NaN/);
    expect(() => launchUnary('clamp', x)).toThrow(/min or params.max/);
    expect(() => launchUnaryBackward('pow', x, x)).toThrow(/exponent/);
    expect(() => launchUnary('pow', x, { exponent: Infinity })).toThrow(/exponent must be finite/);
    expect(() => launchUnary('cube' as UnaryOp, x)).toThrow(/unknown op 'cube'/);
    expect(() => launchBinary('toString' as BinaryOp, x, x)).toThrow(/unknown op 'toString'/);
  });
});
