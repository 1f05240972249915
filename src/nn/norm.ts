// nn.BatchNorm1d, nn.BatchNorm2d and nn.LayerNorm with PyTorch's options and state dict: weight
// (ones) and bias (zeros) when affine; buffers running_mean (zeros), running_var (ones) and
// num_batches_tracked (int32) when tracking running statistics.
import { full, ones, zeros } from '../graph/create.js';
import { batchNorm, layerNorm } from '../graph/ops/norm.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { anyValue, checkOptions } from '../util/options.js';

/** nn.BatchNorm1d / nn.BatchNorm2d options, PyTorch's names and defaults. */
export interface BatchNormModuleOptions {
  eps?: number;
  /** The running statistics' update factor; null: a cumulative average (PyTorch's None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(private readonly what: string, readonly numFeatures: number, opts: BatchNormModuleOptions) {
    super();
    checkOptions(what, opts, { eps: anyValue, momentum: anyValue, affine: 'boolean', trackRunningStats: 'boolean' });
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`webrnn: ${what}: numFeatures = ${numFeatures} must be a positive integer`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps >= 0)) throw new Error(`webrnn: ${what}: eps must be ≥ 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`webrnn: ${what}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    const track = opts.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = track ? this.registerBuffer('num_batches_tracked', full([], 0, { dtype: 'int32' })) : null;
  }

  /** The input ranks this module accepts. */
  protected abstract readonly ranks: readonly number[];

  /** Normalised x, same shape: batch statistics in training mode (updating the running ones), running statistics in eval mode. */
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      const want = this.ranks.map((r) => (r === 2 ? '[B, C]' : r === 3 ? '[B, C, L]' : '[B, C, H, W]')).join(' or ');
      throw new Error(`webrnn: ${this.what}: input must be ${want} with C = ${this.numFeatures}, got ${shapeStr(x.shape)}`);
    }
    // Without running statistics, eval mode normalises with the batch's own too (PyTorch).
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training || !this.runningMean,
      momentum: this.momentum,
      eps: this.eps,
      numBatchesTracked: this.numBatchesTracked,
    });
  }
}

/** Batch norm over [B, C] or [B, C, L] (statistics per channel over B and L). */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  constructor(numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super('nn.BatchNorm1d', numFeatures, opts);
  }
}

/** Batch norm over [B, C, H, W] (statistics per channel over B, H and W). */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  constructor(numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super('nn.BatchNorm2d', numFeatures, opts);
  }
}

/** Layer norm over the last dims (`normalizedShape`), with weight (ones) and bias (zeros) of that shape. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(normalizedShape: number | readonly number[], readonly opts: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    checkOptions('nn.LayerNorm', opts, { eps: anyValue, elementwiseAffine: 'boolean' });
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (!this.normalizedShape.length || !this.normalizedShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`webrnn: nn.LayerNorm: normalizedShape ${shapeStr(this.normalizedShape)} must be positive integers`);
    }
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape)) : null;
    this.bias = affine ? this.registerParameter('bias', zeros(this.normalizedShape)) : null;
  }
  /** x normalised over its last dims (normalizedShape), same shape. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.opts.eps ?? 1e-5);
  }
  /** halfWeights(): the scale and shift stay float32, as under PyTorch's autocast. */
  protected override halfWeightsKind(): 'float32' {
    return 'float32';
  }
}
