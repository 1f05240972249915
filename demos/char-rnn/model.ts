// The character-level language model: Embedding(vocab, embed) → LSTM (layers) → Linear(vocab) at
// every step, time-major ([T, B] ids → [T·B, vocab] logits, row t·B + b), and its batches for
// truncated BPTT: the text is cut into B parallel streams read chunk by chunk, state carried over.
// Sampling steps the model on the GPU (nn.generate).
import { crossEntropy, clipGradNorm, nn, noGrad, ops, tensor, tidy, type Tensor, type optim } from '../../src/index.js';

/** LSTM state [layers, B, hidden] twice (h, c), carried between chunks; null = zeros. */
export type State = [Tensor, Tensor] | null;

export interface CharModelOptions {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  seed: number;
}

/** Sets every layer's input bias to 0 with the forget gate's part (gate order i, f, g, o) at
 *  `value`: with 1 the cells keep their memory from the start, which speeds up early learning
 *  (Jozefowicz et al. 2015). bias_hh keeps its uniform initialisation. */
export function setForgetBias(lstm: nn.LSTM, value: number): void {
  const H = lstm.hiddenSize;
  const bias = new Float32Array(4 * H).fill(value, H, 2 * H);
  const names = [...lstm.namedParameters()].map(([n]) => n).filter((n) => n.startsWith('bias_ih_'));
  lstm.loadStateDict(Object.fromEntries(names.map((n) => [n, bias])), { strict: false });
}

export class CharModel extends nn.Module implements nn.TokenStepper<[Tensor, Tensor]> {
  readonly embedding: nn.Embedding;
  readonly lstm: nn.LSTM;
  readonly head: nn.Linear;

  constructor(readonly opts: CharModelOptions) {
    super();
    const { vocab, embed, hidden, layers, seed } = opts;
    this.embedding = this.registerModule('embedding', new nn.Embedding(vocab, embed, { seed }));
    this.lstm = this.registerModule('lstm', new nn.LSTM({ inputSize: embed, hiddenSize: hidden, numLayers: layers, seed: seed + 1 }));
    this.head = this.registerModule('head', new nn.Linear(hidden, vocab, { seed: seed + 2 }));
    setForgetBias(this.lstm, 1);
  }

  /** Zeros of the LSTM state for step(). */
  initialState(batch: number): [Tensor, Tensor] {
    return this.lstm.initialState(batch);
  }

  /** One character a row: ids int32 [B] → logits [B, vocab] and the next state, on the GPU. */
  step(ids: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [y, next] = this.lstm.step(this.embedding.forward(ids), state);
    return [this.head.forward(y), next];
  }

  /** ids int32 [T, B] → logits [T·B, vocab] and the final state. */
  forward(ids: Tensor, state: State): { logits: Tensor; state: [Tensor, Tensor] } {
    const [T, B] = ids.shape as [number, number];
    const x = this.embedding.forward(ids);
    const [y, hc] = this.lstm.forward(x, state);
    const logits = this.head.forward(ops.reshape(y, [T * B, this.opts.hidden]));
    return { logits, state: hc };
  }
}

/** A text cut into `batch` equal streams; chunk k of a stream is its characters k·seqLen.. (+1 for targets). */
export class Streams {
  /** Characters per stream (inputs; the targets reach one further). */
  readonly length: number;

  constructor(readonly ids: Int32Array, readonly batch: number, readonly seqLen: number) {
    this.length = Math.floor((ids.length - 1) / batch);
  }

  /** Whole chunks of seqLen per stream (training drops the remainder). */
  get fullChunks(): number {
    return Math.floor(this.length / this.seqLen);
  }

  /** Chunks covering every character, the last one possibly shorter (evaluation). */
  get allChunks(): number {
    return Math.ceil(this.length / this.seqLen);
  }

  /** Inputs and targets of chunk k, time-major [T, B]. */
  chunk(k: number): { T: number; inputs: Int32Array; targets: Int32Array } {
    const start = k * this.seqLen;
    const T = Math.min(this.seqLen, this.length - start);
    const inputs = new Int32Array(T * this.batch);
    const targets = new Int32Array(T * this.batch);
    for (let b = 0; b < this.batch; b++) {
      const base = b * this.length + start;
      for (let t = 0; t < T; t++) {
        inputs[t * this.batch + b] = this.ids[base + t]!;
        targets[t * this.batch + b] = this.ids[base + t + 1]!;
      }
    }
    return { T, inputs, targets };
  }
}

/** Keeps a state past the step that made it, detached from the graph (truncated BPTT). */
const detachState = ([h, c]: [Tensor, Tensor]): [Tensor, Tensor] => [h.detach(), c.detach()];

export function disposeState(s: State): void {
  s?.[0].dispose();
  s?.[1].dispose();
}

/** One Adam step on chunk k from `state`; returns the mean loss (not read back) and the new state. */
export function trainStep(model: CharModel, opt: optim.Adam, data: Streams, k: number, state: State, clip: number): { loss: Tensor; state: [Tensor, Tensor] } {
  const { T, inputs, targets } = data.chunk(k);
  return tidy(() => {
    const ids = tensor(inputs, [T, data.batch], { dtype: 'int32' });
    const out = model.forward(ids, state);
    const loss = crossEntropy(out.logits, tensor(targets, [T * data.batch], { dtype: 'int32' }));
    opt.zeroGrad();
    loss.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return { loss: loss.detach(), state: detachState(out.state) };
  });
}

/** Mean cross-entropy in nats per character over every character of the streams, in eval mode
 *  without a graph; the sum stays on the GPU until the one readback at the end. */
export async function meanLoss(model: CharModel, data: Streams): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  let state: State = null;
  let total: Tensor | null = null;
  let count = 0;
  try {
    for (let k = 0; k < data.allChunks; k++) {
      const { T, inputs, targets } = data.chunk(k);
      const prev: [Tensor | null, State] = [total, state];
      [total, state] = noGrad(() =>
        tidy(() => {
          const out = model.forward(tensor(inputs, [T, data.batch], { dtype: 'int32' }), state);
          const sum = crossEntropy(out.logits, tensor(targets, [T * data.batch], { dtype: 'int32' }), { reduction: 'sum' });
          return [total ? ops.add(total, sum) : sum, out.state] as [Tensor, [Tensor, Tensor]];
        }),
      );
      prev[0]?.dispose();
      disposeState(prev[1]);
      count += T * data.batch;
    }
    return count ? (await total!.item()) / count : NaN;
  } finally {
    total?.dispose();
    disposeState(state);
    model.train(wasTraining);
  }
}

/** Draws `length` characters after `prompt` (ids, at least one) on the GPU: the prompt runs
 *  through step() and each next id is sampled from softmax(logits/temperature) (temperature 0: the
 *  most likely character) and fed back without a readback; the ids are read once at the end. */
export async function sample(model: CharModel, prompt: Int32Array, length: number, temperature: number, seed: number): Promise<number[]> {
  const wasTraining = model.training;
  model.eval();
  try {
    return Array.from(await nn.generate(model, prompt, { length, temperature, seed }));
  } finally {
    model.train(wasTraining);
  }
}
