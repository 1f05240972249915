// The sine demo's networks: per series an LSTM (or GRU) reads the window, x [W, B, 1], and a Linear
// head maps the last step's output to the next value, [B, 1]. All series train together: one
// optimizer over every network, loss = Σ per-series MSE (each network sees only its own loss).
import { clipGradNorm, mseLoss, nn, noGrad, ops, tensor, tidy, type optim, type Tensor } from '../../src/index.js';
import { recurrentLayer, type Cell } from '../common/cell.js';
import { batch, type SeriesData, type SeriesName } from './data.js';

export type { Cell } from '../common/cell.js';

/** Window → next value. */
export class Forecaster extends nn.Module {
  readonly rnn: nn.LSTM | nn.GRU | nn.RNN;
  readonly head: nn.Linear;

  constructor(cell: Cell, hidden: number, layers: number, seed: number) {
    super();
    const opts = { inputSize: 1, hiddenSize: hidden, numLayers: layers, seed };
    this.rnn = this.registerModule('rnn', recurrentLayer(cell, opts));
    this.head = this.registerModule('head', new nn.Linear(hidden, 1, { seed: seed + 1 }));
  }

  /** x [W, B, 1] → prediction [B, 1]. */
  forward(x: Tensor): Tensor {
    const [y] = this.rnn.forward(x);
    return this.head.forward(ops.select(y, 0, x.shape[0]! - 1));
  }
}

/** One Forecaster per series, named by the series (state dict `sin.rnn.weight_ih_l0`, ...). */
export class SineModels extends nn.Module {
  readonly nets = new Map<SeriesName, Forecaster>();

  constructor(names: readonly SeriesName[], cell: Cell, hidden: number, layers: number, seed: number) {
    super();
    names.forEach((name, i) => this.nets.set(name, this.registerModule(name, new Forecaster(cell, hidden, layers, seed + 10 * i))));
  }
}

/** One optimizer step on a batch of windows per series; returns each series' loss (not read back). */
export function trainStep(models: SineModels, opt: optim.Adam, work: { data: SeriesData; idx: number[] }[], window: number, clip: number): Tensor[] {
  return tidy(() => {
    const losses = work.map(({ data, idx }) => {
      const { x, y } = batch(data, window, idx);
      const net = models.nets.get(data.name)!;
      return mseLoss(net.forward(tensor(x, [window, idx.length, 1])), tensor(y, [idx.length, 1]));
    });
    const total = losses.slice(1).reduce((a, b) => ops.add(a, b), losses[0]!);
    opt.zeroGrad();
    total.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return losses.map((l) => l.detach());
  });
}

/** Predictions (in the series' units) for the windows before each target index, `chunk` at a time. */
export async function predict(net: Forecaster, data: SeriesData, window: number, idx: readonly number[], chunk = 512): Promise<Float64Array> {
  const out = new Float64Array(idx.length);
  net.eval();
  for (let start = 0; start < idx.length; start += chunk) {
    const part = idx.slice(start, start + chunk);
    const { x } = batch(data, window, part);
    const y = noGrad(() => tidy(() => net.forward(tensor(x, [window, part.length, 1]))));
    const values = await y.data();
    y.dispose();
    values.forEach((v, i) => (out[start + i] = v * data.scale));
  }
  net.train();
  return out;
}
