// captcha: the tutorial's CNN-to-sequence reader (seed 004) learns 4-character captchas of 0–9 and
// A–Z generated in code (stroke font, random shifts, rotation, scale, colours, noise lines and
// dots); scored by per-character and whole-captcha accuracy on held-out images from another seed.
// Shared by the Node CLI and the browser page: no Node-only imports here.
import { optim } from '../../src/index.js';
import { Random } from '../../src/util/random.js';
import { encodeCheckpoint, restoreCheckpoint, type Arch } from '../char-rnn/checkpoint.js';
import { withDefaults } from '../common/cli.js';
import type { Demo, DemoHooks, DemoResult, Series } from '../common/demo.js';
import { LossMeter, totalSteps, TrainingClock } from '../common/epochs.js';
import { captchaBatch, decodeTexts, type CaptchaBatch } from './data.js';
import { buildCaptchaModel, CAPTCHA_CONFIGS, captchaPredict, captchaTrainStep, featureShape, unseenEdge, type CaptchaNet, type CaptchaSizes } from './model.js';

export type CaptchaConfig = {
  /** The seed's exact sizes (60×240 images, GRU(1536, 512, 3) + GRU(512, 256, 2)) instead of the small default. */
  full: boolean;
  /** The small model (the default; refused together with full). */
  small: boolean;
  epochs: number;
  /** Stop after this many steps in all (0: epochs × batches per epoch). */
  steps: number;
  /** Generated training images (one epoch); 0: fresh images every step (the default: nothing to overfit). */
  trainCount: number;
  /** Held-out images, from another seed. */
  holdout: number;
  batch: number;
  lr: number;
  /** Global gradient-norm clip (0: off). */
  clip: number;
  seed: number;
  /** Distortion of the images: 1 = shifts ±12% of a slot, rotation ±17°, scale ±15%, noise; 0 = clean; default 0.5. */
  strength: number;
  /** Steps between held-out evaluations (0: at the end of each epoch only). */
  evalEvery: number;
  evalBatch: number;
  logEvery: number;
  /** Held-out images printed (and shown on the page) with their predicted and true text. */
  examples: number;
};

const defaults: CaptchaConfig = {
  full: false, small: false, epochs: 0, steps: 800, trainCount: 0, holdout: 1000, batch: 64, lr: 0.006, clip: 5, seed: 0,
  strength: 0.5, evalEvery: 200, evalBatch: 200, logEvery: 20, examples: 12,
};

/** Held-out images of the last run with their true and predicted text, for the page. */
export interface CaptchaExamples {
  height: number;
  width: number;
  images: Float32Array;
  truth: string[];
  predicted: string[];
}
let lastExamples: CaptchaExamples | null = null;
/** The examples of the most recent finished run (null before one). */
export const captchaExamples = (): CaptchaExamples | null => lastExamples;

function checkConfig(c: CaptchaConfig): void {
  if (c.full && c.small) throw new Error('captcha: --full and --small exclude each other');
  for (const k of ['holdout', 'batch', 'evalBatch', 'logEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`captcha: ${k} = ${c[k]} must be a positive integer`);
  }
  for (const k of ['trainCount', 'epochs', 'steps', 'evalEvery', 'examples', 'seed'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`captcha: ${k} = ${c[k]} must be a non-negative integer`);
  }
  if (c.trainCount === 0 && c.epochs > 0) throw new Error(`captcha: epochs = ${c.epochs} needs a fixed training set (trainCount > 0); with fresh images every step (trainCount 0) give steps`);
  if (c.trainCount === 0 && c.steps === 0) throw new Error('captcha: trainCount 0 (fresh images every step) needs steps > 0');
  if (c.epochs === 0 && c.steps === 0) throw new Error('captcha: epochs and steps are both 0: nothing to train');
  if (!(c.lr > 0)) throw new Error(`captcha: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`captcha: clip = ${c.clip} must be non-negative`);
  if (!(c.strength >= 0 && c.strength <= 2)) throw new Error(`captcha: strength = ${c.strength} must be in 0..2`);
}

/** Per-character and whole-captcha hits of predicted classes against the labels. */
export function score(pred: ArrayLike<number>, labels: ArrayLike<number>, length: number): { chars: number; whole: number } {
  let [chars, whole] = [0, 0];
  for (let b = 0; b * length < labels.length; b++) {
    let all = true;
    for (let k = b * length; k < (b + 1) * length; k++) {
      if (pred[k] === labels[k]) chars++;
      else all = false;
    }
    if (all) whole++;
  }
  return { chars, whole };
}

/** Predicted classes of the whole held-out set, `batch` images at a time. */
async function predictAll(model: CaptchaNet, set: CaptchaBatch, batch: number): Promise<Int32Array> {
  const { height: H, width: W, length } = model.sizes;
  const out = new Int32Array(set.labels.length);
  for (let start = 0; start < set.count; start += batch) {
    const n = Math.min(batch, set.count - start);
    out.set(await captchaPredict(model, set.images.subarray(start * 3 * H * W, (start + n) * 3 * H * W), n), start * length);
  }
  return out;
}

async function run(config: CaptchaConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const sizeName = c.full ? 'full' : 'small';
  const sizes: CaptchaSizes = CAPTCHA_CONFIGS[sizeName];
  const { height: H, width: W, length: L } = sizes;
  // The training set and the held-out set: images i of two different seeds.
  const [trainSeed, heldOutSeed] = [2 * c.seed, 2 * c.seed + 1];
  const distortion = { strength: c.strength };
  const heldOut = captchaBatch(heldOutSeed, Array.from({ length: c.holdout }, (_, i) => i), sizes, distortion);
  const model = buildCaptchaModel(sizes, { seed: c.seed });
  const opt = new optim.Adam(model.parameters(), { lr: c.lr });
  // trainCount 0: image i of step s is image s·batch + i of the training seed, new every step (and
  // the same again on a resumed run); the whole run counts as one epoch.
  const fresh = c.trainCount === 0;
  const batch = fresh ? c.batch : Math.min(c.batch, c.trainCount);
  const perEpoch = fresh ? c.steps : Math.floor(c.trainCount / batch);
  const total = totalSteps(c.epochs, c.steps, perEpoch);
  const lrAt = (s: number) => c.lr / 20 + ((c.lr - c.lr / 20) * (1 + Math.cos((Math.PI * s) / total))) / 2;
  const f = featureShape(sizes);
  const unseen = unseenEdge(sizes);
  hooks.log(`captcha (${sizeName}): ${H}×${W} RGB images of ${L} characters (36 classes), distortion ${c.strength}, ` +
    `${fresh ? `${batch} fresh training images a step` : `${c.trainCount} training images a epoch`} ` +
    `(seed ${trainSeed}), ${c.holdout} held-out (seed ${heldOutSeed}); conv ${[3, ...sizes.channels].join('→')} → ${f.steps} steps of ` +
    `${sizes.channels[3]}·${f.height} = ${f.features} features${unseen.rows || unseen.columns ? ` (the last ${unseen.rows} rows and ${unseen.columns} columns unread)` : ''} → GRU(${f.features}, ${sizes.gru1.hidden}, ${sizes.gru1.layers}) → ` +
    `GRU(${sizes.gru1.hidden}, ${sizes.gru2.hidden}, ${sizes.gru2.layers}) × ${L} steps → Linear(${sizes.gru2.hidden}, 36); ` +
    `${model.numParameters()} parameters; Adam lr ${c.lr}, batch ${batch}, ${total} steps${fresh ? '' : ` (${perEpoch} a epoch)`}`);
  const arch: Arch = { size: sizeName, trainCount: c.trainCount, batch, seed: c.seed, strength: c.strength };
  const losses = new LossMeter();
  try {
    let step = 0;
    const loaded = hooks.load ? await hooks.load() : null;
    if (loaded) {
      step = (await restoreCheckpoint('captcha', loaded, model, opt, arch)).step;
      hooks.log(`resumed from a checkpoint at step ${step}`);
    }
    const lossCurve: Series = { label: 'training loss (cross-entropy per character)', x: [], y: [] };
    const charCurve: Series = { label: 'held-out per-character accuracy', x: [], y: [] };
    const wholeCurve: Series = { label: 'held-out whole-captcha accuracy', x: [], y: [] };
    const rng = new Random(c.seed);
    const shuffled = () => (fresh ? [] : rng.shuffle(Array.from({ length: c.trainCount }, (_, i) => i)));
    let order: number[] = [];
    for (let e = 0; e < Math.ceil(step / perEpoch); e++) order = shuffled(); // a resumed run replays the shuffles
    const indices = (s: number) => (fresh ? Array.from({ length: batch }, (_, i) => s * batch + i) : order.slice((s % perEpoch) * batch, (s % perEpoch + 1) * batch));
    const clock = new TrainingClock(step, perEpoch);
    let pred: Int32Array = new Int32Array(0);
    const evaluate = () => clock.evaluate(async () => {
      pred = await predictAll(model, heldOut, c.evalBatch);
      const s = score(pred, heldOut.labels, L);
      charCurve.x.push(step);
      charCurve.y.push(s.chars / heldOut.labels.length);
      wholeCurve.x.push(step);
      wholeCurve.y.push(s.whole / heldOut.count);
      return s;
    });
    const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(2)}%`;
    let stopped = false;
    while (step < total) {
      if (step % perEpoch === 0) order = shuffled();
      opt.lr = lrAt(step);
      const b = captchaBatch(trainSeed, indices(step), sizes, distortion);
      losses.add(captchaTrainStep(model, opt, b.images, b.labels, c.clip));
      step++;
      stopped = hooks.shouldStop();
      const epochEnd = step % perEpoch === 0;
      const evalNow = (epochEnd || (c.evalEvery > 0 && step % c.evalEvery === 0)) && step < total && !stopped;
      if (step % c.logEvery === 0 || evalNow || step === total || stopped) {
        const mean = await losses.mean();
        lossCurve.x.push(step);
        lossCurve.y.push(mean);
        const metrics: Record<string, number> = { epoch: step / perEpoch, lr: opt.lr };
        if (evalNow) {
          const s = await evaluate();
          metrics.wholeAccuracy = s.whole / heldOut.count;
          hooks.log(`${epochEnd ? `epoch ${step / perEpoch}` : `step ${step}`}: loss ${mean.toFixed(4)}, held-out per-character ` +
            `${pct(s.chars, heldOut.labels.length)}, whole captcha ${pct(s.whole, heldOut.count)}, ${clock.trainSeconds.toFixed(0)} s of training`);
        }
        hooks.progress({ step, totalSteps: total, loss: mean, metrics });
      }
      if (stopped) break;
    }
    const trainSeconds = clock.stop();
    if (stopped) hooks.log(`stopped at step ${step}`);
    if (hooks.save) await hooks.save(await encodeCheckpoint('captcha', model, opt, step, arch));
    const s = await evaluate();
    const predicted = decodeTexts(pred, L);
    const shown = Math.min(c.examples, heldOut.count);
    for (let i = 0; i < shown; i++) {
      const ok = predicted[i] === heldOut.texts[i];
      hooks.log(`held-out ${i}: ${predicted[i]}${ok ? '' : `  ✗ (true ${heldOut.texts[i]})`}`);
    }
    lastExamples = { height: H, width: W, images: heldOut.images.slice(0, shown * 3 * H * W), truth: heldOut.texts.slice(0, shown), predicted: predicted.slice(0, shown) };
    hooks.log(`held-out accuracy after ${step} steps (${(step / perEpoch).toFixed(2)} epochs, ${trainSeconds.toFixed(1)} s of training): ` +
      `per character ${pct(s.chars, heldOut.labels.length)}, whole captcha ${pct(s.whole, heldOut.count)} (${s.whole}/${heldOut.count})`);
    return {
      summary: {
        wholeAccuracy: s.whole / heldOut.count,
        charAccuracy: s.chars / heldOut.labels.length,
        size: sizeName,
        heldOut: heldOut.count,
        trainImages: c.trainCount,
        parameters: model.numParameters(),
        finalLoss: lossCurve.y.at(-1) ?? NaN,
        ...clock.summary(step, stopped),
      },
      plots: [
        { name: 'loss', title: 'captcha: training loss', series: [lossCurve] },
        { name: 'accuracy', title: 'captcha: held-out accuracy', series: [charCurve, wholeCurve] },
      ],
    };
  } finally {
    losses.dispose();
    model.dispose();
    opt.dispose();
  }
}

const options = withDefaults([
  { name: 'full', type: 'boolean', help: "the seed's exact sizes: 60×240 images, convs 16-64-128-256, GRU(1536, 512, 3), GRU(512, 256, 2) (slow on a CPU adapter)" },
  { name: 'small', type: 'boolean', help: 'the small model (the default): 33×81 images, convs 8-16-32-64, GRU(192, 192, 2), GRU(192, 192, 1)' },
  { name: 'epochs', type: 'number', integer: true, min: 0, help: 'passes over the training images (with --trainCount > 0)' },
  { name: 'steps', type: 'number', integer: true, min: 0, help: 'training steps (with --trainCount and --epochs: at most this many; 0: all epochs)' },
  { name: 'trainCount', type: 'number', integer: true, min: 0, help: 'generated training images (one epoch); 0: fresh images every step' },
  { name: 'holdout', type: 'number', integer: true, min: 1, max: 100000, help: 'held-out images, from another seed' },
  { name: 'batch', type: 'number', help: 'images per training step' },
  { name: 'lr', type: 'number', help: 'Adam learning rate (cosine-decayed to lr/20)' },
  { name: 'clip', type: 'number', min: 0, help: 'gradient-norm clip (0: off)' },
  { name: 'seed', type: 'number', help: 'seed of the weights, the images and the shuffling' },
  { name: 'strength', type: 'number', min: 0, max: 2, help: 'distortion: 1 = shifts ±12% of a slot, rotation ±17°, scale ±15%, noise lines and dots; 0 = clean' },
  { name: 'evalEvery', type: 'number', integer: true, min: 0, help: 'steps between held-out evaluations (0: at the end of each epoch only)' },
  { name: 'evalBatch', type: 'number', integer: true, min: 1, help: 'images per evaluation batch' },
  { name: 'logEvery', type: 'number', integer: true, min: 1, help: 'steps between progress reports' },
  { name: 'examples', type: 'number', integer: true, min: 0, help: 'held-out captchas printed with their predicted text' },
], defaults);

/** The captcha demo (see the header). */
export const demo: Demo<CaptchaConfig> = {
  name: 'captcha',
  description: "Read generated 4-character captchas (0-9, A-Z, distorted, noisy) with the tutorial's CNN + GRU model; per-character and whole-captcha accuracy",
  options,
  defaults,
  smoke: { steps: 3, holdout: 8, batch: 8, evalBatch: 8, logEvery: 1, examples: 2 },
  run,
};
