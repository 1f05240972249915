// seq2seq: an encoder–decoder with attention learns to normalise written dates in 13 formats
// ("5 Dec 2026", "12/05/26", "December fifth, 2026", "Saturday, 5 December 2026", ...) to ISO
// "2026-12-05"; trained with teacher forcing, scored by exact match on held-out inputs with greedy
// and beam-search decoding, and the attention matrix of one input printed as a heat map.
// Shared by the Node CLI and the browser page: no Node-only imports here.
import { optim } from '../../src/index.js';
import { Random } from '../../src/util/random.js';
import { encodeCheckpoint, restoreCheckpoint } from '../char-rnn/checkpoint.js';
import { checkCell } from '../common/cell.js';
import { trainingOptions, withDefaults } from '../common/cli.js';
import type { Demo, DemoHooks, DemoResult, Series, TrainingConfig } from '../common/demo.js';
import { TrainingClock } from '../common/epochs.js';
import { DateData, encodeSources, type Example } from './data.js';
import { beamDecode, greedyDecode, trainStep } from './decode.js';
import { Seq2Seq, type Attention } from './model.js';

export type Seq2SeqConfig = TrainingConfig & {
  attention: Attention;
  /** Character embedding size (source and target). */
  embed: number;
  /** Beams of the final evaluation (1: greedy only). */
  beam: number;
  holdout: number;
  evalEvery: number;
  /** Stop once greedy exact match on the held-out inputs reaches this (0: run every step). */
  stopAt: number;
  /** Held-out results printed at the end. */
  examples: number;
  /** The input whose attention matrix is printed at the end. */
  show: string;
  /** Browser page: keep the trained model for `explain` instead of freeing it (not a flag). */
  keepModel?: boolean;
};

const defaults: Seq2SeqConfig = {
  steps: 1000, batch: 128, hidden: 64, layers: 1, cell: 'gru', lr: 0.01, clip: 1, seed: 0,
  attention: 'additive', embed: 24, beam: 3, holdout: 1000, evalEvery: 50, stopAt: 0.995, examples: 6,
  show: 'Saturday, 5 December 2026',
};

const options = withDefaults([
  ...trainingOptions({
    steps: 'most training steps (batches)',
    batch: 'dates per step',
    lr: 'Adam learning rate (cosine-decayed to lr/20)',
    seed: 'seed of the weights, the held-out set and the batches',
  }),
  { name: 'attention', type: 'string', choices: ['additive', 'dot'], help: 'score: additive (Bahdanau) or dot (Luong, scaled)' },
  { name: 'embed', type: 'number', integer: true, min: 1, help: 'character embedding size' },
  { name: 'beam', type: 'number', integer: true, min: 1, max: 12, help: 'beams of the final evaluation (1: greedy)' },
  { name: 'holdout', type: 'number', integer: true, min: 1, max: 100000, help: 'held-out inputs, never trained on' },
  { name: 'evalEvery', type: 'number', integer: true, min: 1, help: 'steps between held-out (greedy) evaluations' },
  { name: 'stopAt', type: 'number', min: 0, max: 1, help: 'stop once held-out exact match reaches this (0: never)' },
  { name: 'examples', type: 'number', integer: true, min: 0, help: 'held-out results printed at the end' },
  { name: 'show', type: 'string', help: 'input whose attention matrix is printed at the end' },
], defaults);

function checkConfig(c: Seq2SeqConfig): void {
  checkCell('seq2seq', c.cell);
  if (c.attention !== 'additive' && c.attention !== 'dot') throw new Error(`seq2seq: attention '${c.attention}' must be additive or dot`);
  for (const k of ['steps', 'batch', 'hidden', 'layers', 'embed', 'beam', 'evalEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`seq2seq: ${k} = ${c[k]} must be a positive integer`);
  }
  if (!(c.lr > 0)) throw new Error(`seq2seq: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`seq2seq: clip = ${c.clip} must be non-negative`);
  if (!(c.stopAt >= 0 && c.stopAt <= 1)) throw new Error(`seq2seq: stopAt = ${c.stopAt} must be in 0..1`);
  if (typeof c.show !== 'string' || c.show.length === 0) throw new Error('seq2seq: show must be a non-empty date to print the attention of');
  encodeSources([c.show]); // throws naming a character the model cannot read
}

/** Exact matches of `outputs` against the examples' targets. */
const exact = (outputs: string[], set: readonly Example[]) => outputs.filter((o, i) => o === set[i]!.target).length;

/** The attention matrix as text: one row per output character, a shade per input character. */
export function heatMapLines(source: string, output: string, weights: ArrayLike<number>, Ts: number): string[] {
  const shades = ' ░▒▓█';
  const lines = [`  ${source}`];
  for (let t = 0; t < output.length; t++) {
    let row = '';
    for (let s = 0; s < source.length; s++) row += shades[Math.min(4, Math.floor(weights[t * Ts + s]! * 5))];
    lines.push(`${output[t]} ${row}`);
  }
  return lines;
}

/** The model a browser run kept (keepModel), for the page's heat map of any input. */
let kept: Seq2Seq | null = null;

/** Greedy output and attention weights [10, |source|] of one input, with the model of the last kept run. */
export async function explain(source: string): Promise<{ output: string; weights: Float32Array[] }> {
  if (!kept) throw new Error('seq2seq: no trained model yet (train first)');
  if (!source) throw new Error('seq2seq: type a date first');
  encodeSources([source]);
  const d = await greedyDecode(kept, [source]);
  const w = d.weights!;
  return { output: d.outputs[0]!, weights: [...d.outputs[0]!].map((_, t) => w.slice(t * d.sourceLength, t * d.sourceLength + source.length)) };
}

async function run(config: Seq2SeqConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const data = new DateData(c.holdout, c.seed);
  const model = new Seq2Seq({ cell: c.cell, attention: c.attention, embed: c.embed, hidden: c.hidden, layers: c.layers }, c.seed);
  const opt = new optim.Adam(model.parameters(), { lr: c.lr });
  const arch = { cell: c.cell, attention: c.attention, embed: c.embed, hidden: c.hidden, layers: c.layers };
  const rng = new Random(c.seed);
  hooks.log(`seq2seq: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} encoder and decoder, ${c.attention} attention, embeddings ${c.embed}, ` +
    `${model.numParameters()} parameters; ${data.heldOut.length} held-out dates never trained on; Adam lr ${c.lr}, batch ${c.batch}`);
  let step = 0;
  const saved = hooks.load ? await hooks.load() : null;
  if (saved) {
    step = (await restoreCheckpoint('seq2seq', saved, model, opt, arch)).step;
    rng.reseed(c.seed + step);
    hooks.log(`resumed from a checkpoint at step ${step}`);
  }
  const lrAt = (s: number) => c.lr / 20 + ((c.lr - c.lr / 20) * (1 + Math.cos((Math.PI * s) / c.steps))) / 2;
  const lossCurve: Series = { label: 'training loss (cross-entropy per character)', x: [], y: [] };
  const accCurve: Series = { label: 'held-out exact match (greedy)', x: [], y: [] };
  const sources = data.heldOut.map((e) => e.source);
  const clock = new TrainingClock(step, c.steps);
  const evaluate = () => clock.evaluate(async () => {
    const right = exact((await greedyDecode(model, sources)).outputs, data.heldOut);
    accCurve.x.push(step);
    accCurve.y.push(right / sources.length);
    return right;
  });
  let stopped = false;
  let right = -1;
  try {
    while (step < c.steps && !stopped) {
      opt.lr = lrAt(step);
      const loss = trainStep(model, opt, data.sample(c.batch, rng), c.clip);
      const value = await loss.item();
      loss.dispose();
      step++;
      lossCurve.x.push(step);
      lossCurve.y.push(value);
      stopped = hooks.shouldStop();
      right = -1;
      if (step % c.evalEvery === 0 || step === c.steps || stopped) {
        right = await evaluate();
        hooks.log(`step ${step}: loss ${value.toFixed(4)}, held-out ${right}/${sources.length} exact (greedy), ${clock.trainSeconds.toFixed(0)} s of training`);
      }
      hooks.progress({ step, totalSteps: c.steps, loss: value, metrics: { heldOut: accCurve.y.at(-1) ?? 0 } });
      if (c.stopAt > 0 && right >= c.stopAt * sources.length) break;
    }
    const trainSeconds = clock.stop();
    if (stopped) hooks.log(`stopped at step ${step}`);
    if (hooks.save) await hooks.save(await encodeCheckpoint('seq2seq', model, opt, step, arch));
    const greedy = await greedyDecode(model, sources);
    const greedyRight = exact(greedy.outputs, data.heldOut);
    let beamRight = greedyRight;
    let beamOutputs = greedy.outputs;
    if (c.beam > 1) {
      beamOutputs = (await beamDecode(model, sources, c.beam)).outputs;
      beamRight = exact(beamOutputs, data.heldOut);
    }
    for (let i = 0; i < Math.min(c.examples, sources.length); i++) {
      const ok = beamOutputs[i] === data.heldOut[i]!.target;
      hooks.log(`${JSON.stringify(sources[i])} → ${beamOutputs[i]}${ok ? '' : `  ✗ (should be ${data.heldOut[i]!.target})`}`);
    }
    const shown = await greedyDecode(model, [c.show]);
    hooks.log(`attention of ${JSON.stringify(c.show)} → ${shown.outputs[0]} (rows: output characters, columns: input characters; █ ≥ 0.8):`);
    for (const line of heatMapLines(c.show, shown.outputs[0]!, shown.weights!, shown.sourceLength)) hooks.log(line);
    const n = sources.length;
    hooks.log(`held-out exact match: greedy ${(100 * greedyRight / n).toFixed(1)}% (${greedyRight}/${n})` +
      (c.beam > 1 ? `, beam ${c.beam} ${(100 * beamRight / n).toFixed(1)}% (${beamRight}/${n})` : '') + ` after ${step} steps, ${trainSeconds.toFixed(1)} s of training`);
    return {
      summary: {
        exactMatch: beamRight / n,
        greedyExactMatch: greedyRight / n,
        beam: c.beam,
        heldOut: n,
        cell: c.cell,
        attention: c.attention,
        parameters: model.numParameters(),
        finalLoss: lossCurve.y.at(-1) ?? NaN,
        // the clock's epoch columns mean nothing here: every batch is freshly generated
        ...Object.fromEntries(Object.entries(clock.summary(step, stopped)).filter(([k]) => !/epoch/i.test(k))),
      },
      plots: [
        { name: 'loss', title: 'seq2seq: training loss', series: [lossCurve] },
        { name: 'accuracy', title: 'seq2seq: held-out exact match (greedy)', series: [accCurve] },
      ],
    };
  } finally {
    opt.dispose();
    if (c.keepModel) {
      kept?.dispose();
      kept = model;
    } else model.dispose();
  }
}

/** The seq2seq demo (date normalisation with attention). */
export const demo: Demo<Seq2SeqConfig> = {
  name: 'seq2seq',
  description: 'An encoder–decoder with attention normalises dates written 13 ways ("5 Dec 2026", "12/05/26", ...) to ISO 2026-12-05',
  options,
  defaults,
  smoke: { steps: 6, batch: 8, hidden: 8, embed: 4, holdout: 16, evalEvery: 3, beam: 2, examples: 1 },
  run,
};
