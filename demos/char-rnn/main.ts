// char-rnn: a character-level LSTM language model on any text (default: KJV Genesis and Exodus),
// trained by truncated BPTT with the state carried between chunks; reports bits per character on
// held-out text, samples with a temperature and a prompt, and saves / resumes checkpoints.
import { optim, type Tensor } from '../../src/index.js';
import type { Demo, DemoHooks, DemoResult } from '../common/demo.js';
import { LossMeter, totalSteps, TrainingClock } from '../common/epochs.js';
import { DEFAULT_TEXT_URL, loadText, splitText, Vocab } from '../common/text.js';
import { encodeCheckpoint, restoreCheckpoint, type Arch } from './checkpoint.js';
import { CharModel, disposeState, meanLoss, sample, Streams, trainStep, type State } from './model.js';

export type CharRnnConfig = {
  hidden: number;
  layers: number;
  /** Embedding size of each character. */
  embed: number;
  /** Characters per truncated-BPTT chunk. */
  seqLen: number;
  /** Parallel streams the training text is cut into. */
  batch: number;
  epochs: number;
  /** Stop after this many steps in all (0: epochs × chunks per epoch). */
  steps: number;
  lr: number;
  clip: number;
  seed: number;
  /** A text file (path in Node, URL in the browser); '' = the KJV text in demos/char-rnn/data. */
  data: string;
  /** Fraction of the text (its end) held out for bits per character. */
  validation: number;
  /** Streams the held-out text is cut into for evaluation. */
  evalBatch: number;
  /** Characters to generate after the prompt (0: no sample). */
  sample: number;
  temperature: number;
  prompt: string;
  logEvery: number;
};

const LN2 = Math.log(2);

function checkConfig(c: CharRnnConfig): void {
  for (const k of ['hidden', 'layers', 'embed', 'seqLen', 'batch', 'evalBatch', 'logEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`char-rnn: ${k} = ${c[k]} must be a positive integer`);
  }
  for (const k of ['epochs', 'steps', 'sample'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`char-rnn: ${k} = ${c[k]} must be a non-negative integer`);
  }
  if (c.epochs === 0 && c.steps === 0) throw new Error('char-rnn: epochs and steps are both 0: nothing to train');
  if (!(c.lr > 0)) throw new Error(`char-rnn: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`char-rnn: clip = ${c.clip} must be non-negative`);
  if (!(c.validation > 0 && c.validation < 1)) throw new Error(`char-rnn: validation = ${c.validation} must be a fraction in (0, 1)`);
  if (!(c.temperature >= 0 && Number.isFinite(c.temperature))) throw new Error(`char-rnn: temperature = ${c.temperature} must be a finite number ≥ 0`);
}

/** The default text seen from a bundle two folders deep (dist/cli/webrnn.js), where text.ts's own
 *  module-relative URL no longer points into demos/ (this file is two folders deep as well). */
const BUNDLED_TEXT_URL = new URL('../../demos/char-rnn/data/kjv-genesis-exodus.txt', import.meta.url);

/** What to do when the default text is not there (an installed package ships only the command). */
export const TEXT_MISSING =
  'char-rnn: the default text (KJV Genesis and Exodus, demos/char-rnn/data in the webrnn repository) is not ' +
  'in this install: pass --data PATH to any UTF-8 text file (a Project Gutenberg plain-text book works)';

/** The default text, looked up beside this module's source and beside the built command (never
 *  in the working folder); a one-line TEXT_MISSING where neither has it. */
export async function readDefaultText(places: readonly URL[] = [DEFAULT_TEXT_URL, BUNDLED_TEXT_URL]): Promise<string> {
  for (const place of places) {
    try {
      return await loadText(place);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && !/HTTP 404/.test((e as Error).message)) throw e;
    }
  }
  throw new Error(TEXT_MISSING);
}

async function readText(data: string, hooks: DemoHooks): Promise<string> {
  if (!data) return readDefaultText();
  try {
    return hooks.readFile ? new TextDecoder('utf-8', { fatal: true }).decode(await hooks.readFile(data)) : await loadText(data);
  } catch (e) {
    throw new Error(`char-rnn: cannot read the text '${data}': ${(e as Error).message}`);
  }
}

/** The prompt's ids; an empty prompt starts from a newline (or the first character of the vocabulary). */
function promptIds(vocab: Vocab, prompt: string): Int32Array {
  const text = prompt || (vocab.chars.includes('\n') ? '\n' : vocab.chars[0]!);
  try {
    return vocab.encode(text);
  } catch (e) {
    throw new Error(`char-rnn: the prompt ${JSON.stringify(prompt)} cannot be encoded: ${(e as Error).message}; pass a prompt made of the text's characters (--prompt)`);
  }
}

/** The carried LSTM state from a checkpoint's extra tensors h, c [layers, B, hidden] (none at an epoch boundary). */
function carriedState(extra: Record<string, Tensor>, shape: number[]): State {
  const { h, c, ...rest } = extra;
  const wrong = [h, c].find((t) => t && t.shape.join() !== shape.join());
  let problem = '';
  if (Object.keys(rest).length) problem = `unexpected tensors ${Object.keys(rest).join(', ')}`;
  else if (!h !== !c) problem = 'only one of the state tensors h and c';
  else if (wrong) problem = `a state [${wrong.shape.join(', ')}], expected [layers, batch, hidden] = [${shape.join(', ')}]`;
  if (problem) {
    for (const t of Object.values(extra)) t.dispose();
    throw new Error(`char-rnn: the checkpoint has ${problem}`);
  }
  return h && c ? [h, c] : null;
}

async function run(config: CharRnnConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const text = await readText(c.data, hooks);
  const vocab = Vocab.fromText(text);
  const split = splitText(vocab.encode(text), c.validation);
  const train = new Streams(split.train, c.batch, c.seqLen);
  if (train.fullChunks < 1) {
    throw new Error(`char-rnn: ${split.train.length} training characters are too few for batch ${c.batch} × seqLen ${c.seqLen} (need ${c.batch * c.seqLen + 1})`);
  }
  const valid = new Streams(split.validation, Math.max(1, Math.min(c.evalBatch, Math.floor((split.validation.length - 1) / 8))), c.seqLen);
  if (valid.length < 1) throw new Error(`char-rnn: the held-out text has ${split.validation.length} characters; raise validation = ${c.validation}`);
  const prompt = c.sample > 0 ? promptIds(vocab, c.prompt) : new Int32Array(0);
  const source = c.data || 'kjv-genesis-exodus.txt';
  hooks.log(`char-rnn: ${source}: ${split.train.length + split.validation.length} characters, vocabulary of ${vocab.size}; ${split.train.length} for training, ${split.validation.length} held out`);

  const model = new CharModel({ vocab: vocab.size, embed: c.embed, hidden: c.hidden, layers: c.layers, seed: c.seed });
  const opt = new optim.Adam(model.parameters(), { lr: c.lr });
  const arch: Arch = { vocab: JSON.stringify(vocab.chars), embed: c.embed, hidden: c.hidden, layers: c.layers, batch: c.batch, seqLen: c.seqLen };
  const perEpoch = train.fullChunks;
  const total = totalSteps(c.epochs, c.steps, perEpoch);
  let step = 0;
  let state: State = null;
  const losses = new LossMeter();
  try {
    const loaded = hooks.load ? await hooks.load() : null;
    if (loaded) {
      const r = await restoreCheckpoint('char-rnn', loaded, model, opt, arch);
      step = r.step;
      state = carriedState(r.extra, [c.layers, c.batch, c.hidden]);
      hooks.log(`resumed from a checkpoint at step ${step}`);
    }
    hooks.log(`model: Embedding(${vocab.size}, ${c.embed}) → LSTM ${c.layers}×${c.hidden} → Linear(${c.hidden}, ${vocab.size}), ${model.numParameters()} parameters; ` +
      `Adam lr ${c.lr}, ${c.batch} streams × ${c.seqLen} characters a step, ${perEpoch} steps per epoch, ${total} steps`);

    const trainCurve = { label: 'train bits/char', x: [] as number[], y: [] as number[] };
    const validCurve = { label: 'held-out bits/char', x: [] as number[], y: [] as number[] };
    let stopped = false;
    const first = step;
    const clock = new TrainingClock(first, perEpoch);
    const heldOut = () => clock.evaluate(async () => (await meanLoss(model, valid)) / LN2);
    while (step < total && !stopped) {
      const k = step % perEpoch;
      if (k === 0) {
        disposeState(state); // each epoch starts the streams from zeros
        state = null;
      }
      const prev = state;
      const out = trainStep(model, opt, train, k, state, c.clip);
      disposeState(prev);
      state = out.state;
      step++;
      losses.add(out.loss);
      stopped = hooks.shouldStop();
      const epochEnd = step % perEpoch === 0;
      if (step % c.logEvery === 0 || epochEnd || step === total || stopped) {
        const mean = await losses.mean();
        trainCurve.x.push(step);
        trainCurve.y.push(mean / LN2);
        const metrics: Record<string, number> = { bitsPerChar: mean / LN2, epoch: step / perEpoch };
        if (epochEnd && step < total && !stopped) {
          const bpc = await heldOut();
          validCurve.x.push(step);
          validCurve.y.push(bpc);
          metrics.heldOutBitsPerChar = bpc;
          hooks.log(`epoch ${step / perEpoch}: train ${(mean / LN2).toFixed(3)} bits/char, held-out ${bpc.toFixed(3)} bits/char`);
        }
        hooks.progress({ step, totalSteps: total, loss: mean, metrics });
      }
    }
    const seconds = clock.stop();
    if (hooks.save) await hooks.save(await encodeCheckpoint('char-rnn', model, opt, step, arch, state ? { h: state[0], c: state[1] } : {}));
    disposeState(state);
    state = null;
    const bpc = await heldOut();
    validCurve.x.push(step);
    validCurve.y.push(bpc);
    const charsPerSecond = ((step - first) * c.batch * c.seqLen) / Math.max(seconds, 1e-9);
    hooks.log(`held-out: ${bpc.toFixed(3)} bits per character on ${valid.length * valid.batch} characters after ${step} steps ` +
      `(${(step / perEpoch).toFixed(2)} epochs; ${seconds.toFixed(1)} s for ${step - first} steps, ${charsPerSecond.toFixed(0)} characters/s)`);
    let sampleText = '';
    if (c.sample > 0) {
      // Its own Philox stream: a sample is reproducible from (weights, seed).
      const ids = await sample(model, prompt, c.sample, c.temperature, (c.seed ^ 0x5eed) >>> 0);
      sampleText = vocab.decode(prompt) + vocab.decode(ids);
      hooks.log(`sample (temperature ${c.temperature}):`);
      for (const line of sampleText.split('\n')) hooks.log(`  ${line}`);
    }
    return {
      summary: {
        bitsPerChar: bpc,
        trainBitsPerChar: trainCurve.y.at(-1) ?? NaN,
        text: source,
        vocabulary: vocab.size,
        hidden: c.hidden,
        layers: c.layers,
        ...clock.summary(step, stopped),
        sample: sampleText,
      },
      plots: [{ name: 'loss', title: 'char-rnn bits per character', series: [trainCurve, validCurve] }],
    };
  } finally {
    losses.dispose();
    disposeState(state);
    model.dispose();
    opt.dispose();
  }
}

const defaults: CharRnnConfig = {
  hidden: 128,
  layers: 1,
  embed: 32,
  seqLen: 64,
  batch: 32,
  epochs: 3,
  steps: 0,
  lr: 0.006,
  clip: 1,
  seed: 1,
  data: '',
  validation: 0.05,
  evalBatch: 16,
  sample: 300,
  temperature: 0.8,
  prompt: 'And God said',
  logEvery: 10,
};

/** The char-rnn demo (see the header). */
export const demo: Demo<CharRnnConfig> = {
  name: 'char-rnn',
  description: 'A character-level LSTM language model on a text file: bits per character, sampling, checkpoints (Karpathy\'s char-rnn)',
  options: [
    { name: 'hidden', type: 'number', default: defaults.hidden, help: 'LSTM hidden units per layer' },
    { name: 'layers', type: 'number', default: defaults.layers, help: 'stacked LSTM layers' },
    { name: 'embed', type: 'number', default: defaults.embed, help: 'embedding size of a character' },
    { name: 'seqLen', type: 'number', default: defaults.seqLen, help: 'characters per truncated-BPTT chunk' },
    { name: 'batch', type: 'number', default: defaults.batch, help: 'parallel streams of the training text' },
    { name: 'epochs', type: 'number', default: defaults.epochs, help: 'passes over the training text' },
    { name: 'steps', type: 'number', default: defaults.steps, help: 'stop after this many steps in all (0: all epochs)' },
    { name: 'lr', type: 'number', default: defaults.lr, help: 'Adam learning rate' },
    { name: 'clip', type: 'number', default: defaults.clip, help: 'gradient-norm clip (0: off)' },
    { name: 'seed', type: 'number', default: defaults.seed, help: 'seed of the weights and of the sampling' },
    { name: 'data', type: 'string', default: defaults.data, help: 'a UTF-8 text file (default: KJV Genesis and Exodus, in demos/char-rnn/data)' },
    { name: 'validation', type: 'number', default: defaults.validation, help: 'fraction of the text (its end) held out for bits per character' },
    { name: 'evalBatch', type: 'number', default: defaults.evalBatch, help: 'streams of the held-out text when evaluating' },
    { name: 'sample', type: 'number', default: defaults.sample, help: 'characters to generate after the prompt (0: none)' },
    { name: 'temperature', type: 'number', default: defaults.temperature, help: 'sampling temperature (0: always the most likely character)' },
    { name: 'prompt', type: 'string', default: defaults.prompt, help: 'text the sample starts with' },
    { name: 'logEvery', type: 'number', default: defaults.logEvery, help: 'steps between progress reports' },
  ],
  defaults,
  smoke: { hidden: 16, embed: 8, seqLen: 16, batch: 4, steps: 6, evalBatch: 64, sample: 20, logEvery: 1 },
  run,
};
