// nn.Linear: y = x·Wᵀ + b, W [out, in], b [out], initialised U(−1/√in, 1/√in) like PyTorch.
import { linear, linearHalf } from '../graph/ops/linalg.js';
import { launchToHalf } from '../kernels/half.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkArg, checkOptions } from '../util/options.js';
import { subSeed, uniform } from './init.js';
import { Module } from './module.js';

/** y = x·Wᵀ + b with W [outFeatures, inFeatures] and b [outFeatures], initialised U(−1/√in, 1/√in) as in PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean; seed?: number } = {}) {
    super();
    checkArg('nn.Linear', 'inFeatures', inFeatures, 'positiveInteger');
    checkArg('nn.Linear', 'outFeatures', outFeatures, 'positiveInteger');
    checkOptions('nn.Linear', opts, { bias: 'boolean', seed: 'seed' });
    const k = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniform([outFeatures, inFeatures], k, subSeed(opts.seed, 0)));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniform([outFeatures], k, subSeed(opts.seed, 1)));
  }

  private weightHalf: Tensor | null = null;

  /** x [..., inFeatures] → [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    return this.weightHalf ? linearHalf(x, this.weight, this.bias, this.weightHalf) : linear(x, this.weight, this.bias);
  }

  protected override halfWeightsKind(): 'half' {
    return 'half';
  }

  protected override makeHalfWeights(enabled: boolean): void {
    this.weightHalf?.dispose();
    this.weightHalf = enabled ? keep(launchToHalf(this.weight)) : null;
  }
}
