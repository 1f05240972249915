// nn.Embedding and nn.Dropout.
import { randn } from '../graph/create.js';
import { dropout } from '../graph/ops/dropout.js';
import { embedding } from '../graph/ops/embedding.js';
import { ops } from '../graph/ops/index.js';
import { recorder } from '../gpu/encoder.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkArg, checkOptions } from '../util/options.js';
import { Module } from './module.js';

/** Options of nn.Embedding: PyTorch's padding_idx and the initialisation seed. */
export interface EmbeddingOptions {
  /** PyTorch's padding_idx: that row starts at zeros and gets no gradient; negative counts from the end. */
  paddingIdx?: number;
  seed?: number;
}

/** A lookup table [num, dim] initialised N(0, 1) like PyTorch; forward(int32 indices) → [..., dim]. */
export class Embedding extends Module {
  readonly weight: Tensor;
  /** The padding row in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkArg('nn.Embedding', 'numEmbeddings', numEmbeddings, 'positiveInteger');
    checkArg('nn.Embedding', 'embeddingDim', embeddingDim, 'positiveInteger');
    const V = numEmbeddings;
    checkOptions('nn.Embedding', opts, {
      paddingIdx: (v) => (Number.isInteger(v) && (v as number) >= -V && (v as number) < V ? null : `an integer in [−${V}, ${V})`),
      seed: 'seed',
    });
    this.paddingIdx = opts.paddingIdx === undefined ? null : (opts.paddingIdx + V) % V;
    this.weight = this.registerParameter('weight', randn([numEmbeddings, embeddingDim], { seed: opts.seed }));
    if (this.paddingIdx !== null) recorder(this.weight.storage.g).clear(this.weight.buffer, this.paddingIdx * embeddingDim * 4, embeddingDim * 4);
  }
  /** Looks up int32 `indices` of any shape [...] → [..., embeddingDim]. */
  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices, this.paddingIdx);
  }
  /** halfWeights(): the table stays float32 (a lookup reads each row once: f16 would save nothing). */
  protected override halfWeightsKind(): 'float32' {
    return 'float32';
  }
}

/** Zeroes elements with probability p in training mode (scaling the rest by 1/(1−p)); identity in eval mode. */
export class Dropout extends Module {
  private seed: number;
  private calls = 0;
  constructor(readonly p = 0.5, opts: { seed?: number } = {}) {
    super();
    checkArg('nn.Dropout', 'p', p, 'probability');
    checkOptions('nn.Dropout', opts, { seed: 'seed' });
    this.seed = opts.seed ?? (Math.random() * 2 ** 32) >>> 0;
  }
  /** x with elements dropped (training) or x itself (eval); same shape. */
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return ops.reshape(x, x.shape); // a recorded identity
    return dropout(x, this.p, this.seed, 2 ** 32 * this.calls++); // offsets 2³² apart never overlap
  }
}
