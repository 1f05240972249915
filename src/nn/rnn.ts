// nn.RNN, nn.LSTM and nn.GRU with PyTorch's options, parameter names and layouts. Each layer is one
// sequence op (src/graph/rnn.ts) running both directions together; dropout sits between layers.
// The cell kind's spec says what differs between them (gates, a cell state).
import { tensor, zeros } from '../graph/create.js';
import { dropout } from '../graph/ops/dropout.js';
import { ops } from '../graph/ops/index.js';
import { rnnSequence, type DirectionWeights } from '../graph/rnn.js';
import { CELLS, type CellKind } from '../kernels/cells/index.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';
import { subSeed, uniform } from './init.js';
import { Module } from './module.js';

export interface RNNOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  /** RNN only. */
  nonlinearity?: 'tanh' | 'relu';
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode. */
  dropout?: number;
  bidirectional?: boolean;
  seed?: number;
}

export interface SequenceOptions {
  /** Each batch element's length, 1..T (any order): outputs past it are 0, states stop there. */
  lengths?: ArrayLike<number>;
}

/** Registers one direction's parameters `weight_ih{sfx}` [G·H, in], `weight_hh{sfx}` [G·H, H] and
 *  (with bias) `bias_ih{sfx}`, `bias_hh{sfx}` [G·H], drawn U(−1/√H, 1/√H) from consecutive sub-seeds. */
export function registerDirection(
  register: (name: string, t: Tensor) => Tensor,
  kind: CellKind,
  sizes: { inSize: number; hidden: number; bias: boolean },
  sfx: string,
  seed: number | undefined,
  first: number,
): DirectionWeights {
  const GH = CELLS[kind].gates * sizes.hidden;
  const k = 1 / Math.sqrt(sizes.hidden);
  let i = first;
  const p = (n: string, shape: number[]) => register(n + sfx, uniform(shape, k, subSeed(seed, i++)));
  const w: DirectionWeights = { w_ih: p('weight_ih', [GH, sizes.inSize]), w_hh: p('weight_hh', [GH, sizes.hidden]) };
  if (sizes.bias) {
    w.b_ih = p('bias_ih', [GH]);
    w.b_hh = p('bias_hh', [GH]);
  }
  return w;
}

export abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly numDirections: 1 | 2;
  private readonly weights: DirectionWeights[][] = [];
  private dropoutCalls = 0;
  private readonly dropoutSeedBase: number;

  constructor(readonly kind: CellKind, opts: RNNOptions) {
    super();
    const { inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false } = opts;
    const name = this.constructor.name;
    for (const [k, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize], ['numLayers', numLayers]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`webrnn: nn.${name}: ${k} = ${v} must be a positive integer`);
    }
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`webrnn: nn.${name}: dropout = ${dropout} must be in [0, 1)`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    this.numDirections = bidirectional ? 2 : 1;
    this.dropoutSeedBase = opts.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : subSeed(opts.seed, 1 << 20)!;
    const perDirection = bias ? 4 : 2;
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? inputSize : this.numDirections * hiddenSize;
      const dirs = Array.from({ length: this.numDirections }, (_, d) => {
        const first = (l * this.numDirections + d) * perDirection;
        return registerDirection((n, t) => this.registerParameter(n, t), kind, { inSize, hidden: hiddenSize, bias }, `_l${l}${d === 1 ? '_reverse' : ''}`, opts.seed, first);
      });
      this.weights.push(dirs);
    }
  }

  /** Runs every layer; x is [T, B, I] (or [B, T, I] with batchFirst). */
  protected run(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): { y: Tensor; hN: Tensor; cN: Tensor | null } {
    const name = this.constructor.name;
    if (x.rank !== 3) throw new Error(`webrnn: nn.${name}: input must be 3-D [${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}], got ${shapeStr(x.shape)}`);
    if (x.dtype !== 'float32') throw new Error(`webrnn: nn.${name}: input must be float32, got ${x.dtype}`);
    if (x.shape[2] !== this.inputSize) throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} has feature size ${x.shape[2]}, expected inputSize ${this.inputSize}`);
    const [T, B] = (this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]]) as [number, number];
    if (T < 1 || B < 1) throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} has no time steps or no batch`);
    const LD = this.numLayers * this.numDirections;
    const H = this.hiddenSize;
    for (const [what, s] of [['h0', h0], ['c0', c0]] as const) {
      if (s && (s.rank !== 3 || s.shape[0] !== LD || s.shape[1] !== B || s.shape[2] !== H)) {
        throw new Error(`webrnn: nn.${name}: ${what} ${shapeStr(s.shape)} must be [numLayers·D, B, H] = [${LD}, ${B}, ${H}]`);
      }
    }
    const lengths = this.lengthsTensor(opts.lengths, T, B);
    const cellState = CELLS[this.kind].cellState;
    let input = this.batchFirst ? ops.transpose(x, 0, 1) : x;
    const D = this.numDirections;
    const hNs: Tensor[] = [];
    const cNs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const layerState = (s: Tensor | null) => (s ? (this.numLayers === 1 ? s : ops.slice(s, 0, l * D, (l + 1) * D)) : zeros([D, B, H]));
      const hl = layerState(h0);
      const cl = cellState ? layerState(c0) : null;
      const out = rnnSequence(this.kind, { x: input, lengths, h0: hl, c0: cl, weights: this.weights[l]! }, H);
      if (input !== x) input.dispose();
      input = out.y;
      if (this.training && this.dropout > 0 && l < this.numLayers - 1) {
        // Each call draws a fresh mask from the model's seed; offsets 2³² apart never overlap.
        const dropped = dropout(input, this.dropout, this.dropoutSeedBase, 2 ** 32 * this.dropoutCalls++);
        input.dispose();
        input = dropped;
      }
      hNs.push(out.hN);
      if (out.cN) cNs.push(out.cN);
    }
    lengths.dispose();
    const y = this.batchFirst ? ops.transpose(input, 0, 1) : input;
    const join = (ts: Tensor[]) => (ts.length === 1 ? ts[0]! : ops.concat(ts, 0));
    return { y, hN: join(hNs), cN: cellState ? join(cNs) : null };
  }

  private lengthsTensor(lengths: ArrayLike<number> | undefined, T: number, B: number): Tensor {
    const name = this.constructor.name;
    if (lengths === undefined) return tensor(new Int32Array(B).fill(T), [B]);
    if (lengths.length !== B) throw new Error(`webrnn: nn.${name}: lengths has ${lengths.length} entries, the batch has ${B}`);
    const v = Int32Array.from(lengths);
    for (let b = 0; b < B; b++) {
      if (!(lengths[b]! >= 1 && lengths[b]! <= T && Number.isInteger(lengths[b]))) {
        throw new Error(`webrnn: nn.${name}: lengths[${b}] = ${lengths[b]} is outside 1..${T} (T = ${T})`);
      }
    }
    return tensor(v, [B]);
  }
}

/** Elman RNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh). forward → [output, hN]. */
export class RNN extends RNNBase {
  constructor(opts: RNNOptions) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`webrnn: nn.RNN: nonlinearity '${nl}' must be 'tanh' or 'relu'`);
    super(nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', opts);
  }
  forward(x: Tensor, h0?: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
    const { y, hN } = this.run(x, h0 ?? null, null, opts);
    return [y, hN];
  }
}

/** The gate activation of the LSTM and GRU: 'sigmoid' (PyTorch), or 'hard_sigmoid', TF.js and
 *  Keras 2's clamp(0.2·x + 0.5, 0, 1). */
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

export interface LSTMOptions extends Omit<RNNOptions, 'nonlinearity'> {
  /** The gates' activation (i, f, o); default 'sigmoid'. */
  recurrentActivation?: RecurrentActivation;
}

/** The cell kind of a gated cell with `recurrentActivation`. */
export function gatedKind(kind: 'lstm' | 'gru' | 'gru_reset_before', act: RecurrentActivation | undefined, where: string): CellKind {
  if (act === undefined || act === 'sigmoid') return kind;
  if (act === 'hard_sigmoid') return `${kind}_hard_sigmoid`;
  throw new Error(`webrnn: ${where}: recurrentActivation '${String(act)}' must be 'sigmoid' or 'hard_sigmoid'`);
}

/** LSTM (gates i, f, g, o). forward → [output, [hN, cN]]. */
export class LSTM extends RNNBase {
  constructor(opts: LSTMOptions) {
    super(gatedKind('lstm', opts.recurrentActivation, 'nn.LSTM'), opts);
  }
  forward(x: Tensor, state?: [Tensor, Tensor] | null, opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const { y, hN, cN } = this.run(x, state?.[0] ?? null, state?.[1] ?? null, opts);
    return [y, [hN, cN!]];
  }
}

export interface GRUOptions extends Omit<RNNOptions, 'nonlinearity'> {
  /** true (default, PyTorch): n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)); false (Keras's
   *  reset_after=False, ONNX's linear_before_reset=0): n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn). */
  resetAfter?: boolean;
  /** The gates' activation (r, z); default 'sigmoid'. */
  recurrentActivation?: RecurrentActivation;
}

/** The GRU cell kind for the `resetAfter` and `recurrentActivation` options. */
export function gruKind(resetAfter: boolean | undefined, act: RecurrentActivation | undefined, where: string): CellKind {
  if (resetAfter !== undefined && resetAfter !== true && resetAfter !== false) {
    throw new Error(`webrnn: ${where}: resetAfter = ${String(resetAfter)} must be true or false`);
  }
  return gatedKind(resetAfter === false ? 'gru_reset_before' : 'gru', act, where);
}

/** GRU (gates r, z, n; see GRUOptions.resetAfter for n). forward → [output, hN]. */
export class GRU extends RNNBase {
  constructor(opts: GRUOptions) {
    super(gruKind(opts.resetAfter, opts.recurrentActivation, 'nn.GRU'), opts);
  }
  forward(x: Tensor, h0?: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
    const { y, hN } = this.run(x, h0 ?? null, null, opts);
    return [y, hN];
  }
}
