// CPU twins of the element-wise kernels (unary, unary_backward, binary, sum_to_shape): plain
// float64 loops over row-major data, the spec for NaN/Inf too. Shapes are NumPy-style; a
// broadcast input repeats along its size-1 (or missing leading) dims.
import type { BinaryOp, UnaryGradOp, UnaryOp, UnaryParams } from '../kernels/elementwise.js';
import { coords } from './shape.js';

/** x^e with the kernel's rules: integer e keeps the sign of negative x; other e is NaN for x < 0. */
export function powScalarRef(x: number, e: number): number {
  if (Number.isInteger(e) && Math.abs(e) < 2 ** 31) return Math.pow(x, e);
  return x < 0 ? NaN : Math.pow(x, e);
}

/** -1, 0 or 1; ±0 and NaN pass through. */
const signKeepNan = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x);

/** Clamp that keeps NaN; lo > hi gives hi (PyTorch). */
function clampKeepNan(x: number, lo: number, hi: number): number {
  const y = x < lo ? lo : x;
  return y > hi ? hi : y;
}

const lo = (p: UnaryParams) => p.min ?? -Infinity;
const hi = (p: UnaryParams) => p.max ?? Infinity;

/** One unary op on one value. */
export function unaryScalarRef(op: UnaryOp, v: number, p: UnaryParams = {}): number {
  switch (op) {
    case 'neg': return -v;
    case 'exp': return Math.exp(v);
    case 'log': return Math.log(v); // log(0) = -Inf, log(x < 0) = NaN
    case 'sqrt': return Math.sqrt(v); // sqrt(x < 0) = NaN
    case 'tanh': return Math.tanh(v);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'relu': return v < 0 ? 0 : v; // relu(NaN) = NaN
    case 'abs': return Math.abs(v);
    case 'square': return v * v;
    case 'pow': return powScalarRef(v, p.exponent!);
    case 'clamp': return clampKeepNan(v, lo(p), hi(p));
    case 'scale': return v * p.scalar!;
    case 'addScalar': return v + p.scalar!;
    case 'sign': return signKeepNan(v);
    case 'leakyRelu': return v < 0 ? v * p.negativeSlope! : v;
  }
}

/** Twin of unary.wgsl: out[i] = f(x[i]). */
export function unaryRef(op: UnaryOp, x: ArrayLike<number>, params: UnaryParams = {}): Float64Array {
  return Float64Array.from(x, (v) => unaryScalarRef(op, v, params));
}

/** dx for one element: `s` is the forward output y (tanh, sigmoid, exp, sqrt) or input x (others). */
export function unaryGradScalarRef(op: UnaryGradOp, g: number, s: number, p: UnaryParams = {}): number {
  switch (op) {
    case 'tanh': return g * (1 - s * s);
    case 'sigmoid': return g * s * (1 - s);
    case 'relu': return s <= 0 ? 0 : g;
    case 'exp': return g * s;
    case 'log': return g / s;
    case 'sqrt': return g / (2 * s);
    case 'pow': return p.exponent === 0 ? 0 : g * p.exponent! * powScalarRef(s, p.exponent! - 1);
    case 'clamp': return s >= lo(p) && s <= hi(p) ? g : 0;
    case 'abs': return g * signKeepNan(s);
    case 'leakyRelu': return s > 0 ? g : g * p.negativeSlope!;
  }
}

/** Twin of unary_backward.wgsl: dx[i] = dy[i] · f'(saved[i]). */
export function unaryBackwardRef(op: UnaryGradOp, dy: ArrayLike<number>, saved: ArrayLike<number>, params: UnaryParams = {}): Float64Array {
  return Float64Array.from(dy, (g, i) => unaryGradScalarRef(op, g, saved[i]!, params));
}

/** One binary op on two values; maximum/minimum propagate NaN. */
export function binaryScalarRef(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'mul': return x * y;
    case 'div': return x / y;
    case 'maximum': return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y);
    case 'minimum': return Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y);
  }
}

/** NumPy broadcast of two shapes (throws when they do not broadcast). */
export function broadcastShapesRef(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...Array<number>(r - a.length).fill(1), ...a];
  const pb = [...Array<number>(r - b.length).fill(1), ...b];
  return pa.map((x, i) => {
    const y = pb[i]!;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    return x === 1 ? y : x;
  });
}


/** Flat index in `shape` (right-aligned to `c`) of coordinates `c`, with size-1 dims repeating. */
function broadcastIndex(c: readonly number[], shape: readonly number[]): number {
  const lead = c.length - shape.length;
  let idx = 0;
  shape.forEach((d, k) => (idx = idx * d + (d === 1 ? 0 : c[lead + k]!)));
  return idx;
}

/** Twin of binary.wgsl: out = a ∘ b with NumPy broadcasting. */
export function binaryRef(
  op: BinaryOp, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[],
): { data: Float64Array; shape: number[] } {
  const shape = broadcastShapesRef(aShape, bShape);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = coords(i, shape);
    data[i] = binaryScalarRef(op, a[broadcastIndex(c, aShape)]!, b[broadcastIndex(c, bShape)]!);
  }
  return { data, shape };
}

/** Twin of sum_to_shape.wgsl: sums dy (shape dyShape) over the dims `shape` broadcasts. */
export function sumToShapeRef(dy: ArrayLike<number>, dyShape: readonly number[], shape: readonly number[]): Float64Array {
  const out = new Float64Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < dy.length; i++) out[broadcastIndex(coords(i, dyShape), shape)]! += dy[i]!;
  return out;
}
