// sine (the classic TensorFlow LSTM sine predictor, and the x·sin(x)/3 + 2·sin(5x) series of Géron's
// Hands-On Machine Learning, ch. 14): an LSTM reads a window of a series and predicts its next value;
// trained on the first part of each series, scored by the RMSE on the later part, with plots of true
// against predicted. Shared by the Node CLI and the browser page.
import { optim } from '../../src/index.js';
import { checkCell } from '../common/cell.js';
import { Random } from '../../src/util/random.js';
import { encodeCheckpoint, restoreCheckpoint } from '../binary-add/checkpoint.js';
import { trainingOptions, withDefaults } from '../common/cli.js';
import type { Demo, DemoHooks, DemoResult, Series, TrainingConfig } from '../common/demo.js';
import { makeSeries, rmse, SERIES, targets, type SeriesData, type SeriesName } from './data.js';
import { predict, SineModels, trainStep } from './model.js';

export type SineConfig = TrainingConfig & {
  /** Which series: both, sin or xsin. */
  series: 'both' | SeriesName;
  window: number;
  /** Samples per series (sin: dt 0.1, xsin: dt 0.05). */
  points: number;
  /** The last part of each series, used only for testing. */
  testFraction: number;
  /** Steps between test-RMSE evaluations (0: only at the end). */
  evalEvery: number;
};

const defaults: SineConfig = {
  series: 'both', window: 20, points: 1000, testFraction: 0.2, steps: 600, batch: 64, hidden: 32, layers: 1,
  cell: 'lstm', lr: 0.01, clip: 1, seed: 0, evalEvery: 100,
};

const options = withDefaults([
  { name: 'series', type: 'string', choices: ['both', 'sin', 'xsin'], help: 'sin = sin(t), xsin = x·sin(x)/3 + 2·sin(5x)' },
  { name: 'window', type: 'number', integer: true, min: 1, help: 'values the network reads before predicting the next' },
  { name: 'points', type: 'number', integer: true, min: 3, help: 'samples per series' },
  { name: 'testFraction', type: 'number', min: 0, minExclusive: true, max: 0.9, help: 'last part of each series kept for testing' },
  ...trainingOptions({
    steps: 'training steps (one batch of each series per step)',
    batch: 'windows per series per step',
    lr: 'Adam learning rate (cosine-decayed to lr/20)',
    seed: 'seed of the weights and the batches',
  }),
  { name: 'evalEvery', type: 'number', integer: true, min: 0, help: 'steps between test-RMSE evaluations (0: at the end only)' },
], defaults);

function checkConfig(c: SineConfig): void {
  if (!['both', 'sin', 'xsin'].includes(c.series)) throw new Error(`sine: series '${c.series}' must be both, sin or xsin`);
  checkCell('sine', c.cell);
  for (const k of ['window', 'points', 'steps', 'batch', 'hidden', 'layers'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`sine: ${k} = ${c[k]} must be a positive integer`);
  }
  if (!Number.isInteger(c.evalEvery) || c.evalEvery < 0) throw new Error(`sine: evalEvery = ${c.evalEvery} must be a non-negative integer`);
  if (!(c.testFraction > 0 && c.testFraction <= 0.9)) throw new Error(`sine: testFraction = ${c.testFraction} must be in (0, 0.9]`);
  if (!(c.lr > 0)) throw new Error(`sine: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`sine: clip = ${c.clip} must be non-negative`);
}

async function run(config: SineConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const names: SeriesName[] = c.series === 'both' ? ['sin', 'xsin'] : [c.series];
  const data = new Map<SeriesName, SeriesData>(names.map((n) => [n, makeSeries(n, c.points, c.window, c.testFraction)]));
  const split = new Map(names.map((n) => [n, targets(data.get(n)!, c.window)]));
  const models = new SineModels(names, c.cell, c.hidden, c.layers, c.seed);
  const opt = new optim.Adam(models.parameters(), { lr: c.lr });
  const schedule = new optim.CosineAnnealingLR(opt, c.steps, c.lr / 20);
  const arch = { series: c.series, cell: c.cell, hidden: c.hidden, layers: c.layers, window: c.window };
  for (const n of names) {
    const s = split.get(n)!;
    hooks.log(`sine: ${SERIES[n].label}: ${c.points} samples every ${SERIES[n].dt}, ${s.train.length} training windows, ` +
      `${s.test.length} test targets after them; values / ${data.get(n)!.scale.toFixed(3)}`);
  }
  hooks.log(`model per series: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} + Linear(${c.hidden}, 1) on the last of ${c.window} steps; ` +
    `${models.numParameters()} parameters in all; Adam lr ${c.lr}, batch ${c.batch}, ${c.steps} steps`);

  let step = 0;
  const saved = hooks.load ? await hooks.load() : null;
  if (saved) {
    step = await restoreCheckpoint('sine', saved, models, opt, arch);
    for (let i = 0; i < Math.min(step, c.steps); i++) schedule.step();
    hooks.log(`resumed from a checkpoint at step ${step}`);
  }
  const rng = new Random(c.seed + step);
  const lossCurves = new Map<SeriesName, Series>(names.map((n) => [n, { label: `${n} training MSE (scaled)`, x: [], y: [] }]));
  const rmseCurves = new Map<SeriesName, Series>(names.map((n) => [n, { label: `${n} test RMSE`, x: [], y: [] }]));
  const testRmse = async () => {
    const out = new Map<SeriesName, { pred: Float64Array; rmse: number }>();
    for (const n of names) {
      const d = data.get(n)!;
      const idx = split.get(n)!.test;
      const pred = await predict(models.nets.get(n)!, d, c.window, idx);
      out.set(n, { pred, rmse: rmse(pred, idx.map((i) => d.y[i]!)) });
      rmseCurves.get(n)!.x.push(step);
      rmseCurves.get(n)!.y.push(out.get(n)!.rmse);
    }
    return out;
  };

  const started = performance.now();
  const firstStep = step;
  let stopped = false;
  let last: Awaited<ReturnType<typeof testRmse>> | null = null;
  while (step < c.steps && !stopped) {
    const work = names.map((n) => {
      const pool = split.get(n)!.train;
      return { data: data.get(n)!, idx: Array.from({ length: c.batch }, () => pool[rng.int(pool.length)]!) };
    });
    const losses = trainStep(models, opt, work, c.window, c.clip);
    const values = await Promise.all(losses.map((l) => l.item()));
    for (const l of losses) l.dispose();
    schedule.step();
    step++;
    names.forEach((n, i) => {
      lossCurves.get(n)!.x.push(step);
      lossCurves.get(n)!.y.push(values[i]!);
    });
    stopped = hooks.shouldStop();
    last = null;
    if (c.evalEvery > 0 && step % c.evalEvery === 0 && step < c.steps && !stopped) {
      last = await testRmse();
      hooks.log(`step ${step}: test RMSE ${names.map((n) => `${n} ${last!.get(n)!.rmse.toFixed(4)}`).join(', ')}`);
    }
    const metrics = Object.fromEntries(names.map((n, i) => [`mse_${n}`, values[i]!]));
    hooks.progress({ step, totalSteps: c.steps, loss: values.reduce((a, b) => a + b, 0), metrics });
  }
  const seconds = (performance.now() - started) / 1000;
  if (stopped) hooks.log(`stopped at step ${step}`);
  if (hooks.save) await hooks.save(await encodeCheckpoint('sine', models, opt, step, arch));
  last ??= await testRmse();

  const summary: DemoResult['summary'] = {};
  const plots: DemoResult['plots'] = [];
  for (const n of names) {
    const d = data.get(n)!;
    const idx = split.get(n)!.test;
    const truth = idx.map((i) => d.y[i]!);
    // Persistence (next = last value seen) is the bar a forecaster has to clear.
    const naive = rmse(idx.map((i) => d.y[i - 1]!), truth);
    const r = last.get(n)!.rmse;
    hooks.log(`${SERIES[n].label}: test RMSE ${r.toFixed(4)} (predicting the last value instead: ${naive.toFixed(4)}; values span ±${d.scale.toFixed(2)} in training)`);
    summary[`${n}TestRmse`] = Number(r.toPrecision(4));
    summary[`${n}PersistenceRmse`] = Number(naive.toPrecision(4));
    const x = idx.map((i) => d.t[i]!);
    plots.push({
      name: `${n}-prediction`,
      title: `${SERIES[n].label}: test part, true vs predicted (RMSE ${r.toFixed(4)})`,
      series: [{ label: 'true', x, y: truth }, { label: 'predicted', x, y: Array.from(last.get(n)!.pred) }],
    });
  }
  Object.assign(summary, {
    steps: step,
    finalLoss: Number([...lossCurves.values()].reduce((a, s) => a + (s.y[s.y.length - 1] ?? NaN), 0).toPrecision(4)),
    trainSeconds: Number(seconds.toFixed(2)),
    stepsPerSecond: Number(((step - firstStep) / Math.max(seconds, 1e-9)).toFixed(1)),
    stopped: stopped ? 'yes' : 'no',
  });
  plots.push({ name: 'loss', title: 'sine: training loss (MSE of scaled values)', series: [...lossCurves.values()] });
  if (rmseCurves.get(names[0]!)!.x.length > 1) plots.push({ name: 'rmse', title: 'sine: test RMSE', series: [...rmseCurves.values()] });
  models.dispose();
  opt.dispose();
  return { summary, plots };
}

/** The sine demo (the classic sine predictor and Géron's series). */
export const demo: Demo<SineConfig> = {
  name: 'sine',
  description: 'An LSTM predicts the next value of sin(t) and x·sin(x)/3 + 2·sin(5x) from a window; test RMSE and plots (the classic sine predictor; Géron\'s Hands-On ML series)',
  options,
  defaults,
  smoke: { steps: 30, hidden: 8, points: 120, window: 8, batch: 16, evalEvery: 0 },
  run,
};
