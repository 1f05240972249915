// Benchmark section `captcha` (on request: `npm run bench -- --sections captcha`): the captcha demo's
// model (demos/captcha/model.ts, its `small` sizes; `--captcha-full` for the seed's) on webrnn and on
// TensorFlow.js (webgpu on the same adapter, wasm) with webrnn's initial weights
// (bench/captcha_tfjs.ts maps them). A training step is forward, loss, backward and Adam ending
// with the loss read-back; inference is an eval-mode forward ending with the logits read-back.
// Both GRUs run reset-before (tfjs has no reset-after), so both sides compute the same function:
// the eval logits and the training-mode loss are compared before timing.
import { buildCaptchaModel, CAPTCHA_CLASSES, CAPTCHA_CONFIGS, captchaLoss, featureShape, type CaptchaNet, type CaptchaSizes } from '../demos/captcha/model.js';
import { counters, noGrad, optim, resetCounters, tensor, tidy, type Tensor } from '../src/index.js';
import { Random } from '../src/util/random.js';
import type { BenchRow, RunSection } from './bench.js';
import { TfjsCaptcha, type CaptchaBenchData } from './captcha_tfjs.js';
import { relDiff } from './conv_tfjs.js';
import type { TfBackend } from './tfjs.js';
import type { StepTiming } from './timing.js';

/** Largest relative difference of tfjs's eval logits (max |Δ| / max |webrnn|) and training loss
 *  (|Δ| / max(1, |loss|)) that counts as the same model: float32 in another order, through four
 *  convolutions and five recurrent layers. */
export const CAPTCHA_TOLERANCE = 1e-4;

/** The `--quick` model: every layer kind, two steps for GRU 1, in milliseconds. */
const QUICK_SIZES: CaptchaSizes = { height: 20, width: 32, channels: [2, 3, 4, 5], gru1: { hidden: 6, layers: 2 }, gru2: { hidden: 5, layers: 1 }, length: 4 };

/** Random images in [0, 1) and labels: the times do not depend on what the pictures show. */
export function captchaData(sizes: CaptchaSizes, batch: number, seed = 1234): Omit<CaptchaBenchData, 'weights'> {
  const r = new Random(seed);
  const images = new Float32Array(batch * 3 * sizes.height * sizes.width).map(() => r.uniform());
  const labels = new Int32Array(batch * sizes.length).map(() => Math.floor(r.uniform() * CAPTCHA_CLASSES));
  return { batch, images, labels };
}

class WebrnnCaptcha {
  readonly model: CaptchaNet;
  private readonly opt: optim.Adam;
  private readonly x: Tensor;
  private readonly y: Tensor;

  constructor(sizes: CaptchaSizes, data: Omit<CaptchaBenchData, 'weights'>) {
    this.model = buildCaptchaModel(sizes, { seed: 7, resetAfter: false });
    this.opt = new optim.Adam(this.model.parameters(), { lr: 1e-3 });
    this.x = tensor(data.images, [data.batch, 3, sizes.height, sizes.width]).keep();
    this.y = tensor(data.labels, [data.labels.length], { dtype: 'int32' }).keep();
  }

  async trainStep(): Promise<number> {
    const l = tidy(() => {
      const loss = captchaLoss(this.model.forward(this.x), this.y);
      this.opt.zeroGrad();
      loss.backward();
      this.opt.step();
      return loss;
    });
    const v = await l.item();
    l.dispose();
    return v;
  }

  /** Training-mode loss without an update (it does move the batch-norm running statistics). */
  async lossValue(): Promise<number> {
    const l = noGrad(() => tidy(() => captchaLoss(this.model.forward(this.x), this.y)));
    const v = await l.item();
    l.dispose();
    return v;
  }

  async logits(): Promise<Float32Array> {
    this.model.eval();
    const out = noGrad(() => tidy(() => this.model.forward(this.x)));
    const v = (await out.data()) as Float32Array;
    out.dispose();
    this.model.train();
    return v;
  }

  /** The float32 state dict (num_batches_tracked left out), read back. */
  async weights(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(this.model.stateDict())) if (t.dtype === 'float32') out[k] = (await t.data()) as Float32Array;
    return out;
  }

  dispose(): void {
    this.model.dispose();
    for (const t of Object.values(this.opt.stateDict().tensors)) t.dispose();
    this.x.dispose();
    this.y.dispose();
  }
}

interface Side {
  train?: StepTiming;
  infer?: StepTiming;
  loss?: number;
  logitsDiff?: number;
  /** Why a step was not timed on this side. */
  why?: string;
}

export const captchaSection: RunSection = {
  name: 'captcha',
  async run(ctx) {
    const config = ctx.quick ? 'quick' : ctx.options.captchaFull ? 'full' : 'small';
    const sizes = config === 'quick' ? QUICK_SIZES : CAPTCHA_CONFIGS[config];
    const batch = ctx.quick ? 2 : 64; // the demo's batch
    const data = captchaData(sizes, batch);
    const ours = new WebrnnCaptcha(sizes, data);
    const weights = await ours.weights();
    const logits0 = await ours.logits();
    const loss0 = await ours.lossValue();
    ctx.progress(`captcha ${config} webrnn: loss ${loss0.toFixed(5)}; timing`);
    const train = await ctx.measure(() => ours.trainStep());
    const infer = await ctx.measure(async () => ours.logits());
    resetCounters();
    await ours.trainStep();
    const trainCounts = { ...counters() };
    resetCounters();
    await ours.logits();
    const inferCounts = { ...counters() };
    ours.dispose();

    const h = await ctx.tfjs();
    const tf: Partial<Record<TfBackend, Side>> = {};
    for (const b of h?.backends ?? []) {
      await h!.use(b);
      const m = new TfjsCaptcha(h!, sizes, { ...data, weights });
      const side: Side = (tf[b] = {});
      try {
        side.logitsDiff = relDiff(await m.logits(), logits0);
        side.loss = await m.lossValue();
        if (!(side.logitsDiff <= CAPTCHA_TOLERANCE && Math.abs(side.loss - loss0) <= CAPTCHA_TOLERANCE * Math.max(1, Math.abs(loss0)))) {
          side.why = `its logits or loss differ from webrnn's by more than ${CAPTCHA_TOLERANCE} (not timed)`;
          continue;
        }
        ctx.progress(`captcha ${config} tfjs-${b}: loss ${side.loss.toFixed(5)}; timing`);
        side.infer = await ctx.measure(() => m.infer());
        try {
          side.train = await ctx.measure(() => m.trainStep());
        } catch (e) {
          side.why = `training step failed: ${(e as Error).message}`;
        }
      } finally {
        m.dispose();
      }
    }

    const f = featureShape(sizes);
    const shape = `B${batch} ${sizes.height}×${sizes.width} conv ${sizes.channels.join('/')} GRU ${f.features}→${sizes.gru1.hidden}×${sizes.gru1.layers}, ${sizes.gru2.hidden}×${sizes.gru2.layers}`;
    const row = (mode: 'train' | 'infer', t: StepTiming, c: { dispatches: number; submits: number }): BenchRow => {
      const r: BenchRow = { case: `captcha ${config} ${mode}`, shape, 'ms (median)': t.medianMs, 'ms (min)': t.minMs, 'CPU ms': t.cpuMs, dispatches: c.dispatches, submits: c.submits };
      for (const b of ['webgpu', 'wasm'] as const) {
        const theirs = tf[b]?.[mode];
        r[`tfjs-${b} ms`] = theirs?.medianMs ?? '—';
        r[`vs tfjs-${b}`] = theirs ? `${(theirs.medianMs / t.medianMs).toFixed(2)}×` : '—';
      }
      r.runs = [t, tf.webgpu?.[mode], tf.wasm?.[mode]].filter(Boolean).map((x) => `${x!.warmup}+${x!.runs}`).join(' / ');
      return r;
    };
    ctx.note(
      'ms: wall time per step after warm-up, median and min (warm-up+timed runs, webrnn / tfjs-webgpu / tfjs-wasm), each step ending with a ' +
        'read-back (loss or logits). Both sides: Adam (lr 1e-3), reset-before GRUs, the same images, labels and initial weights; tfjs gets ' +
        'the images in NHWC (transposed once, outside the steps). "vs tfjs" = tfjs median / webrnn median (> 1: webrnn is faster).',
    );
    if (!h) ctx.note('TensorFlow.js was skipped (--skip-tfjs or not installed).');
    for (const [b, why] of Object.entries(h?.errors ?? {})) ctx.note(`tfjs ${b} backend unavailable: ${why}`);
    for (const [b, s] of Object.entries(tf)) if (s.why) ctx.note(`tfjs-${b}: ${s.why}.`);
    ctx.table('agreement before timing (same weights and data)', [{
      case: `captcha ${config}`,
      'webrnn loss': loss0,
      ...Object.fromEntries((['webgpu', 'wasm'] as const).flatMap((b) => [
        [`tfjs-${b} loss`, tf[b]?.loss ?? '—'],
        [`logits rel. diff ${b}`, tf[b]?.logitsDiff ?? '—'],
      ])),
    }], 7);
    ctx.note(`Agreement: training-mode loss (batch statistics) and max |Δ| / max |webrnn| of the eval-mode logits; timed only within ${CAPTCHA_TOLERANCE}.`);
    return [row('train', train, trainCounts), row('infer', infer, inferCounts)];
  },
};
