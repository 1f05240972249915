// Single-step cells (PyTorch's nn.RNNCell, nn.LSTMCell, nn.GRUCell): the sequence op with T = 1,
// so they run the same fused kernels. Parameters: weight_ih, weight_hh, bias_ih, bias_hh.
import { tensor, zeros } from '../graph/create.js';
import { rnnSequence, type DirectionWeights } from '../graph/rnn.js';
import { CELLS, type CellKind } from '../kernels/cells/index.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { gatedKind, gruKind, registerDirection, type RecurrentActivation } from './rnn.js';

export interface CellOptions {
  bias?: boolean;
  seed?: number;
}

abstract class CellBase extends Module {
  private readonly w: DirectionWeights;

  constructor(readonly kind: CellKind, readonly inputSize: number, readonly hiddenSize: number, opts: CellOptions) {
    super();
    const name = this.constructor.name;
    for (const [k, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`webrnn: nn.${name}: ${k} = ${v} must be a positive integer`);
    }
    const sizes = { inSize: inputSize, hidden: hiddenSize, bias: opts.bias !== false };
    this.w = registerDirection((n, t) => this.registerParameter(n, t), kind, sizes, '', opts.seed, 0);
  }

  protected step(x: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const name = this.constructor.name;
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} must be [B, ${this.inputSize}]`);
    }
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    for (const [what, s] of [['h', h], ['c', c]] as const) {
      if (s && (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H)) throw new Error(`webrnn: nn.${name}: ${what} ${shapeStr(s.shape)} must be [${B}, ${H}]`);
    }
    const lengths = tensor(new Int32Array(B).fill(1), [B]);
    const x3 = x.reshape([1, B, this.inputSize]);
    const h3 = h ? h.reshape([1, B, H]) : zeros([1, B, H]);
    const c3 = CELLS[this.kind].cellState ? (c ? c.reshape([1, B, H]) : zeros([1, B, H])) : null;
    const out = rnnSequence(this.kind, { x: x3, lengths, h0: h3, c0: c3, weights: [this.w] }, H);
    for (const t of [lengths, x3, h3, c3, out.y]) t?.dispose();
    const hOut = out.hN.reshape([B, H]);
    const cOut = out.cN ? out.cN.reshape([B, H]) : null;
    out.hN.dispose();
    out.cN?.dispose();
    return { h: hOut, c: cOut };
  }
}

/** h' = act(W_ih·x + b_ih + W_hh·h + b_hh). */
export class RNNCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`webrnn: nn.RNNCell: nonlinearity '${nl}' must be 'tanh' or 'relu'`);
    super(nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts);
  }
  forward(x: Tensor, h?: Tensor | null): Tensor {
    return this.step(x, h ?? null, null).h;
  }
}

/** One LSTM step: forward(x, [h, c]?) → [h', c']. `recurrentActivation` as in nn.LSTM. */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { recurrentActivation?: RecurrentActivation } = {}) {
    super(gatedKind('lstm', opts.recurrentActivation, 'nn.LSTMCell'), inputSize, hiddenSize, opts);
  }
  forward(x: Tensor, state?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const { h, c } = this.step(x, state?.[0] ?? null, state?.[1] ?? null);
    return [h, c!];
  }
}

/** One GRU step: forward(x, h?) → h'. `resetAfter` and `recurrentActivation` as in nn.GRU. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { resetAfter?: boolean; recurrentActivation?: RecurrentActivation } = {}) {
    super(gruKind(opts.resetAfter, opts.recurrentActivation, 'nn.GRUCell'), inputSize, hiddenSize, opts);
  }
  forward(x: Tensor, h?: Tensor | null): Tensor {
    return this.step(x, h ?? null, null).h;
  }
}
