// The element-wise twins as a spec (no GPU): derivatives vs float64 central differences, the
// gradient of broadcast binary ops through sumToShapeRef, and the NaN/Inf results the issue asks for.
import { describe, expect, test } from 'vitest';
import { broadcastShapes, type BinaryOp, type UnaryGradOp, type UnaryParams } from '../../src/kernels/elementwise.js';
import {
  binaryRef, binaryScalarRef, broadcastShapesRef, sumToShapeRef, unaryBackwardRef, unaryRef, unaryScalarRef,
} from '../../src/reference/elementwise.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { uniform } from '../util/rng.js';

const H = 1e-6; // central differences in float64: truncation ~H², rounding ~1e-16/H, both ≪ TOL

// [op, params, saved is the forward output?, input range away from kinks and poles]
const GRADS: [UnaryGradOp, UnaryParams, boolean, number, number][] = [
  ['tanh', {}, true, -3, 3], ['sigmoid', {}, true, -6, 6], ['exp', {}, true, -3, 3], ['sqrt', {}, true, 0.1, 9],
  ['relu', {}, false, 0.01, 2], ['relu', {}, false, -2, -0.01], ['log', {}, false, 0.1, 10],
  ['abs', {}, false, 0.01, 2], ['abs', {}, false, -2, -0.01],
  ['pow', { exponent: 3 }, false, -2, 2], ['pow', { exponent: -2 }, false, 0.3, 3], ['pow', { exponent: 2.5 }, false, 0.1, 3],
  ['pow', { exponent: 0 }, false, -2, 2], ['clamp', { min: -0.5, max: 0.5 }, false, -1, 1], ['clamp', { min: 0 }, false, -1, 1],
  ['leakyRelu', { negativeSlope: 0.2 }, false, 0.01, 2], ['leakyRelu', { negativeSlope: 0.2 }, false, -2, -0.01],
];

describe('unaryBackwardRef', () => {
  test.each(GRADS)("%s %o is dy · f' by finite differences", (op, params, takesOutput, lo, hi) => {
    // Seeded points: none falls within H of clamp's kinks, so every difference is two-sided smooth.
    const x = uniform(64, 1, lo, hi);
    const dy = uniform(64, 2);
    const saved = takesOutput ? unaryRef(op, x, params) : x;
    const f = (v: number) => unaryScalarRef(op, v, params);
    const fd = Float64Array.from(x, (v, i) => (dy[i]! * (f(v + H) - f(v - H))) / (2 * H));
    expectAllClose(unaryBackwardRef(op, dy, saved, params), fd, TOL.elementwise);
  });

  test("kinks follow PyTorch: relu'(0) = 0, |x|'(0) = 0, clamp' = 1 on the bounds", () => {
    expect(Array.from(unaryBackwardRef('relu', [1, 1], [0, -0]))).toEqual([0, 0]);
    expect(Array.from(unaryBackwardRef('abs', [1], [0]))).toEqual([0]);
    expect(Array.from(unaryBackwardRef('clamp', [1, 1, 1], [-1, 1, 1.5], { min: -1, max: 1 }))).toEqual([1, 1, 0]);
    expect(Array.from(unaryBackwardRef('pow', [NaN], [0], { exponent: 0 }))).toEqual([0]);
    expect(Array.from(unaryBackwardRef('leakyRelu', [1, 1], [0, 1], { negativeSlope: 0.25 }))).toEqual([0.25, 1]);
  });
});

describe('broadcast binary ops: gradients through sumToShapeRef', () => {
  const PAIRS: [number[], number[]][] = [[[3, 1], [1, 4]], [[2, 1, 5], [4, 1]], [[], [3, 4]], [[3, 4], [4]], [[2, 3], [2, 3]]];
  // ∂(a∘b)/∂a and ∂(a∘b)/∂b as element-wise rules: each input's gradient is dy · ∂, summed back to its shape.
  const PARTIALS: Partial<Record<BinaryOp, [(a: number, b: number) => number, (a: number, b: number) => number]>> = {
    add: [() => 1, () => 1], sub: [() => 1, () => -1], mul: [(_, b) => b, (a) => a], div: [(_, b) => 1 / b, (a, b) => -a / (b * b)],
  };
  test.each(Object.keys(PARTIALS) as BinaryOp[])('%s', (op) => {
    for (const [k, [sa, sb]] of PAIRS.entries()) {
      const a = uniform(sa.reduce((p, d) => p * d, 1), 10 + k);
      const b = uniform(sb.reduce((p, d) => p * d, 1), 20 + k, 0.5, 2);
      const { shape } = binaryRef(op, a, sa, b, sb);
      const dy = uniform(shape.reduce((p, d) => p * d, 1), 30 + k);
      const loss = (av: ArrayLike<number>, bv: ArrayLike<number>) => binaryRef(op, av, sa, bv, sb).data.reduce((s, v, i) => s + v * dy[i]!, 0);
      const [pa, pb] = PARTIALS[op]!;
      // The partials evaluated over the broadcast result, times dy, summed to each input's shape.
      const local = (p: (x: number, y: number) => number) => {
        const aFull = binaryRef('add', a, sa, new Float64Array(dy.length), shape).data;
        const bFull = binaryRef('add', b, sb, new Float64Array(dy.length), shape).data;
        return Float64Array.from(dy, (g, i) => g * p(aFull[i]!, bFull[i]!));
      };
      const fdOf = (v: Float64Array, other: Float64Array, first: boolean) => Float64Array.from(v, (_, i) => {
        const up = Float64Array.from(v);
        const dn = Float64Array.from(v);
        up[i]! += H;
        dn[i]! -= H;
        return (first ? loss(up, other) - loss(dn, other) : loss(other, up) - loss(other, dn)) / (2 * H);
      });
      expectAllClose(sumToShapeRef(local(pa), shape, sa), fdOf(a, b, true), TOL.elementwise);
      expectAllClose(sumToShapeRef(local(pb), shape, sb), fdOf(b, a, false), TOL.elementwise);
    }
  });
});

describe('NaN and Inf follow the issue and PyTorch', () => {
  const u = (op: Parameters<typeof unaryScalarRef>[0], v: number, p?: UnaryParams) => unaryScalarRef(op, v, p);
  test('unary', () => {
    expect(u('relu', NaN)).toBeNaN();
    expect(u('exp', Infinity)).toBe(Infinity);
    expect(u('exp', -Infinity)).toBe(0);
    expect(u('log', 0)).toBe(-Infinity);
    expect(u('sqrt', -1)).toBeNaN();
    expect(u('clamp', NaN, { min: 0, max: 1 })).toBeNaN();
    expect(u('clamp', 0.5, { min: 2, max: 1 })).toBe(1); // min > max gives max
    expect(u('sigmoid', -Infinity)).toBe(0);
    expect(u('tanh', Infinity)).toBe(1);
    expect(u('sign', NaN)).toBeNaN();
    expect(u('pow', -2, { exponent: 3 })).toBe(-8);
    expect(u('pow', -2, { exponent: 0.5 })).toBeNaN();
    expect(u('pow', NaN, { exponent: 0 })).toBe(1);
    expect(u('pow', 0, { exponent: -0.5 })).toBe(Infinity);
  });
  test('binary', () => {
    expect(binaryScalarRef('maximum', NaN, 1)).toBeNaN();
    expect(binaryScalarRef('minimum', 1, NaN)).toBeNaN();
    expect(binaryScalarRef('div', 1, 0)).toBe(Infinity);
    expect(binaryScalarRef('div', 0, 0)).toBeNaN();
    expect(binaryScalarRef('sub', Infinity, Infinity)).toBeNaN();
  });
});

test('broadcastShapes matches NumPy rules and names both shapes when they clash', () => {
  const cases: [number[], number[], number[]][] = [
    [[3, 1], [1, 4], [3, 4]], [[2, 1, 5], [4, 1], [2, 4, 5]], [[], [3, 4], [3, 4]], [[1], [3, 4], [3, 4]], [[0, 1], [1, 5], [0, 5]],
  ];
  for (const [a, b, want] of cases) {
    expect(broadcastShapes(a, b)).toEqual(want);
    expect(broadcastShapesRef(a, b)).toEqual(want);
  }
  expect(() => broadcastShapes([2, 3], [4, 3])).toThrow(/\[2, 3\] and \[4, 3\].*2 vs 4/);
  expect(() => broadcastShapesRef([2, 3], [4, 3])).toThrow();
});
