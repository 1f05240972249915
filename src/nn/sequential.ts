// nn.Sequential and activation modules (Tanh, ReLU, LeakyReLU, Sigmoid, Softmax, LogSoftmax). Sub-modules are named "0", "1", ... as in PyTorch.
import type { Tensor } from '../tensor/tensor.js';
import { show } from '../util/options.js';
import { Module } from './module.js';

/** Anything Sequential can chain: a module with a one-tensor forward. */
export interface Layer extends Module {
  /** The layer's output for x. */
  forward(x: Tensor): Tensor;
}

/** Runs its layers in order, each on the previous one's output; sub-modules are named '0', '1', … as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module) || typeof (l as Partial<Layer>).forward !== 'function') {
        throw new Error(`webrnn: nn.Sequential: layer ${i} must be a module with forward(), got ${show(l)}`);
      }
    });
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  /** x through every layer in turn. */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) {
      const next = l.forward(h);
      if (h !== x && next !== h) h.dispose(); // outside tidy() nothing else would free it
      h = next;
    }
    return h;
  }
}

/** Wraps a tensor function as a parameter-free module (Tanh, ReLU, Sigmoid, ...). */
abstract class Activation extends Module implements Layer {
  abstract forward(x: Tensor): Tensor;
}
/** Element-wise tanh as a module; same shape. */
export class Tanh extends Activation {
  /** tanh(x). */
  forward(x: Tensor): Tensor { return x.tanh(); }
}
/** Element-wise max(x, 0) as a module; same shape. */
export class ReLU extends Activation {
  /** max(x, 0). */
  forward(x: Tensor): Tensor { return x.relu(); }
}
/** x for x ≥ 0, negativeSlope·x below (PyTorch's default 0.01), as a module; same shape. */
export class LeakyReLU extends Activation {
  constructor(readonly negativeSlope = 0.01) { super(); }
  /** leakyRelu(x, negativeSlope). */
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
}
/** Element-wise logistic sigmoid as a module; same shape. */
export class Sigmoid extends Activation {
  /** 1 / (1 + e⁻ˣ). */
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}
/** Softmax along `dim` (default: the last) as a module; same shape. */
export class Softmax extends Activation {
  constructor(readonly dim = -1) { super(); }
  /** softmax(x) along `dim`. */
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
}
/** Log-softmax along `dim` (default: the last) as a module; same shape. */
export class LogSoftmax extends Activation {
  constructor(readonly dim = -1) { super(); }
  /** log softmax(x) along `dim`. */
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim); }
}
