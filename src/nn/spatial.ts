// The parameter-free layers of a CNN front-end: nn.MaxPool2d, nn.AvgPool2d and nn.Flatten (the
// bridge from [B, C, H, W] feature maps to the vectors or sequences of the layers after it).
import { flatten } from '../graph/ops/shape.js';
import { avgPool2d, type AvgPool2dOptions, maxPool2d } from '../graph/ops/pool.js';
import type { Pair } from '../kernels/conv_plan.js';
import type { Pool2dOptions } from '../kernels/pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { anyValue, checkOptions } from '../util/options.js';

/** Max over kernelSize windows; stride defaults to the kernel size, padding (≤ half the kernel) is -Inf. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions = {}) {
    super();
    checkOptions('nn.MaxPool2d', options, { stride: anyValue, padding: anyValue });
  }
  /** x [B, C, H, W] or [C, H, W] → [..., OH, OW]. */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/** Mean over kernelSize windows; stride defaults to the kernel size; countIncludePad defaults to true. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPool2dOptions = {}) {
    super();
    checkOptions('nn.AvgPool2d', options, { stride: anyValue, padding: anyValue, countIncludePad: 'boolean' });
  }
  /** x [B, C, H, W] or [C, H, W] → [..., OH, OW]. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** Merges dims startDim..endDim into one (PyTorch's nn.Flatten: startDim 1 keeps the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  /** x with dims startDim..endDim merged into one (a view). */
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}
