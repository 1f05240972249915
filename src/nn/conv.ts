// nn.Conv2d and nn.Conv1d: weight [C_out, C_in/groups, KH(, KW)] and bias [C_out], initialised as
// PyTorch does (kaiming-uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in), the bias the same).
import { conv1d, conv2d, type Conv1dOptions } from '../graph/ops/conv.js';
import { type Conv2dOptions, type Pair, pair } from '../kernels/conv_plan.js';
import type { Tensor } from '../tensor/tensor.js';
import { subSeed, uniform } from './init.js';
import { Module } from './module.js';
import { anyValue, checkOptions } from '../util/options.js';

const MODULE_OPTIONS = { stride: anyValue, padding: anyValue, dilation: anyValue, groups: anyValue, bias: 'boolean', seed: 'seed' } as const;

/** What nn.Conv2d / nn.Conv1d take beyond the convolution's own options: a bias or not, and the init seed. */
export interface ConvModuleOptions {
  bias?: boolean;
  seed?: number;
}

function checkChannels(what: string, inC: number, outC: number, groups: number): void {
  for (const [k, v] of [['inChannels', inC], ['outChannels', outC], ['groups', groups]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`webrnn: ${what}: ${k} = ${v} must be a positive integer`);
  }
  if (inC % groups || outC % groups) throw new Error(`webrnn: ${what}: groups = ${groups} must divide inChannels (${inC}) and outChannels (${outC})`);
}

/** 2-D convolution over [B, C_in, H, W]; `opts` may be the stride alone, as PyTorch's 4th argument. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Conv2dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: number | (Conv2dOptions & ConvModuleOptions) = {}) {
    super();
    const o = typeof opts === 'number' ? { stride: opts } : opts;
    checkOptions('nn.Conv2d', o, MODULE_OPTIONS);
    const groups = o.groups ?? 1;
    checkChannels('nn.Conv2d', inChannels, outChannels, groups);
    const [kh, kw] = pair('nn.Conv2d', 'kernelSize', kernelSize, 1, 1);
    this.options = { stride: o.stride, padding: o.padding, dilation: o.dilation, groups };
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    this.weight = this.registerParameter('weight', uniform([outChannels, inChannels / groups, kh, kw], bound, subSeed(o.seed, 0)));
    this.bias = o.bias === false ? null : this.registerParameter('bias', uniform([outChannels], bound, subSeed(o.seed, 1)));
  }

  /** x [B, C_in, H, W] → [B, C_out, OH, OW]. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }
}

/** 1-D convolution over [B, C_in, L]; `opts` may be the stride alone, as PyTorch's 4th argument. */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Conv1dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number, opts: number | (Conv1dOptions & ConvModuleOptions) = {}) {
    super();
    const o = typeof opts === 'number' ? { stride: opts } : opts;
    checkOptions('nn.Conv1d', o, MODULE_OPTIONS);
    const groups = o.groups ?? 1;
    checkChannels('nn.Conv1d', inChannels, outChannels, groups);
    if (!Number.isInteger(kernelSize) || kernelSize < 1) throw new Error(`webrnn: nn.Conv1d: kernelSize = ${kernelSize} must be a positive integer`);
    this.options = { stride: o.stride, padding: o.padding, dilation: o.dilation, groups };
    const bound = 1 / Math.sqrt((inChannels / groups) * kernelSize);
    this.weight = this.registerParameter('weight', uniform([outChannels, inChannels / groups, kernelSize], bound, subSeed(o.seed, 0)));
    this.bias = o.bias === false ? null : this.registerParameter('bias', uniform([outChannels], bound, subSeed(o.seed, 1)));
  }

  /** x [B, C_in, L] → [B, C_out, OL]. */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.options);
  }
}
