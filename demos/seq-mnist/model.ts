// The seq-MNIST classifier: an LSTM or GRU reads each image row by row (T = rows steps of `cols`
// pixels, time-major [T, B, cols]) and a Linear layer maps the last step's output to 10 logits.
// Also the batch assembly, one training step and the batched evaluation (argmax read back only).
import { clipGradNorm, crossEntropy, nn, noGrad, ops, tensor, tidy, type Tensor, type optim } from '../../src/index.js';
import { recurrentLayer, type Cell } from '../common/cell.js';
import { setForgetBias } from '../char-rnn/model.js';
import type { ImageSet } from '../common/mnist.js';

export const CLASSES = 10;

export type { Cell } from '../common/cell.js';

/** RNN over the rows + Linear(hidden, 10) on the last time step; an LSTM's forget-gate bias starts at 1. */
export class RowClassifier extends nn.Module {
  readonly rnn: nn.LSTM | nn.GRU | nn.RNN;
  readonly head: nn.Linear;

  constructor(readonly cell: Cell, inputSize: number, hiddenSize: number, numLayers: number, seed: number) {
    super();
    const opts = { inputSize, hiddenSize, numLayers, seed };
    this.rnn = this.registerModule('rnn', recurrentLayer(cell, opts));
    this.head = this.registerModule('head', new nn.Linear(hiddenSize, CLASSES, { seed: seed + 1 }));
    if (this.rnn instanceof nn.LSTM) setForgetBias(this.rnn, 1);
  }

  /** x [T, B, I] → logits [B, 10]. */
  forward(x: Tensor): Tensor {
    const [y] = this.rnn.forward(x);
    const last = ops.select(y, 0, x.shape[0]! - 1);
    return this.head.forward(last);
  }
}

/** The images at `indices` as a time-major batch [rows, B, cols] (row r of every image is step r). */
export function batchInput(set: ImageSet, indices: ArrayLike<number>): Float32Array {
  const [, rows, cols] = set.shape;
  const B = indices.length;
  const out = new Float32Array(rows * B * cols);
  for (let b = 0; b < B; b++) {
    const src = indices[b]! * rows * cols;
    for (let r = 0; r < rows; r++) out.set(set.images.subarray(src + r * cols, src + (r + 1) * cols), (r * B + b) * cols);
  }
  return out;
}

/** The labels at `indices`. */
export function batchLabels(set: ImageSet, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: indices.length }, (_, b) => set.labels[indices[b]!]!);
}

/** One Adam step on a batch; returns the loss tensor (not read back: the caller decides when). */
export function trainStep(model: RowClassifier, opt: optim.Adam, set: ImageSet, indices: ArrayLike<number>, clip: number): Tensor {
  const [, rows, cols] = set.shape;
  return tidy(() => {
    const x = tensor(batchInput(set, indices), [rows, indices.length, cols]);
    const targets = tensor(batchLabels(set, indices), [indices.length], { dtype: 'int32' });
    const loss = crossEntropy(model.forward(x), targets);
    opt.zeroGrad();
    loss.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return loss.detach();
  });
}

/** Predicted classes of the whole set, in eval mode without a graph, `batch` images at a time;
 *  only the int32 argmax of each batch is read back. */
export async function predict(model: RowClassifier, set: ImageSet, batch: number): Promise<Int32Array> {
  const [n, rows, cols] = set.shape;
  const out = new Int32Array(n);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < n; start += batch) {
      const idx = Array.from({ length: Math.min(batch, n - start) }, (_, i) => start + i);
      const pred = noGrad(() =>
        tidy(() => {
          const x = tensor(batchInput(set, idx), [rows, idx.length, cols]);
          return ops.argmax(model.forward(x), 1);
        }),
      );
      out.set(await pred.data(), start);
      pred.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}
