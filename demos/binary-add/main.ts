// binary-add (Trask's classic "Anyone Can Learn To Code an LSTM-RNN"): an LSTM learns 8-bit binary
// addition, two bits in per step and the sum bit out, least significant bit first, and is scored on
// held-out pairs it never trained on. Shared by the Node CLI and the browser page: no Node-only
// imports here.
import { optim } from '../../src/index.js';
import { checkCell } from '../common/cell.js';
import { Random } from '../../src/util/random.js';
import { trainingOptions, withDefaults } from '../common/cli.js';
import type { Demo, DemoHooks, DemoResult, Series, TrainingConfig } from '../common/demo.js';
import { encodeCheckpoint, restoreCheckpoint } from './checkpoint.js';
import { AdditionData, formatBits, type Pair } from './data.js';
import { AdderModel, predictSums, trainStep } from './model.js';

/** `steps` is the most training steps: with earlyStop the run ends once every held-out sum is right. */
export type BinaryAddConfig = TrainingConfig & {
  bits: number;
  /** Pairs kept out of training and used to score the model. */
  holdout: number;
  evalEvery: number;
  earlyStop: boolean;
  /** Held-out sums printed at the end. */
  examples: number;
};

const defaults: BinaryAddConfig = {
  steps: 1000, batch: 64, hidden: 16, layers: 1, cell: 'lstm', lr: 0.05, clip: 1, seed: 0,
  bits: 8, holdout: 1000, evalEvery: 25, earlyStop: true, examples: 4,
};

const options = withDefaults([
  ...trainingOptions({
    steps: 'most training steps (batches)',
    batch: 'pairs per step',
    lr: 'Adam learning rate',
    seed: 'seed of the weights, the held-out split and the batches',
  }),
  { name: 'bits', type: 'number', integer: true, min: 2, max: 24, help: 'bits of the sum (a, b < 2^(bits-1))' },
  { name: 'holdout', type: 'number', integer: true, min: 1, help: 'held-out pairs, never trained on' },
  { name: 'evalEvery', type: 'number', integer: true, min: 1, help: 'steps between held-out evaluations' },
  { name: 'earlyStop', type: 'boolean', help: 'stop once every held-out sum is right' },
  { name: 'examples', type: 'number', integer: true, min: 0, help: 'held-out sums to print at the end' },
], defaults);

function checkConfig(c: BinaryAddConfig): void {
  checkCell('binary-add', c.cell);
  for (const k of ['steps', 'batch', 'hidden', 'layers', 'evalEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`binary-add: ${k} = ${c[k]} must be a positive integer`);
  }
  if (!Number.isInteger(c.examples) || c.examples < 0) throw new Error(`binary-add: examples = ${c.examples} must be a non-negative integer`);
  if (!(c.lr > 0)) throw new Error(`binary-add: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`binary-add: clip = ${c.clip} must be non-negative`);
}

/** Trask's printout of one sum: the operands, the prediction and the truth, bits MSB first. */
export function formatSum({ a, b }: Pair, predicted: number, bits: number): string[] {
  return [
    `a:   ${formatBits(a, bits)}`,
    `b:   ${formatBits(b, bits)}`,
    `Pred:${formatBits(predicted, bits)}`,
    `True:${formatBits(a + b, bits)}`,
    `${a} + ${b} = ${predicted}${predicted === a + b ? '' : `  ✗ (should be ${a + b})`}`,
  ];
}

async function run(config: BinaryAddConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const data = new AdditionData(c.bits, c.holdout, c.seed);
  const model = new AdderModel(c.cell, c.hidden, c.layers, c.seed);
  const opt = new optim.Adam(model.parameters(), { lr: c.lr });
  const arch = { cell: c.cell, hidden: c.hidden, layers: c.layers, bits: c.bits };
  const rng = new Random(c.seed);
  const max = 2 ** (c.bits - 1);
  hooks.log(`binary-add: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} + Linear(${c.hidden}, 1) per step, ${model.numParameters()} parameters; ` +
    `${c.bits}-bit sums of a, b < ${max}, LSB first; ${data.heldOut.length} held-out pairs never trained on; Adam lr ${c.lr}, batch ${c.batch}`);

  let step = 0;
  const saved = hooks.load ? await hooks.load() : null;
  if (saved) {
    step = await restoreCheckpoint('binary-add', saved, model, opt, arch);
    rng.reseed(c.seed + step); // a resumed run draws fresh batches, not the first ones again
    hooks.log(`resumed from a checkpoint at step ${step}`);
  }

  const lossCurve: Series = { label: 'training loss (BCE)', x: [], y: [] };
  const accCurve: Series = { label: 'held-out accuracy', x: [], y: [] };
  const evaluate = async () => {
    const sums = await predictSums(model, data.heldOut, c.bits);
    const right = sums.filter((s, i) => s === data.heldOut[i]!.a + data.heldOut[i]!.b).length;
    accCurve.x.push(step);
    accCurve.y.push(right / sums.length);
    return { sums, right };
  };

  const started = performance.now();
  const firstStep = step;
  let result: Awaited<ReturnType<typeof evaluate>> | null = null;
  let stopped = false;
  while (step < c.steps && !stopped) {
    const loss = trainStep(model, opt, data.sample(c.batch, rng), c.bits, c.clip);
    const value = await loss.item();
    loss.dispose();
    step++;
    lossCurve.x.push(step);
    lossCurve.y.push(value);
    stopped = hooks.shouldStop();
    result = null;
    if (step % c.evalEvery === 0 || step === c.steps || stopped) {
      result = await evaluate();
      hooks.log(`step ${step}: loss ${value.toFixed(4)}, held-out ${result.right}/${data.heldOut.length} sums right`);
    }
    hooks.progress({ step, totalSteps: c.steps, loss: value, metrics: { heldOut: accCurve.y[accCurve.y.length - 1] ?? 0 } });
    if (c.earlyStop && result?.right === data.heldOut.length) break;
  }
  const seconds = (performance.now() - started) / 1000;
  result ??= await evaluate();
  if (stopped) hooks.log(`stopped at step ${step}`);
  if (hooks.save) await hooks.save(await encodeCheckpoint('binary-add', model, opt, step, arch));

  for (let i = 0; i < Math.min(c.examples, data.heldOut.length); i++) {
    for (const line of formatSum(data.heldOut[i]!, result.sums[i]!, c.bits)) hooks.log(line);
    hooks.log('------------');
  }
  const accuracy = result.right / data.heldOut.length;
  hooks.log(`held-out accuracy: ${(100 * accuracy).toFixed(1)}% (${result.right}/${data.heldOut.length}) after ${step} steps, ${seconds.toFixed(1)} s`);
  model.dispose();
  opt.dispose();
  return {
    summary: {
      heldOutAccuracy: accuracy,
      heldOutRight: result.right,
      heldOutPairs: data.heldOut.length,
      steps: step,
      finalLoss: lossCurve.y[lossCurve.y.length - 1] ?? NaN,
      trainSeconds: Number(seconds.toFixed(2)),
      stepsPerSecond: Number(((step - firstStep) / Math.max(seconds, 1e-9)).toFixed(1)),
      stopped: stopped ? 'yes' : 'no',
    },
    plots: [
      { name: 'loss', title: 'binary-add: training loss', series: [lossCurve] },
      { name: 'accuracy', title: 'binary-add: held-out accuracy (all bits right)', series: [accCurve] },
    ],
  };
}

/** The binary-add demo (Trask's binary-addition LSTM). */
export const demo: Demo<BinaryAddConfig> = {
  name: 'binary-add',
  description: 'An LSTM learns 8-bit binary addition, LSB first; scored on held-out pairs (Trask\'s classic example)',
  options,
  defaults,
  smoke: { steps: 40, hidden: 8, holdout: 64, evalEvery: 20, examples: 1 },
  run,
};
