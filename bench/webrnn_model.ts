// A workload on webrnn: nn.LSTM / nn.GRU + nn.Linear head, the loss, and Adam. A training step
// is forward, BPTT and the Adam update recorded into one submit, ending with the loss read-back;
// inference is an eval-mode forward ending with the logits read-back.
import {
  crossEntropy, mseLoss, nn, noGrad, ops, optim, tensor, tidy, type Tensor,
} from '../src/index.js';
import type { SharedWeights, Workload, WorkloadData } from './workloads.js';

/** Called at phase boundaries inside a step, for the per-kernel profile. */
export type PhaseHook = (phase: 'forward' | 'backward' | 'optimizer') => void;

export class WebrnnModel {
  readonly rnn: nn.LSTM | nn.GRU;
  readonly head: nn.Linear;
  readonly opt: optim.Adam;
  private readonly x: Tensor;
  private readonly targets: Tensor;

  constructor(readonly wl: Workload, data: WorkloadData, seed = 7) {
    const opts = { inputSize: wl.input, hiddenSize: wl.hidden, numLayers: wl.layers, seed };
    this.rnn = wl.cell === 'lstm' ? new nn.LSTM(opts) : new nn.GRU(opts);
    this.head = new nn.Linear(wl.hidden, wl.outputs, { seed: seed + 1 });
    this.opt = new optim.Adam([...this.rnn.parameters(), ...this.head.parameters()], { lr: 1e-3 });
    this.x = tensor(data.x, [wl.steps, wl.batch, wl.input]).keep();
    this.targets = (data.targets instanceof Int32Array
      ? tensor(data.targets, [data.targets.length])
      : tensor(data.targets, [wl.steps, wl.batch, 1])
    ).keep();
  }

  /** Logits: [B, C] from the last step, or [T·B, C] / [T, B, 1] from every step. */
  private logits(): Tensor {
    const { steps: T, batch: B, hidden: H } = this.wl;
    const out = this.rnn.forward(this.x);
    const y = out[0];
    if (this.wl.head === 'last') return this.head.forward(ops.select(y, 0, T - 1));
    const rows = this.wl.loss === 'crossEntropy' ? ops.reshape(y, [T * B, H]) : y;
    return this.head.forward(rows);
  }

  private loss(logits: Tensor): Tensor {
    if (this.wl.loss === 'crossEntropy') return crossEntropy(logits, this.targets);
    // Linear 1 + sigmoid, squared error against the sum bits (binary addition).
    return mseLoss(ops.sigmoid(logits), this.targets);
  }

  /** Records a training step; returns the loss tensor (not yet read). */
  recordTrainStep(phase: PhaseHook = () => {}): Tensor {
    return tidy(() => {
      phase('forward');
      const l = this.loss(this.logits());
      phase('backward');
      this.opt.zeroGrad();
      l.backward();
      phase('optimizer');
      this.opt.step();
      return l;
    });
  }

  /** One training step, finished: returns the loss before the update. */
  async trainStep(): Promise<number> {
    const l = this.recordTrainStep();
    const v = await l.item();
    l.dispose();
    return v;
  }

  /** Loss of the current weights, without training. */
  async lossValue(): Promise<number> {
    const l = noGrad(() => tidy(() => this.loss(this.logits())));
    const v = await l.item();
    l.dispose();
    return v;
  }

  /** An inference forward in eval mode, finished by reading the logits back (returned: the
   *  ONNX Runtime columns compare them). */
  async infer(): Promise<Float32Array> {
    this.rnn.eval();
    const logits = noGrad(() => tidy(() => this.logits()));
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    this.rnn.train();
    return data;
  }

  /** Switches the model to f16 weights (Module.halfWeights): inference only from now on. */
  halfWeights(): this {
    this.rnn.halfWeights();
    this.head.halfWeights();
    return this;
  }

  /** The current weights in PyTorch's layout (for the TensorFlow.js model). */
  async weights(): Promise<SharedWeights> {
    const p = this.rnn.stateDict();
    const f32 = async (t: Tensor) => (await t.data()) as Float32Array;
    const layers: SharedWeights['layers'] = [];
    for (let l = 0; l < this.wl.layers; l++) {
      layers.push({
        wIh: await f32(p[`weight_ih_l${l}`]!),
        wHh: await f32(p[`weight_hh_l${l}`]!),
        bIh: await f32(p[`bias_ih_l${l}`]!),
        bHh: await f32(p[`bias_hh_l${l}`]!),
      });
    }
    return { layers, head: { w: await f32(this.head.weight), b: await f32(this.head.bias!) } };
  }

  dispose(): void {
    this.rnn.dispose();
    this.head.dispose();
    for (const t of Object.values(this.opt.stateDict().tensors)) t.dispose();
    this.x.dispose();
    this.targets.dispose();
  }
}
