// Differentiable element-wise ops. Binary ops broadcast like NumPy; their backward sums the
// output gradient back down to each input's shape.
import * as ew from '../../kernels/elementwise.js';
import { apply1, type Op } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
/** dy summed down to `shape` (dy itself when no broadcast happened). */
const reduceTo = (dy: Tensor, shape: readonly number[]) => (sameShape(dy.shape, shape) ? dy : ew.launchSumToShape(dy, shape));

const add: Op<null, { a: readonly number[]; b: readonly number[] }> = {
  name: 'add',
  forward: ([a, b]) => ({ outputs: [ew.launchBinary('add', a!, b!)], saved: { a: a!.shape, b: b!.shape } }),
  backward: ([dy], s, _p, needs) => [needs[0] ? reduceTo(dy!, s.a) : null, needs[1] ? reduceTo(dy!, s.b) : null],
};

const sub: Op<null, { a: readonly number[]; b: readonly number[] }> = {
  name: 'sub',
  forward: ([a, b]) => ({ outputs: [ew.launchBinary('sub', a!, b!)], saved: { a: a!.shape, b: b!.shape } }),
  backward: ([dy], s, _p, needs) => {
    if (!needs[1]) return [reduceTo(dy!, s.a), null];
    const neg = ew.launchUnary('neg', dy!);
    const db = reduceTo(neg, s.b);
    if (db !== neg) neg.dispose();
    return [needs[0] ? reduceTo(dy!, s.a) : null, db];
  },
};

/** dy ⊙ other, summed to `shape`; frees the intermediate. */
function productGrad(dy: Tensor, other: Tensor, shape: readonly number[]): Tensor {
  const p = ew.launchBinary('mul', dy, other);
  const r = reduceTo(p, shape);
  if (r !== p) p.dispose();
  return r;
}

const mul: Op<null, { a: Tensor; b: Tensor }> = {
  name: 'mul',
  forward: ([a, b], _p, save) => ({ outputs: [ew.launchBinary('mul', a!, b!)], saved: { a: save(a!), b: save(b!) } }),
  backward: ([dy], { a, b }, _p, needs) => [
    needs[0] ? productGrad(dy!, b, a.shape) : null,
    needs[1] ? productGrad(dy!, a, b.shape) : null,
  ],
};

const div: Op<null, { a: Tensor; b: Tensor }> = {
  name: 'div',
  forward: ([a, b], _p, save) => ({ outputs: [ew.launchBinary('div', a!, b!)], saved: { a: save(a!), b: save(b!) } }),
  backward: ([dy], { a, b }, _p, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    const q = ew.launchBinary('div', dy!, b); // dy / b
    if (needs[0]) da = reduceTo(q, a.shape);
    if (needs[1]) {
      // d(a/b)/db = −a/b², so db = −(dy/b)·(a/b)
      const ab = ew.launchBinary('div', a, b);
      const p = ew.launchBinary('mul', q, ab);
      const n = ew.launchUnary('neg', p);
      db = reduceTo(n, b.shape);
      for (const t of [ab, p, n]) if (t !== db) t.dispose();
    }
    if (q !== da) q.dispose();
    return [da, db];
  },
};

/** Unary ops whose derivative comes from the forward OUTPUT (tanh, sigmoid, exp, sqrt) or INPUT. */
const FROM_OUTPUT = new Set<ew.UnaryOp>(['tanh', 'sigmoid', 'exp', 'sqrt']);

type UnaryParams = { op: ew.UnaryOp; params: ew.UnaryParams };

const unaryOp: Op<UnaryParams, Tensor> = {
  name: 'unary',
  forward: ([x], { op, params }, save) => {
    const y = ew.launchUnary(op, x!, params);
    return { outputs: [y], saved: save(FROM_OUTPUT.has(op) ? y : x!) };
  },
  backward: ([dy], saved, { op, params }) => {
    switch (op) {
      case 'neg':
        return [ew.launchUnary('neg', dy!)];
      case 'scale':
        return [ew.launchUnary('scale', dy!, { scalar: params.scalar })];
      case 'addScalar':
        return [dy];
      case 'square':
        return [ew.launchUnaryBackward('pow', dy!, saved, { exponent: 2 })];
      case 'sign':
        return [ew.launchUnary('scale', dy!, { scalar: 0 })];
      default:
        return [ew.launchUnaryBackward(op as ew.UnaryGradOp, dy!, saved, params)];
    }
  },
};

function unary(op: ew.UnaryOp, x: Tensor, params: ew.UnaryParams = {}): Tensor {
  return apply1(unaryOp, [x], { op, params });
}

export const functional = {
  /** Element-wise a + b with broadcasting (b may be a number); the result has the broadcast shape. */
  add: (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? unary('addScalar', a, { scalar: b }) : apply1(add, [a, b], null)),
  /** Element-wise a − b with broadcasting (b may be a number); the result has the broadcast shape. */
  sub: (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? unary('addScalar', a, { scalar: -b }) : apply1(sub, [a, b], null)),
  /** Element-wise a · b with broadcasting (b may be a number); the result has the broadcast shape. */
  mul: (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? unary('scale', a, { scalar: b }) : apply1(mul, [a, b], null)),
  /** Element-wise a / b with broadcasting (b may be a number); the result has the broadcast shape. */
  div: (a: Tensor, b: Tensor | number) => (typeof b === 'number' ? unary('scale', a, { scalar: 1 / b }) : apply1(div, [a, b], null)),
  /** Element-wise −x; same shape as x. */
  neg: (x: Tensor) => unary('neg', x),
  /** Element-wise eˣ; same shape as x. */
  exp: (x: Tensor) => unary('exp', x),
  /** Element-wise natural logarithm; same shape as x. */
  log: (x: Tensor) => unary('log', x),
  /** Element-wise square root; same shape as x. */
  sqrt: (x: Tensor) => unary('sqrt', x),
  /** Element-wise hyperbolic tangent; same shape as x. */
  tanh: (x: Tensor) => unary('tanh', x),
  /** Element-wise logistic sigmoid 1 / (1 + e⁻ˣ); same shape as x. */
  sigmoid: (x: Tensor) => unary('sigmoid', x),
  /** Element-wise max(x, 0); same shape as x. */
  relu: (x: Tensor) => unary('relu', x),
  /** Element-wise |x|; same shape as x. */
  abs: (x: Tensor) => unary('abs', x),
  /** Element-wise x²; same shape as x. */
  square: (x: Tensor) => unary('square', x),
  /** Element-wise x raised to a constant `exponent`; same shape as x. */
  pow: (x: Tensor, exponent: number) => unary('pow', x, { exponent }),
  /** Element-wise x limited to [min, max]; same shape as x. */
  clamp: (x: Tensor, min: number, max: number) => unary('clamp', x, { min, max }),
  /** x for x ≥ 0, negativeSlope·x below (PyTorch's default slope 0.01). */
  leakyRelu: (x: Tensor, negativeSlope = 0.01) => unary('leakyRelu', x, { negativeSlope }),
};
