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
    add(b: Scalarish): Tensor;
    sub(b: Scalarish): Tensor;
    mul(b: Scalarish): Tensor;
    div(b: Scalarish): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    pow(exponent: number): Tensor;
    clamp(min: number, max: number): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    matmul(b: Tensor): Tensor;
    sum(axis?: number, keepDims?: boolean): Tensor;
    mean(axis?: number, keepDims?: boolean): Tensor;
    max(axis?: number, keepDims?: boolean): Tensor;
    argmax(axis?: number, keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(...dims: number[]): Tensor;
    slice(axis: number, start: number, end: number): Tensor;
    select(axis: number, index: number): Tensor;
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
P.backward = function (grad, opts) { backward(gradMath, this, grad, opts); };
P.detach = function () { return noGrad(() => this.view(this.shape)); };
P.keep = function () { return keep(this); };
