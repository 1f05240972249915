// Single-step cells (PyTorch's nn.RNNCell, nn.LSTMCell, nn.GRUCell): the sequence op with T = 1,
// so they run the same fused kernels. Parameters: weight_ih, weight_hh, bias_ih, bias_hh.
import { tensor, zeros } from '../graph/create.js';
import { rnnSequence, type DirectionWeights } from '../graph/rnn.js';
import { CELLS, type CellKind } from '../kernels/cells/index.js';
import { disposeOnThrow } from '../tensor/scope.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { checkArg, checkOptions, show, type Spec } from '../util/options.js';
import { Module } from './module.js';
import { checkState, gatedKind, gruKind, lstmPair, RECURRENT_ACTIVATIONS, registerDirection, type RecurrentActivation } from './rnn.js';

/** Options of the single-step cells: biases (default true) and the initialisation seed. */
export interface CellOptions {
  bias?: boolean;
  seed?: number;
}

abstract class CellBase extends Module {
  private readonly w: DirectionWeights;

  constructor(readonly kind: CellKind, readonly inputSize: number, readonly hiddenSize: number, opts: CellOptions, extra: Spec = {}) {
    super();
    const where = `nn.${new.target.name}`;
    checkArg(where, 'inputSize', inputSize, 'positiveInteger');
    checkArg(where, 'hiddenSize', hiddenSize, 'positiveInteger');
    checkOptions(where, opts, { bias: 'boolean', seed: 'seed', ...extra });
    const sizes = { inSize: inputSize, hidden: hiddenSize, bias: opts.bias !== false };
    this.w = registerDirection((n, t) => this.registerParameter(n, t), kind, sizes, '', opts.seed, 0);
  }

  /** One step; what a failed call had made is freed (outside tidy() nothing else would). */
  protected step(x: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    return disposeOnThrow(() => this.runStep(x, h, c));
  }

  private runStep(x: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const name = this.constructor.name;
    if (!(x instanceof Tensor)) throw new Error(`webrnn: nn.${name}: input must be a Tensor [B, ${this.inputSize}], got ${show(x)}`);
    x.assertAlive();
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} must be [B, ${this.inputSize}]`);
    }
    if (x.dtype !== 'float32') throw new Error(`webrnn: nn.${name}: input must be float32, got ${x.dtype}`);
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    for (const [what, s] of [['h', h], ['c', c]] as const) if (s) checkState(`nn.${name}`, what, s, [B, H], '[B, hiddenSize]');
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
    super(opts?.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, opts, { nonlinearity: ['tanh', 'relu'] });
  }
  /** One step: x [B, inputSize], h [B, hiddenSize] (zeros when omitted) → h' [B, hiddenSize]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    return this.step(x, h ?? null, null).h;
  }
}

/** One LSTM step: forward(x, [h, c]?) → [h', c']. `recurrentActivation` as in nn.LSTM. */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { recurrentActivation?: RecurrentActivation } = {}) {
    super(gatedKind('lstm', opts?.recurrentActivation, 'nn.LSTMCell'), inputSize, hiddenSize, opts, { recurrentActivation: RECURRENT_ACTIVATIONS });
  }
  /** One step: x [B, inputSize], [h, c] each [B, hiddenSize] (zeros when omitted) → [h', c']. */
  forward(x: Tensor, state?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [h0, c0] = lstmPair('nn.LSTMCell', state);
    const { h, c } = this.step(x, h0 as Tensor | null, c0 as Tensor | null);
    return [h, c!];
  }
}

/** One GRU step: forward(x, h?) → h'. `resetAfter` and `recurrentActivation` as in nn.GRU. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { resetAfter?: boolean; recurrentActivation?: RecurrentActivation } = {}) {
    super(gruKind(opts?.resetAfter, opts?.recurrentActivation, 'nn.GRUCell'), inputSize, hiddenSize, opts, { resetAfter: 'boolean', recurrentActivation: RECURRENT_ACTIVATIONS });
  }
  /** One step: x [B, inputSize], h [B, hiddenSize] (zeros when omitted) → h' [B, hiddenSize]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    return this.step(x, h ?? null, null).h;
  }
}
