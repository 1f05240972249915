// nn.Sequential and activation modules. Sub-modules are named "0", "1", ... as in PyTorch.
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Anything Sequential can chain: a module with a one-tensor forward. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

export class Sequential extends Module {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
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
export class Tanh extends Activation {
  forward(x: Tensor): Tensor { return x.tanh(); }
}
export class ReLU extends Activation {
  forward(x: Tensor): Tensor { return x.relu(); }
}
export class Sigmoid extends Activation {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}
export class Softmax extends Activation {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
}
export class LogSoftmax extends Activation {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim); }
}
