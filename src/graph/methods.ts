// Tensor methods, as in PyTorch and TF.js (`a.matmul(b)`, `t.sum(axis)`, `loss.backward()`):
// each forwards to the functional op of the same name. Imported once by src/index.ts.
import * as ew from '../kernels/elementwise.js';
import { ones } from './create.js';
import { ops } from './ops/index.js';
import { keep } from '../tensor/scope.js';
import { backward, noGrad, type BackwardOptions, type GradMath } from './tape.js';
import { Tensor } from '../tensor/tensor.js';

const gradMath: GradMath = {
  onesLike: (t) => ones(t.shape),
  add: (a, b) => ew.launchBinary('add', a, b),
  addInto: (a, b) => {
    const s = ew.launchBinary('add', a, b);
    a.dispose();
    b.dispose();
    return s;
  },
};

type Scalarish = Tensor | number;

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** {@inheritDoc ops.add} */
    add(b: Scalarish): Tensor;
    /** {@inheritDoc ops.sub} */
    sub(b: Scalarish): Tensor;
    /** {@inheritDoc ops.mul} */
    mul(b: Scalarish): Tensor;
    /** {@inheritDoc ops.div} */
    div(b: Scalarish): Tensor;
    /** {@inheritDoc ops.neg} */
    neg(): Tensor;
    /** {@inheritDoc ops.exp} */
    exp(): Tensor;
    /** {@inheritDoc ops.log} */
    log(): Tensor;
    /** {@inheritDoc ops.sqrt} */
    sqrt(): Tensor;
    /** {@inheritDoc ops.tanh} */
    tanh(): Tensor;
    /** {@inheritDoc ops.sigmoid} */
    sigmoid(): Tensor;
    /** {@inheritDoc ops.relu} */
    relu(): Tensor;
    /** {@inheritDoc ops.abs} */
    abs(): Tensor;
    /** {@inheritDoc ops.square} */
    square(): Tensor;
    /** {@inheritDoc ops.pow} */
    pow(exponent: number): Tensor;
    /** {@inheritDoc ops.clamp} */
    clamp(min: number, max: number): Tensor;
    /** {@inheritDoc ops.leakyRelu} */
    leakyRelu(negativeSlope?: number): Tensor;
    /** {@inheritDoc ops.matmul} */
    matmul(b: Tensor): Tensor;
    /** {@inheritDoc ops.sum} */
    sum(axis?: number, keepDims?: boolean): Tensor;
    /** {@inheritDoc ops.mean} */
    mean(axis?: number, keepDims?: boolean): Tensor;
    /** {@inheritDoc ops.max} */
    max(axis?: number, keepDims?: boolean): Tensor;
    /** {@inheritDoc ops.argmax} */
    argmax(axis?: number, keepDims?: boolean): Tensor;
    /** {@inheritDoc ops.softmax} */
    softmax(axis?: number): Tensor;
    /** {@inheritDoc ops.logSoftmax} */
    logSoftmax(axis?: number): Tensor;
    /** {@inheritDoc ops.reshape} */
    reshape(shape: readonly number[]): Tensor;
    /** {@inheritDoc ops.transpose} */
    transpose(...dims: number[]): Tensor;
    /** {@inheritDoc ops.slice} */
    slice(axis: number, start: number, end: number): Tensor;
    /** {@inheritDoc ops.select} */
    select(axis: number, index: number): Tensor;
    /** The dims reordered: `permute(0, 2, 1)` (every dim named once, as in PyTorch). */
    permute(...dims: number[]): Tensor;
    /** Dims startDim..endDim (inclusive; default all) merged into one, a view: `flatten(2)` on [B, W, C, H] → [B, W, C·H]. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Backpropagates into the `.grad` of every leaf that requires grad. */
    backward(grad?: Tensor, opts?: BackwardOptions): void;
    /** The same values, cut off from the graph (shares the buffer). */
    detach(): Tensor;
    /** Marks this tensor to outlive every tidy() scope. */
    keep(): this;
  }
}

const P = Tensor.prototype;
P.add = function (b) { return ops.add(this, b); };
P.sub = function (b) { return ops.sub(this, b); };
P.mul = function (b) { return ops.mul(this, b); };
P.div = function (b) { return ops.div(this, b); };
P.neg = function () { return ops.neg(this); };
P.exp = function () { return ops.exp(this); };
P.log = function () { return ops.log(this); };
P.sqrt = function () { return ops.sqrt(this); };
P.tanh = function () { return ops.tanh(this); };
P.sigmoid = function () { return ops.sigmoid(this); };
P.relu = function () { return ops.relu(this); };
P.abs = function () { return ops.abs(this); };
P.square = function () { return ops.square(this); };
P.pow = function (e) { return ops.pow(this, e); };
P.clamp = function (lo, hi) { return ops.clamp(this, lo, hi); };
P.leakyRelu = function (s) { return ops.leakyRelu(this, s); };
P.matmul = function (b) { return ops.matmul(this, b); };
P.sum = function (axis, keepDims) { return ops.sum(this, axis, keepDims); };
P.mean = function (axis, keepDims) { return ops.mean(this, axis, keepDims); };
P.max = function (axis, keepDims) { return ops.max(this, axis, keepDims); };
P.argmax = function (axis, keepDims) { return ops.argmax(this, axis, keepDims); };
P.softmax = function (axis) { return ops.softmax(this, axis); };
P.logSoftmax = function (axis) { return ops.logSoftmax(this, axis); };
P.reshape = function (shape) { return ops.reshape(this, shape); };
P.transpose = function (...dims) { return ops.transpose(this, ...dims); };
P.slice = function (axis, start, end) { return ops.slice(this, axis, start, end); };
P.select = function (axis, index) { return ops.select(this, axis, index); };
P.permute = function (...dims) { return ops.permute(this, ...dims); };
P.flatten = function (s, e) { return ops.flatten(this, s, e); };
P.backward = function (grad, opts) { backward(gradMath, this, grad, opts); };
P.detach = function () { return noGrad(() => this.view(this.shape)); };
P.keep = function () { return keep(this); };
