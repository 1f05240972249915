// nn.RNN, nn.LSTM and nn.GRU with PyTorch's options, parameter names and layouts. Each layer is one
// sequence op (src/graph/rnn.ts) running both directions together; dropout sits between layers.
// The cell kind's spec says what differs between them (gates, a cell state).
import { tensor, zeros } from '../graph/create.js';
import { dropout } from '../graph/ops/dropout.js';
import { ops } from '../graph/ops/index.js';
import { halfLayerWeights, rnnSequence, type DirectionWeights, type HalfLayerWeights } from '../graph/rnn.js';
import { willRecord } from '../graph/tape.js';
import { CELLS, type CellKind } from '../kernels/cells/index.js';
import { disposeOnThrow } from '../tensor/scope.js';
import { checkAllocation, shapeStr, Tensor } from '../tensor/tensor.js';
import { checkOptions, show, type Spec } from '../util/options.js';
import { subSeed, uniform } from './init.js';
import { Module } from './module.js';
import { initialRecurrentState, stepRecurrent } from './step.js';

/** Options of nn.RNN, nn.LSTM and nn.GRU, with PyTorch's names and defaults: numLayers 1, bias true, batchFirst false, dropout 0, bidirectional false. */
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

/** Per-call options of a recurrent layer's forward(). */
export interface SequenceOptions {
  /** Each batch element's length, 1..T (any order): outputs past it are 0, states stop there. */
  lengths?: ArrayLike<number>;
}

const SEQUENCE_OPTIONS: Spec = {
  lengths: (v) => (ArrayBuffer.isView(v) || Array.isArray(v) ? null : 'an array or typed array of B lengths'),
};

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
  // Every shape is checked before the first allocation: a named error, not a RangeError.
  checkAllocation([GH, sizes.inSize], `parameter weight_ih${sfx}`);
  checkAllocation([GH, sizes.hidden], `parameter weight_hh${sfx}`);
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

/** Each layer's binary16 weights, by recurrent module, while its halfWeights() is on. */
const HALF = new WeakMap<RNNBase, HalfLayerWeights[]>();

/** Layer l's binary16 weights while `layer`'s halfWeights() is on, else undefined (for step()). */
export function halfLayerOf(layer: RNNBase, l: number): HalfLayerWeights | undefined {
  return HALF.get(layer)?.[l];
}

/** What nn.RNN, nn.LSTM and nn.GRU share: options, parameters `weight_ih_l{k}` [G·H, in], `weight_hh_l{k}` [G·H, H], `bias_ih_l{k}`, `bias_hh_l{k}` [G·H] (`_reverse` for the backward direction), and the multi-layer run. */
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

  /** Layer `l`'s parameters, one entry a direction: what forward() and step() run it with. */
  layerWeights(l: number): readonly DirectionWeights[] {
    const w = this.weights[l];
    if (!w) throw new Error(`webrnn: nn.${this.constructor.name}.layerWeights: layer ${l} is outside 0..${this.numLayers - 1}`);
    return w;
  }
  private dropoutCalls = 0;
  private readonly dropoutSeedBase: number;

  /** The options every recurrent layer takes; subclasses add their own (nonlinearity, resetAfter, projSize). */
  static readonly OPTIONS: Spec = {
    inputSize: 'positiveInteger', hiddenSize: 'positiveInteger', numLayers: 'positiveInteger', bias: 'boolean',
    batchFirst: 'boolean', dropout: 'probability', bidirectional: 'boolean', seed: 'seed',
  };

  constructor(readonly kind: CellKind, opts: RNNOptions, extra: Spec = {}) {
    super();
    const where = `nn.${new.target.name}`;
    if (opts === undefined) throw new Error(`webrnn: ${where}: needs options { inputSize, hiddenSize, ... }`);
    checkOptions(where, opts, { ...RNNBase.OPTIONS, ...extra });
    const { inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false } = opts;
    for (const k of ['inputSize', 'hiddenSize'] as const) if (opts[k] === undefined) throw new Error(`webrnn: ${where}: option ${k} is required`);
    if (dropout > 0 && numLayers === 1) {
      // Honoured as PyTorch does (no dropout after the last layer), with PyTorch's warning.
      console.warn(`webrnn: ${where}: dropout = ${dropout} does nothing with numLayers = 1 (it applies between layers)`);
    }
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
    try {
      for (let l = 0; l < numLayers; l++) {
        const inSize = l === 0 ? inputSize : this.numDirections * hiddenSize;
        const dirs = Array.from({ length: this.numDirections }, (_, d) => {
          const first = (l * this.numDirections + d) * perDirection;
          return registerDirection((n, t) => this.registerParameter(n, t), kind, { inSize, hidden: hiddenSize, bias }, `_l${l}${d === 1 ? '_reverse' : ''}`, opts.seed, first);
        });
        this.weights.push(dirs);
      }
    } catch (e) {
      this.dispose(); // a constructor that throws leaves nothing allocated
      throw e;
    }
  }

  protected override halfWeightsKind(): 'half' | 'none' {
    return CELLS[this.kind].forward.half ? 'half' : 'none';
  }

  protected override makeHalfWeights(enabled: boolean): void {
    for (const l of HALF.get(this) ?? []) for (const t of [l.w_ih, l.w_hh]) t.dispose();
    if (enabled) HALF.set(this, this.weights.map((dirs) => halfLayerWeights(dirs)));
    else HALF.delete(this);
  }

  /** Runs every layer; x is [T, B, I] (or [B, T, I] with batchFirst). What a failed call had
   *  made is freed (outside tidy() nothing else would). */
  protected run(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): { y: Tensor; hN: Tensor; cN: Tensor | null } {
    return disposeOnThrow(() => this.runLayers(x, h0, c0, opts));
  }

  private runLayers(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): { y: Tensor; hN: Tensor; cN: Tensor | null } {
    const name = this.constructor.name;
    checkOptions(`nn.${name}.forward`, opts, SEQUENCE_OPTIONS);
    if (!(x instanceof Tensor)) throw new Error(`webrnn: nn.${name}: input must be a Tensor, got ${show(x)}`);
    if (x.rank !== 3) throw new Error(`webrnn: nn.${name}: input must be 3-D [${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}], got ${shapeStr(x.shape)}`);
    if (x.dtype !== 'float32') throw new Error(`webrnn: nn.${name}: input must be float32, got ${x.dtype}`);
    if (x.shape[2] !== this.inputSize) throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} has feature size ${x.shape[2]}, expected inputSize ${this.inputSize}`);
    const [T, B] = (this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]]) as [number, number];
    if (T < 1 || B < 1) throw new Error(`webrnn: nn.${name}: input ${shapeStr(x.shape)} has no time steps or no batch`);
    const LD = this.numLayers * this.numDirections;
    const H = this.hiddenSize;
    for (const [what, s] of [['h0', h0], ['c0', c0]] as const) if (s) checkState(`nn.${name}`, what, s, [LD, B, H], '[numLayers·D, B, H]');
    const half = HALF.get(this);
    if (half && willRecord([x, ...this.parameters(), ...(h0 ? [h0] : []), ...(c0 ? [c0] : [])])) {
      throw new Error(`webrnn: nn.${name}: f16 weights (halfWeights()) are for inference: run the forward under noGrad(), or call halfWeights(false) to train`);
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
      const out = rnnSequence(this.kind, { x: input, lengths, h0: hl, c0: cl, weights: this.weights[l]! }, H, half?.[l]);
      for (const s of [hl, cl]) if (s && s !== h0 && s !== c0) s.dispose(); // zeros or a slice made here
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
    if (y !== input) input.dispose();
    const join = (ts: Tensor[]) => {
      if (ts.length === 1) return ts[0]!;
      const all = ops.concat(ts, 0);
      for (const t of ts) t.dispose();
      return all;
    };
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

/** Throws unless a recurrent state is a live float32 tensor of `shape` (named `what` in the error). */
export function checkState(where: string, what: string, s: unknown, shape: readonly number[], layout: string): void {
  if (!(s instanceof Tensor)) throw new Error(`webrnn: ${where}: ${what} must be a Tensor ${layout} = ${shapeStr(shape)}, got ${show(s)}`);
  s.assertAlive();
  if (s.dtype !== 'float32') throw new Error(`webrnn: ${where}: ${what} must be float32, got ${s.dtype} ${shapeStr(s.shape)}`);
  if (s.rank !== shape.length || s.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`webrnn: ${where}: ${what} ${shapeStr(s.shape)} must be ${layout} = ${shapeStr(shape)}`);
  }
}

/** The [h, c] pair of an LSTM's state, refused unless it is null/undefined or an array of two. */
export function lstmPair(where: string, state: unknown): [unknown, unknown] {
  if (state === null || state === undefined) return [null, null];
  if (!Array.isArray(state) || state.length !== 2 || state[0] == null || state[1] == null) {
    const got = state instanceof Tensor ? `one Tensor ${shapeStr(state.shape)}` : show(state);
    throw new Error(`webrnn: ${where}: state must be the pair [h, c] (both, or none), got ${got}`);
  }
  return [state[0], state[1]];
}

/** Elman RNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh). forward → [output, hN]. */
export class RNN extends RNNBase {
  constructor(opts: RNNOptions) {
    super(opts?.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh', opts, { nonlinearity: ['tanh', 'relu'] });
  }
  /** x [T, B, I] ([B, T, I] with batchFirst), h0 [L·D, B, H] (zeros when omitted) → [y [T, B, D·H], hN [L·D, B, H]]; D = 2 when bidirectional. */
  forward(x: Tensor, h0?: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
    const { y, hN } = this.run(x, h0 ?? null, null, opts);
    return [y, hN];
  }
  /** Zeros h [numLayers, B, H] for step(). */
  initialState(batch: number): Tensor {
    return initialRecurrentState(this, batch) as Tensor;
  }
  /** One time step on the GPU (src/nn/step.ts): x [B, I], h [numLayers, B, H] → [y [B, H], h']. */
  step(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return stepRecurrent(this, x, h) as [Tensor, Tensor];
  }
}

/** The gate activation of the LSTM and GRU: 'sigmoid' (PyTorch), or 'hard_sigmoid', TF.js and
 *  Keras 2's clamp(0.2·x + 0.5, 0, 1). */
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

/** The option rule of recurrentActivation. */
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'hard_sigmoid'] as const;

/** The cell kind of a gated cell with `recurrentActivation`. */
export function gatedKind(kind: 'lstm' | 'gru' | 'gru_reset_before', act: RecurrentActivation | undefined, where: string): CellKind {
  if (act === undefined || act === 'sigmoid') return kind;
  if (act === 'hard_sigmoid') return `${kind}_hard_sigmoid`;
  throw new Error(`webrnn: ${where}: option recurrentActivation = ${show(act)} must be 'sigmoid' or 'hard_sigmoid'`);
}

/** LSTM (gates i, f, g, o). forward → [output, [hN, cN]]. */
export class LSTM extends RNNBase {
  constructor(opts: LSTMOptions) {
    // Refused before the parameters are made: PyTorch's weight_hr_l{k} needs kernel support we lack.
    const proj = opts?.projSize;
    if (typeof proj === 'number' && proj > 0) throw new Error(`webrnn: nn.LSTM: projSize is not supported yet (got ${proj}; 0 means no projection)`);
    super(gatedKind('lstm', opts?.recurrentActivation, 'nn.LSTM'), opts, { projSize: 'nonNegativeInteger', recurrentActivation: RECURRENT_ACTIVATIONS });
  }
  /** x [T, B, I] ([B, T, I] with batchFirst), [h0, c0] each [L·D, B, H] (zeros when omitted) → [y [T, B, D·H], [hN, cN] each [L·D, B, H]]; D = 2 when bidirectional. */
  forward(x: Tensor, state?: [Tensor, Tensor] | null, opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const [h0, c0] = lstmPair('nn.LSTM', state);
    const { y, hN, cN } = this.run(x, h0 as Tensor | null, c0 as Tensor | null, opts);
    return [y, [hN, cN!]];
  }
  /** Zeros [h, c], each [numLayers, B, H], for step(). */
  initialState(batch: number): [Tensor, Tensor] {
    return initialRecurrentState(this, batch) as [Tensor, Tensor];
  }
  /** One time step on the GPU (src/nn/step.ts): x [B, I], [h, c] → [y [B, H], [h', c']]. */
  step(x: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    return stepRecurrent(this, x, state) as [Tensor, [Tensor, Tensor]];
  }
}

/** Options of nn.LSTM: RNNOptions without the nonlinearity, and PyTorch's projSize (0 only). */
export interface LSTMOptions extends Omit<RNNOptions, 'nonlinearity'> {
  /** PyTorch's proj_size: only 0 (no projection) for now; a positive size is refused. */
  projSize?: number;
  /** The gates' activation (i, f, o); default 'sigmoid'. */
  recurrentActivation?: RecurrentActivation;
}

/** Options of nn.GRU: RNNOptions without the nonlinearity, and which GRU variant (resetAfter). */
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
    throw new Error(`webrnn: ${where}: option resetAfter = ${show(resetAfter)} must be true or false`);
  }
  return gatedKind(resetAfter === false ? 'gru_reset_before' : 'gru', act, where);
}

/** GRU (gates r, z, n; see GRUOptions.resetAfter for n). forward → [output, hN]. */
export class GRU extends RNNBase {
  constructor(opts: GRUOptions) {
    super(gruKind(opts?.resetAfter, opts?.recurrentActivation, 'nn.GRU'), opts, { resetAfter: 'boolean', recurrentActivation: RECURRENT_ACTIVATIONS });
  }
  /** x [T, B, I] ([B, T, I] with batchFirst), h0 [L·D, B, H] (zeros when omitted) → [y [T, B, D·H], hN [L·D, B, H]]; D = 2 when bidirectional. */
  forward(x: Tensor, h0?: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
    const { y, hN } = this.run(x, h0 ?? null, null, opts);
    return [y, hN];
  }
  /** Zeros h [numLayers, B, H] for step(). */
  initialState(batch: number): Tensor {
    return initialRecurrentState(this, batch) as Tensor;
  }
  /** One time step on the GPU (src/nn/step.ts): x [B, I], h [numLayers, B, H] → [y [B, H], h']. */
  step(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return stepRecurrent(this, x, h) as [Tensor, Tensor];
  }
}
