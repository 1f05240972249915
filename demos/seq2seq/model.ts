// The encoder–decoder with attention. The encoder (GRU/LSTM/RNN) reads the source characters; the
// decoder starts from its final state and reads the target shifted right (teacher forcing in
// training, its own previous output when decoding). Each decoder output q attends over the encoder
// outputs (Luong placement: the current decoder state is the query), with either score
//   dot:      q·k / √H                      (Luong's dot score, scaled)
//   additive: vᵀ tanh(W_q q + W_k k)        (Bahdanau's additive score)
// padded source positions get −1e9 before the softmax; then tanh(W_c [context; q]) → logits.
// Built from the library's public ops (matmul, softmax, tanh, concat, ...).
import { nn, ops, tensor, type Tensor } from '../../src/index.js';
import { recurrentLayer, type Cell } from '../common/cell.js';
import { SOURCE_CHARS, TARGET_CHARS } from './data.js';

export type Attention = 'dot' | 'additive';
export type RecurrentState = Tensor | [Tensor, Tensor];

export interface Seq2SeqSizes {
  cell: Cell;
  attention: Attention;
  embed: number;
  hidden: number;
  layers: number;
}

/** The source side a decoder attends to: memory [B, Ts, H], the additive keys W_k·memory, the mask. */
export interface Encoded {
  memory: Tensor;
  keys: Tensor | null;
  /** [B, 1, Ts]: 0 at real characters, −1e9 at padding. */
  mask: Tensor;
  state: RecurrentState;
}

/** The padding mask [B, 1, T] of `lengths`. */
export function paddingMask(lengths: ArrayLike<number>, T: number): Tensor {
  const B = lengths.length;
  const m = new Float32Array(B * T);
  for (let b = 0; b < B; b++) m.fill(-1e9, b * T + lengths[b]!, (b + 1) * T);
  return tensor(m, [B, 1, T]);
}

export class Seq2Seq extends nn.Module {
  readonly srcEmbed: nn.Embedding;
  readonly tgtEmbed: nn.Embedding;
  readonly encoder: nn.LSTM | nn.GRU | nn.RNN;
  readonly decoder: nn.LSTM | nn.GRU | nn.RNN;
  readonly queryProj: nn.Linear | null = null;
  readonly keyProj: nn.Linear | null = null;
  readonly scoreVec: nn.Linear | null = null;
  readonly combine: nn.Linear;
  readonly out: nn.Linear;

  constructor(readonly sizes: Seq2SeqSizes, seed: number) {
    super();
    const { cell, embed, hidden: H, layers } = sizes;
    this.srcEmbed = this.registerModule('srcEmbed', new nn.Embedding(SOURCE_CHARS.length, embed, { seed, paddingIdx: 0 }));
    this.tgtEmbed = this.registerModule('tgtEmbed', new nn.Embedding(TARGET_CHARS.length, embed, { seed: seed + 1 }));
    this.encoder = this.registerModule('encoder', recurrentLayer(cell, { inputSize: embed, hiddenSize: H, numLayers: layers, seed: seed + 2 }));
    this.decoder = this.registerModule('decoder', recurrentLayer(cell, { inputSize: embed, hiddenSize: H, numLayers: layers, seed: seed + 3 }));
    if (sizes.attention === 'additive') {
      this.queryProj = this.registerModule('queryProj', new nn.Linear(H, H, { seed: seed + 4 }));
      this.keyProj = this.registerModule('keyProj', new nn.Linear(H, H, { bias: false, seed: seed + 5 }));
      this.scoreVec = this.registerModule('scoreVec', new nn.Linear(H, 1, { bias: false, seed: seed + 6 }));
    }
    this.combine = this.registerModule('combine', new nn.Linear(2 * H, H, { seed: seed + 7 }));
    this.out = this.registerModule('out', new nn.Linear(H, TARGET_CHARS.length, { seed: seed + 8 }));
  }

  /** Frees the parameters and what the decoder's step() keeps (Module.dispose frees only
   *  parameters, not what a child's own dispose() would). */
  override dispose(): void {
    this.decoder.dispose();
    super.dispose();
  }

  /** Source ids [Ts, B] (int32, 0-padded) and their lengths → what the decoder attends to. */
  encode(ids: Tensor, lengths: Int32Array): Encoded {
    const [Ts] = ids.shape as [number, number];
    const x = this.srcEmbed.forward(ids);
    const [y, state] = (this.encoder.forward as (x: Tensor, s: null, o: nn.SequenceOptions) => [Tensor, RecurrentState])(x, null, { lengths });
    const memory = ops.transpose(y, 0, 1); // [B, Ts, H]
    return { memory, keys: this.keyProj ? this.keyProj.forward(memory) : null, mask: paddingMask(lengths, Ts), state };
  }

  /** Decoder outputs q [B, Tq, H] → logits [B, Tq, V] and the attention weights [B, Tq, Ts]. */
  attend(q: Tensor, enc: Encoded): { logits: Tensor; weights: Tensor } {
    const [B, Tq, H] = q.shape as [number, number, number];
    const Ts = enc.memory.shape[1]!;
    let scores: Tensor;
    if (this.scoreVec) {
      // [B, Tq, 1, H] + [B, 1, Ts, H] → tanh → vᵀ· → [B, Tq, Ts]
      const wq = ops.reshape(this.queryProj!.forward(q), [B, Tq, 1, H]);
      const wk = ops.reshape(enc.keys!, [B, 1, Ts, H]);
      scores = ops.reshape(this.scoreVec.forward(ops.tanh(ops.add(wq, wk))), [B, Tq, Ts]);
    } else {
      scores = ops.mul(ops.matmul(q, ops.transpose(enc.memory, 1, 2)), 1 / Math.sqrt(H));
    }
    const weights = ops.softmax(ops.add(scores, enc.mask), -1);
    const context = ops.matmul(weights, enc.memory); // [B, Tq, H]
    const combined = ops.tanh(this.combine.forward(ops.concat([context, q], -1)));
    return { logits: this.out.forward(combined), weights };
  }

  /** Teacher forcing: decoder input ids [Tt, B] (start token, then the target shifted) → logits [B, Tt, V]. */
  forward(srcIds: Tensor, lengths: Int32Array, tgtInputs: Tensor): { logits: Tensor; weights: Tensor } {
    const enc = this.encode(srcIds, lengths);
    const x = this.tgtEmbed.forward(tgtInputs);
    const [y] = (this.decoder.forward as (x: Tensor, s: RecurrentState) => [Tensor, RecurrentState])(x, enc.state);
    return this.attend(ops.transpose(y, 0, 1), enc);
  }

  /** One decoding step on the GPU: token ids [B] (int32) and the state → logits [B, V], weights [B, Ts], state. */
  step(ids: Tensor, state: RecurrentState, enc: Encoded): { logits: Tensor; weights: Tensor; state: RecurrentState } {
    const B = ids.shape[0]!;
    const x = this.tgtEmbed.forward(ids);
    const [y, next] = (this.decoder.step as (x: Tensor, s: RecurrentState) => [Tensor, RecurrentState])(x, state);
    const { logits, weights } = this.attend(ops.reshape(y, [B, 1, this.sizes.hidden]), enc);
    return { logits: ops.reshape(logits, [B, logits.shape[2]!]), weights: ops.reshape(weights, [B, weights.shape[2]!]), state: next };
  }
}
