// nn.Sequential, nn.LastStep and activation modules (Tanh, ReLU, LeakyReLU, Sigmoid, Softmax, LogSoftmax). Sub-modules are named "0", "1", ... as in PyTorch.
import { ops } from '../graph/ops/index.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { checkArg, show } from '../util/options.js';
import { Module } from './module.js';

/** Anything Sequential can chain: a module with a one-tensor forward. */
export interface Layer extends Module {
  /** The layer's output for x. */
  forward(x: Tensor): Tensor;
}

/** A recurrent layer (nn.RNN, nn.LSTM, nn.GRU): forward(x) → [output sequence, final state]. */
export interface SequenceLayer extends Module {
  /** The output sequence and the final state. */
  forward(x: Tensor): [Tensor, Tensor | [Tensor, Tensor]];
}

/** Runs its layers in order, each on the previous one's output; sub-modules are named '0', '1', … as
 *  in PyTorch. A recurrent layer (nn.RNN, nn.LSTM, nn.GRU) passes on its output sequence and drops
 *  its final state (Keras's return_sequences = true); nn.LastStep after it keeps the last step. */
export class Sequential extends Module {
  readonly layers: (Layer | SequenceLayer)[];
  constructor(...layers: (Layer | SequenceLayer)[]) {
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
      const out = l.forward(h);
      // A recurrent layer's [y, state]: the state is not passed on (outside tidy() free it here).
      const next = Array.isArray(out) ? out[0] : out;
      if (Array.isArray(out)) for (const s of [out[1]].flat()) s.dispose();
      if (h !== x && next !== h) h.dispose(); // outside tidy() nothing else would free it
      h = next;
    }
    return h;
  }
}

/** The last time step of a sequence: x [..., T (at `dim`), ...] → x without that axis, its index T − 1
 *  (`y[:, -1]` in PyTorch). After a recurrent layer in nn.Sequential, dim is its time axis: 1 with
 *  batchFirst (the default here, Keras's layout), 0 without. */
export class LastStep extends Module implements Layer {
  constructor(readonly dim = 1) {
    super();
    checkArg('nn.LastStep', 'dim', dim, 'nonNegativeInteger');
  }
  /** x [..., T, ...] → x at step T − 1 of axis `dim`. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.rank <= this.dim) throw new Error(`webrnn: nn.LastStep: input must be a Tensor with an axis ${this.dim}, got ${x instanceof Tensor ? shapeStr(x.shape) : show(x)}`);
    return ops.select(x, this.dim, x.shape[this.dim]! - 1);
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
