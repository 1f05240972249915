// The captcha reader of the tutorial (seed 004, CNN2SEQ): four Conv2d(k3) + BatchNorm2d + LeakyReLU
// blocks (strides 1, 2, 2, 2), the feature map [B, C, H', W'] read as a sequence of W' steps of C·H'
// features (permute(0, 3, 1, 2) + flatten(2), C major as the seed's reshape), GRU 1 over it, its
// last step repeated once per character as the input of GRU 2, and Linear(·, 36) on each of those
// steps: logits [B, 4, 36], one cross-entropy per character (the seed's reshape(-1, 36) loss).
import { clipGradNorm, crossEntropy, nn, noGrad, ops, tensor, tidy, type Tensor } from '../../src/index.js';

/** The 36 classes: digits, then upper-case letters (the seed folds lower case onto them). */
export const CAPTCHA_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const CAPTCHA_CLASSES = CAPTCHA_ALPHABET.length;

/** The sizes of a captcha model and of the images it reads. */
export interface CaptchaSizes {
  /** Image height and width in pixels (RGB). */
  height: number;
  width: number;
  /** Output channels of the four conv blocks (the first has stride 1, the others 2). */
  channels: readonly [number, number, number, number];
  /** GRU 1 over the feature columns, GRU 2 over the repeated last step. */
  gru1: { hidden: number; layers: number };
  gru2: { hidden: number; layers: number };
  /** Characters per captcha (steps of GRU 2). */
  length: number;
}

/** `full`: the seed's exact sizes (60×240 images → 28 steps of 256·6 = 1536 features, GRU(1536, 512, 3),
 *  GRU(512, 256, 2)); `small` (the demo's default): narrower convs on 33×81 images (9 steps of 64·3
 *  = 192 features; 33×81 so that the last conv block reads every pixel, see unseenEdge) and one GRU
 *  layer fewer on each side (GRU(192, 192, 2), GRU(192, 192, 1)), sized to train on a 2-CPU software
 *  adapter in under 15 minutes (the README has its measured accuracy). */
export const CAPTCHA_CONFIGS: Readonly<Record<'small' | 'full', CaptchaSizes>> = {
  small: { height: 33, width: 81, channels: [8, 16, 32, 64], gru1: { hidden: 192, layers: 2 }, gru2: { hidden: 192, layers: 1 }, length: 4 },
  full: { height: 60, width: 240, channels: [16, 64, 128, 256], gru1: { hidden: 512, layers: 3 }, gru2: { hidden: 256, layers: 2 }, length: 4 },
};

/** Strides of the four conv blocks. */
const STRIDES = [1, 2, 2, 2] as const;

/** Output size of a 3-wide, unpadded convolution with `stride`. */
const convOut = (n: number, stride: number) => Math.floor((n - 3) / stride) + 1;

/** The conv stack's output map: height, width (= GRU 1's steps) and GRU 1's input features (C·H'). */
export function featureShape(s: CaptchaSizes): { height: number; steps: number; features: number } {
  let [h, w] = [s.height, s.width];
  for (const stride of STRIDES) [h, w] = [convOut(h, stride), convOut(w, stride)];
  if (h < 1 || w < 1) throw new Error(`captcha: ${s.height}×${s.width} images are too small for four 3×3 convolutions (strides 1, 2, 2, 2); use at least 17×17`);
  return { height: h, steps: w, features: s.channels[3] * h };
}

/**
 * Rows at the bottom and columns at the right of the image that no output of the last conv block
 * reads: an unpadded convolution drops what is left over after its last full stride, so n' outputs
 * see (n' − 1)·8 + 17 input pixels. Ink there never reaches the GRUs (32×80 images lose 7 rows and
 * 7 columns, the bottom bar of E or Z and the right edge of the last character; 33×81 lose none).
 */
export function unseenEdge(s: CaptchaSizes): { rows: number; columns: number } {
  const f = featureShape(s);
  const seen = (n: number) => STRIDES.reduceRight((m, stride) => (m - 1) * stride + 3, n);
  return { rows: s.height - seen(f.height), columns: s.width - seen(f.steps) };
}

/** Options of the builder beyond the sizes. */
export interface CaptchaModelOptions {
  /** Init seed of every layer. */
  seed?: number;
  /** GRU variant (PyTorch's, the default: reset after the hidden matmul; false: TF.js/Keras's older reset-before). */
  resetAfter?: boolean;
}

/** The seed's GRUNet: conv front-end, GRU 1, GRU 2 and the per-character classifier. */
export class CaptchaNet extends nn.Module {
  readonly conv: nn.Sequential;
  readonly gru1: nn.GRU;
  readonly gru2: nn.GRU;
  readonly classification: nn.Linear;

  constructor(readonly sizes: CaptchaSizes, opts: CaptchaModelOptions = {}) {
    super();
    const { features } = featureShape(sizes);
    const seed = opts.seed ?? 0;
    const blocks: nn.Layer[] = [];
    let inC = 3;
    sizes.channels.forEach((outC, i) => {
      blocks.push(new nn.Conv2d(inC, outC, 3, { stride: i === 0 ? 1 : 2, seed: seed + i }), new nn.BatchNorm2d(outC), new nn.LeakyReLU());
      inC = outC;
    });
    // Named as the seed's modules (con_layer.0.weight, gru1.weight_ih_l0, ...): a PyTorch state dict maps one to one.
    this.conv = this.registerModule('con_layer', new nn.Sequential(...blocks));
    const gru = (inputSize: number, g: { hidden: number; layers: number }, s: number) =>
      new nn.GRU({ inputSize, hiddenSize: g.hidden, numLayers: g.layers, batchFirst: true, seed: s, ...(opts.resetAfter === undefined ? {} : { resetAfter: opts.resetAfter }) });
    this.gru1 = this.registerModule('gru1', gru(features, sizes.gru1, seed + 10));
    this.gru2 = this.registerModule('gru2', gru(sizes.gru1.hidden, sizes.gru2, seed + 20));
    this.classification = this.registerModule('classification', new nn.Linear(sizes.gru2.hidden, CAPTCHA_CLASSES, { seed: seed + 30 }));
  }

  /** The conv front-end's output read as a sequence: x [B, 3, H, W] → [B, W', C·H'] (batch first). */
  features(x: Tensor): Tensor {
    const { height, width } = this.sizes;
    if (x.rank !== 4 || x.shape[1] !== 3 || x.shape[2] !== height || x.shape[3] !== width) {
      throw new Error(`captcha: images must be [B, 3, ${height}, ${width}], got [${x.shape.join(', ')}]`);
    }
    return ops.flatten(ops.permute(this.conv.forward(x), 0, 3, 1, 2), 2);
  }

  /** Images [B, 3, H, W] → logits [B, length, 36]. */
  forward(x: Tensor): Tensor {
    const seq = this.features(x);
    const [y] = this.gru1.forward(seq);
    const B = x.shape[0]!;
    // The seed's out[:, -1:, :].expand(-1, 4, H): the last step, once per character.
    const last = ops.slice(y, 1, y.shape[1]! - 1, y.shape[1]!);
    const repeated = ops.concat(Array.from({ length: this.sizes.length }, () => last), 1);
    const [z] = this.gru2.forward(repeated);
    return ops.reshape(this.classification.forward(z), [B, this.sizes.length, CAPTCHA_CLASSES]);
  }
}

/** The model for a named configuration or explicit sizes. */
export function buildCaptchaModel(sizes: 'small' | 'full' | CaptchaSizes, opts: CaptchaModelOptions = {}): CaptchaNet {
  const s = typeof sizes === 'string' ? CAPTCHA_CONFIGS[sizes] : sizes;
  if (!s) throw new Error(`captcha: model size '${String(sizes)}' must be small or full`);
  return new CaptchaNet(s, opts);
}

/** Mean cross-entropy over every character of logits [B, L, 36] against labels [B·L] (int32). */
export function captchaLoss(logits: Tensor, labels: Tensor): Tensor {
  return crossEntropy(ops.reshape(logits, [-1, CAPTCHA_CLASSES]), labels);
}

/** One optimiser step on images [B, 3, H, W] (float32, flat) and labels [B·L]; returns the loss (not read back). */
export function captchaTrainStep(model: CaptchaNet, opt: { params: Tensor[]; zeroGrad(): void; step(): void }, images: Float32Array, labels: Int32Array, clip = 0): Tensor {
  const { height, width } = model.sizes;
  const B = labels.length / model.sizes.length;
  return tidy(() => {
    const x = tensor(images, [B, 3, height, width]);
    const y = tensor(labels, [labels.length], { dtype: 'int32' });
    const loss = captchaLoss(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return loss.detach();
  });
}

/** Predicted classes [B·L] of images [B, 3, H, W], in eval mode (running batch-norm statistics), no graph. */
export async function captchaPredict(model: CaptchaNet, images: Float32Array, count: number): Promise<Int32Array> {
  const { height, width } = model.sizes;
  const wasTraining = model.training;
  model.eval();
  try {
    const pred = noGrad(() => tidy(() => ops.argmax(model.forward(tensor(images, [count, 3, height, width])), 2)));
    const out = await pred.data();
    pred.dispose();
    return out as Int32Array;
  } finally {
    model.train(wasTraining);
  }
}
