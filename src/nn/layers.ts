// nn.Embedding and nn.Dropout.
import { randn } from '../graph/create.js';
import { dropout } from '../graph/ops/dropout.js';
import { embedding } from '../graph/ops/embedding.js';
import { ops } from '../graph/ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** A lookup table [num, dim] initialised N(0, 1) like PyTorch; forward(int32 indices) → [..., dim]. */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: { seed?: number } = {}) {
    super();
    for (const [k, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`webrnn: nn.Embedding: ${k} = ${v} must be a positive integer`);
    }
    this.weight = this.registerParameter('weight', randn([numEmbeddings, embeddingDim], { seed: opts.seed }));
  }
  /** Looks up int32 `indices` of any shape [...] → [..., embeddingDim]. */
  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices);
  }
}

/** Zeroes elements with probability p in training mode (scaling the rest by 1/(1−p)); identity in eval mode. */
export class Dropout extends Module {
  private seed: number;
  private calls = 0;
  constructor(readonly p = 0.5, opts: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`webrnn: nn.Dropout: p = ${p} must be in [0, 1)`);
    this.seed = opts.seed ?? (Math.random() * 2 ** 32) >>> 0;
  }
  /** x with elements dropped (training) or x itself (eval); same shape. */
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return ops.reshape(x, x.shape); // a recorded identity
    return dropout(x, this.p, this.seed, 2 ** 32 * this.calls++); // offsets 2³² apart never overlap
  }
}
