// The binary-add network: an LSTM (or GRU) reads the two bits of each step, least significant
// first, and a Linear(hidden, 1) turns every step's output into the logit of that sum bit.
// x [T, B, 2] → logits [T·B, 1] (time-major rows), trained with binary cross-entropy on logits.
import { binaryCrossEntropyWithLogits, clipGradNorm, nn, noGrad, optim, tensor, tidy, type Tensor } from '../../src/index.js';
import { recurrentLayer, type Cell } from '../common/cell.js';
import { decode, encode, type Pair } from './data.js';

export type { Cell } from '../common/cell.js';

/** RNN over the bit pairs + a per-step sigmoid output (as a logit). */
export class AdderModel extends nn.Module {
  readonly rnn: nn.LSTM | nn.GRU | nn.RNN;
  readonly head: nn.Linear;

  constructor(readonly cell: Cell, readonly hidden: number, layers: number, seed: number) {
    super();
    const opts = { inputSize: 2, hiddenSize: hidden, numLayers: layers, seed };
    this.rnn = this.registerModule('rnn', recurrentLayer(cell, opts));
    this.head = this.registerModule('head', new nn.Linear(hidden, 1, { seed: seed + 1 }));
  }

  /** x [T, B, 2] → logits [T·B, 1]. */
  forward(x: Tensor): Tensor {
    const [T, B] = x.shape as [number, number, number];
    const [y] = this.rnn.forward(x);
    return this.head.forward(y.reshape([T * B, this.hidden]));
  }
}

/** One optimizer step on `pairs`; returns the mean loss as a tensor (read back by the caller). */
export function trainStep(model: AdderModel, opt: optim.Adam, pairs: readonly Pair[], bits: number, clip: number): Tensor {
  const { x, y } = encode(pairs, bits);
  return tidy(() => {
    const loss = binaryCrossEntropyWithLogits(model.forward(tensor(x, [bits, pairs.length, 2])), tensor(y, [bits * pairs.length, 1]));
    opt.zeroGrad();
    loss.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return loss.detach();
  });
}

/** The sums the model predicts for `pairs` (eval mode, no graph, one readback). */
export async function predictSums(model: AdderModel, pairs: readonly Pair[], bits: number): Promise<number[]> {
  const { x } = encode(pairs, bits);
  model.eval();
  const logits = noGrad(() => tidy(() => model.forward(tensor(x, [bits, pairs.length, 2]))));
  model.train();
  const values = await logits.data();
  logits.dispose();
  return decode(values, bits, pairs.length);
}
