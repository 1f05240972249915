// The captcha model (demos/captcha/model.ts) on TensorFlow.js layers with webrnn's weights, for the
// `captcha` section. Layouts: tfjs convolves NHWC images with HWIO kernels (the images are
// transposed once, outside the timed steps; each OIHW kernel once, here); Keras's BatchNormalization
// takes [gamma, beta, moving mean, moving variance] with momentum = 1 − PyTorch's (0.1) and eps 1e-5;
// LeakyReLU's alpha is PyTorch's 0.01 (Keras's default is 0.3); the feature map [B, H', W', C] is
// permuted to [B, W', C, H'] and flattened, C major as webrnn's permute(0, 3, 1, 2) + flatten(2);
// each GRU layer is one Keras GRU (reset-before, as tfjs has no other: webrnn runs resetAfter: false),
// the last of GRU 1 returning its last step, which RepeatVector repeats once per character.
import type * as TF from '@tensorflow/tfjs';
import { CAPTCHA_CLASSES, featureShape, type CaptchaSizes } from '../demos/captcha/model.js';
import type { TfjsHandle } from './tfjs.js';
import { kerasRecurrentWeights, transpose } from './tfjs_model.js';

/** Host copies of the images [B, 3, H, W], labels [B·L] and webrnn's state dict, by its names. */
export interface CaptchaBenchData {
  batch: number;
  images: Float32Array;
  labels: Int32Array;
  weights: Record<string, Float32Array>;
}

export class TfjsCaptcha {
  private readonly tf: typeof TF;
  private readonly model: TF.Sequential;
  private readonly opt: TF.Optimizer;
  private readonly x: TF.Tensor;
  private readonly y: TF.Tensor;

  constructor(h: TfjsHandle, readonly sizes: CaptchaSizes, data: CaptchaBenchData) {
    const tf = (this.tf = h.tf);
    const { height: H, width: W, channels, length: L } = sizes;
    const w = (name: string) => {
      const v = data.weights[name];
      if (!v) throw new Error(`bench: captcha state dict has no ${name}`);
      return v;
    };
    const m = (this.model = tf.sequential());
    const set = (layer: TF.layers.Layer, values: TF.Tensor[]) => {
      m.add(layer);
      layer.setWeights(values);
      for (const v of values) v.dispose();
    };
    let inC = 3;
    channels.forEach((c, i) => {
      const conv = tf.layers.conv2d({
        filters: c, kernelSize: 3, strides: i === 0 ? 1 : 2, padding: 'valid', dataFormat: 'channelsLast',
        kernelInitializer: 'zeros', ...(i === 0 ? { inputShape: [H, W, 3] } : {}),
      });
      const kernel = tf.tidy(() => tf.transpose(tf.tensor4d(w(`con_layer.${3 * i}.weight`), [c, inC, 3, 3]), [2, 3, 1, 0]));
      set(conv, [kernel, tf.tensor1d(w(`con_layer.${3 * i}.bias`))]);
      const bn = `con_layer.${3 * i + 1}`;
      set(tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }), ['weight', 'bias', 'running_mean', 'running_var'].map((k) => tf.tensor1d(w(`${bn}.${k}`))));
      m.add(tf.layers.leakyReLU({ alpha: 0.01 }));
      inC = c;
    });
    const f = featureShape(sizes);
    m.add(tf.layers.permute({ dims: [2, 3, 1] }));
    m.add(tf.layers.reshape({ targetShape: [f.steps, f.features] }));
    const grus = [
      { prefix: 'gru1', input: f.features, ...sizes.gru1 },
      { prefix: 'gru2', input: sizes.gru1.hidden, ...sizes.gru2 },
    ];
    for (const [g, gru] of grus.entries()) {
      for (let l = 0; l < gru.layers; l++) {
        const layer = tf.layers.gru({
          units: gru.hidden,
          returnSequences: g === 1 || l < gru.layers - 1,
          recurrentActivation: 'sigmoid', // PyTorch's; tfjs's default is the hard sigmoid
          kernelInitializer: 'zeros', // replaced below; skips the slow orthogonal init
          recurrentInitializer: 'zeros',
        });
        const p = (k: string) => w(`${gru.prefix}.${k}_l${l}`);
        const values = kerasRecurrentWeights(tf, 'gru', { wIh: p('weight_ih'), wHh: p('weight_hh'), bIh: p('bias_ih'), bHh: p('bias_hh') }, l === 0 ? gru.input : gru.hidden, gru.hidden);
        set(layer, values);
      }
      if (g === 0) m.add(tf.layers.repeatVector({ n: L }));
    }
    const K = sizes.gru2.hidden;
    set(tf.layers.dense({ units: CAPTCHA_CLASSES, kernelInitializer: 'zeros' }), [
      tf.tensor2d(transpose(w('classification.weight'), CAPTCHA_CLASSES, K), [K, CAPTCHA_CLASSES]),
      tf.tensor1d(w('classification.bias')),
    ]);
    const B = data.batch;
    this.x = tf.tidy(() => tf.transpose(tf.tensor4d(data.images, [B, 3, H, W]), [0, 2, 3, 1]));
    this.y = tf.tidy(() => tf.oneHot(tf.tensor2d(data.labels, [B, L], 'int32'), CAPTCHA_CLASSES));
    this.opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  }

  private logitsOf(training: boolean): TF.Tensor {
    return this.model.apply(this.x, { training }) as TF.Tensor;
  }

  /** Eval-mode logits [B, L, 36], read back. */
  async logits(): Promise<Float32Array> {
    const out = this.tf.tidy(() => this.logitsOf(false));
    const v = await out.data<'float32'>();
    out.dispose();
    return v;
  }

  /** Mean cross-entropy over every character in training mode (batch statistics), without an update. */
  async lossValue(): Promise<number> {
    const l = this.tf.tidy(() => this.tf.losses.softmaxCrossEntropy(this.y, this.logitsOf(true)));
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }

  /** Forward, loss, backward and Adam, finished by reading the loss back. */
  async trainStep(): Promise<number> {
    const vars = this.model.trainableWeights.map((v) => v.read() as TF.Variable);
    const l = this.opt.minimize(() => this.tf.losses.softmaxCrossEntropy(this.y, this.logitsOf(true)) as TF.Scalar, true, vars)!;
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  }

  /** Eval-mode forward, finished by reading the logits back. */
  async infer(): Promise<void> {
    await this.logits();
  }

  dispose(): void {
    this.model.dispose();
    this.opt.dispose();
    this.x.dispose();
    this.y.dispose();
  }
}
