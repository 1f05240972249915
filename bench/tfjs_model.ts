// A workload on TensorFlow.js layers with webrnn's initial weights. Keras layouts: kernel [I, G·H]
// = weight_ihᵀ, recurrent_kernel [H, G·H] = weight_hhᵀ; LSTM gate order i, f, c, o matches PyTorch's
// i, f, g, o and its one bias is b_ih + b_hh. tfjs's GRU is reset-before only (z, r, h): its
// weights are mapped, but it computes a different function, so W4's losses are not compared.
import type * as TF from '@tensorflow/tfjs';
import type { TfjsHandle } from './tfjs.js';
import { batchFirst, GATES, headRows, type SharedWeights, type Workload, type WorkloadData } from './workloads.js';

/** [rows, cols] row-major → [cols, rows]. */
export function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c]!;
  return out;
}

/** Reorders the G gate blocks of the last axis ([n, G·H]) by `order` (new block i = old order[i]). */
function permuteGates(v: Float32Array, n: number, H: number, order: readonly number[]): Float32Array {
  const G = order.length;
  const out = new Float32Array(v.length);
  for (let r = 0; r < n; r++) {
    for (let g = 0; g < G; g++) out.set(v.subarray(r * G * H + order[g]! * H, r * G * H + (order[g]! + 1) * H), r * G * H + g * H);
  }
  return out;
}

/** PyTorch GRU blocks r, z, n → Keras z, r, h. */
const GRU_ORDER = [1, 0, 2];

/** One PyTorch LSTM / GRU layer's weights as Keras's [kernel, recurrent_kernel, bias]. The GRU's one
 *  bias is reset-before's (b_hn sits outside r ⊙ (W_hn·h), so it adds to b_in). */
export function kerasRecurrentWeights(tf: typeof TF, cell: 'lstm' | 'gru', w: SharedWeights['layers'][number], inSize: number, H: number): TF.Tensor[] {
  const G = GATES[cell];
  let kernel: Float32Array = transpose(w.wIh, G * H, inSize);
  let recurrent: Float32Array = transpose(w.wHh, G * H, H);
  let bias: Float32Array = w.bIh.map((v, i) => v + w.bHh[i]!);
  if (cell === 'gru') {
    kernel = permuteGates(kernel, inSize, H, GRU_ORDER);
    recurrent = permuteGates(recurrent, H, H, GRU_ORDER);
    bias = permuteGates(bias, 1, H, GRU_ORDER);
  }
  return [tf.tensor2d(kernel, [inSize, G * H]), tf.tensor2d(recurrent, [H, G * H]), tf.tensor1d(bias)];
}

export class TfjsModel {
  private readonly tf: typeof TF;
  private readonly model: TF.Sequential;
  private readonly opt: TF.Optimizer;
  private readonly x: TF.Tensor;
  private readonly y: TF.Tensor;

  constructor(h: TfjsHandle, readonly wl: Workload, data: WorkloadData, weights: SharedWeights) {
    const tf = (this.tf = h.tf);
    const { steps: T, batch: B, input: I, hidden: H, outputs: C } = wl;
    this.model = tf.sequential();
    for (let l = 0; l < wl.layers; l++) {
      const args = {
        units: H,
        returnSequences: l < wl.layers - 1 || wl.head === 'every',
        recurrentActivation: 'sigmoid' as const, // Keras's hard sigmoid is tfjs's default
        kernelInitializer: 'zeros' as const, // replaced below; skips the slow orthogonal init
        recurrentInitializer: 'zeros' as const,
        ...(l === 0 ? { inputShape: [T, I] } : {}),
      };
      const layer = wl.cell === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
      this.model.add(layer);
      layer.setWeights(kerasRecurrentWeights(tf, wl.cell, weights.layers[l]!, l === 0 ? I : H, H));
    }
    const dense = tf.layers.dense({ units: C, kernelInitializer: 'zeros' });
    this.model.add(dense);
    dense.setWeights([tf.tensor2d(transpose(weights.head.w, C, H), [H, C]), tf.tensor1d(weights.head.b)]);

    this.x = tf.tensor3d(batchFirst(data.x, T, B, I), [B, T, I]);
    if (data.targets instanceof Int32Array) {
      // Class indices → one-hot, batch-first like the logits.
      const idx = wl.head === 'every' ? (batchFirst(Float32Array.from(data.targets), T, B, 1)) : Float32Array.from(data.targets);
      const shape = wl.head === 'every' ? [B, T] : [headRows(wl)];
      this.y = tf.tidy(() => tf.oneHot(tf.tensor(Int32Array.from(idx), shape, 'int32'), C));
    } else {
      this.y = tf.tensor3d(batchFirst(data.targets, T, B, 1), [B, T, 1]);
    }
    this.opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  }

  private loss(training: boolean): TF.Scalar {
    const tf = this.tf;
    const logits = this.model.apply(this.x, { training }) as TF.Tensor;
    if (this.wl.loss === 'crossEntropy') return tf.losses.softmaxCrossEntropy(this.y, logits) as TF.Scalar;
    return tf.losses.meanSquaredError(this.y, tf.sigmoid(logits)) as TF.Scalar;
  }

  /** Loss of the current weights, without training. */
  async lossValue(): Promise<number> {
    const l = this.tf.tidy(() => this.loss(false));
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }

  /** Forward, backward and Adam, finished by reading the loss back. */
  async trainStep(): Promise<number> {
    const vars = this.model.trainableWeights.map((w) => w.read() as TF.Variable);
    const l = this.opt.minimize(() => this.loss(true), true, vars)!;
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }

  /** Inference forward, finished by reading the logits back. */
  async infer(): Promise<void> {
    const out = this.tf.tidy(() => this.model.apply(this.x, { training: false }) as TF.Tensor);
    await out.data();
    out.dispose();
  }

  /** Kernels tfjs runs in one training step (its kernel launches; a few are no-op reshapes). */
  async kernelsPerStep(): Promise<number> {
    const info = await this.tf.profile(async () => {
      await this.trainStep();
    });
    return info.kernels.length;
  }

  dispose(): void {
    this.model.dispose();
    this.opt.dispose();
    this.x.dispose();
    this.y.dispose();
  }
}
