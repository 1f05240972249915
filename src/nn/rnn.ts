// nn.RNN, nn.LSTM and nn.GRU with PyTorch's options, parameter names and layouts. Each layer is one
// sequence op (src/graph/rnn.ts) running both directions together; dropout sits between layers.
import { tensor, zeros } from '../graph/create.js';
import { dropout } from '../graph/ops/dropout.js';
import { ops } from '../graph/ops/index.js';
import { GATES, rnnSequence, type DirectionWeights, type RnnMode } from '../graph/rnn.js';
import type { Tensor } from '../tensor/tensor.js';
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

const fmt = (t: Tensor) => `[${t.shape.join(', ')}]`;

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

  constructor(readonly mode: RnnMode, opts: RNNOptions) {
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
    const G = GATES[mode];
    const k = 1 / Math.sqrt(hiddenSize);
    let i = 0;
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? inputSize : this.numDirections * hiddenSize;
      const dirs: DirectionWeights[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const p = (n: string, shape: number[]) => this.registerParameter(n + sfx, uniform(shape, k, subSeed(opts.seed, i++)));
        const w: DirectionWeights = { wIh: p('weight_ih', [G * hiddenSize, inSize]), wHh: p('weight_hh', [G * hiddenSize, hiddenSize]) };
        if (bias) {
          w.bIh = p('bias_ih', [G * hiddenSize]);
          w.bHh = p('bias_hh', [G * hiddenSize]);
        }
        dirs.push(w);
      }
      this.weights.push(dirs);
    }
  }

  /** Runs every layer; x is [T, B, I] (or [B, T, I] with batchFirst). */
  protected run(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): { y: Tensor; hN: Tensor; cN: Tensor | null } {
    const name = this.constructor.name;
    if (x.rank !== 3) throw new Error(`webrnn: nn.${name}: input must be 3-D [${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}], got ${fmt(x)}`);
    if (x.dtype !== 'float32') throw new Error(`webrnn: nn.${name}: input must be float32, got ${x.dtype}`);
    if (x.shape[2] !== this.inputSize) throw new Error(`webrnn: nn.${name}: input ${fmt(x)} has feature size ${x.shape[2]}, expected inputSize ${this.inputSize}`);
    const [T, B] = (this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]]) as [number, number];
    if (T < 1 || B < 1) throw new Error(`webrnn: nn.${name}: input ${fmt(x)} has no time steps or no batch`);
    const LD = this.numLayers * this.numDirections;
    const H = this.hiddenSize;
    for (const [what, s] of [['h0', h0], ['c0', c0]] as const) {
      if (s && (s.rank !== 3 || s.shape[0] !== LD || s.shape[1] !== B || s.shape[2] !== H)) {
        throw new Error(`webrnn: nn.${name}: ${what} ${fmt(s)} must be [numLayers·D, B, H] = [${LD}, ${B}, ${H}]`);
      }
    }
    const lengths = this.lengthsTensor(opts.lengths, T, B);
    const lstm = this.mode === 'lstm';
    let input = this.batchFirst ? ops.transpose(x, 0, 1) : x;
    const D = this.numDirections;
    const hNs: Tensor[] = [];
    const cNs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const layerState = (s: Tensor | null) => (s ? (this.numLayers === 1 ? s : ops.slice(s, 0, l * D, (l + 1) * D)) : zeros([D, B, H]));
      const hl = layerState(h0);
      const cl = lstm ? layerState(c0) : null;
      const out = rnnSequence(input, lengths, hl, cl, this.weights[l]!, { mode: this.mode, hidden: H, dirs: D, bias: this.bias });
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
    return { y, hN: join(hNs), cN: lstm ? join(cNs) : null };
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

/** LSTM (gates i, f, g, o). forward → [output, [hN, cN]]. */
export class LSTM extends RNNBase {
  constructor(opts: Omit<RNNOptions, 'nonlinearity'>) {
    super('lstm', opts);
  }
  forward(x: Tensor, state?: [Tensor, Tensor] | null, opts: SequenceOptions = {}): [Tensor, [Tensor, Tensor]] {
    const { y, hN, cN } = this.run(x, state?.[0] ?? null, state?.[1] ?? null, opts);
    return [y, [hN, cN!]];
  }
}

/** GRU (gates r, z, n; n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))). forward → [output, hN]. */
export class GRU extends RNNBase {
  constructor(opts: Omit<RNNOptions, 'nonlinearity'>) {
    super('gru', opts);
  }
  forward(x: Tensor, h0?: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
    const { y, hN } = this.run(x, h0 ?? null, null, opts);
    return [y, hN];
  }
}
