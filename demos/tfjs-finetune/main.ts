// tfjs-finetune: a character-level LSTM language model that TensorFlow.js built and trained on KJV
// Genesis (scripts/tfjs-demo-model.mjs wrote model/), imported with loadLayersModel and fine-tuned
// with webrnn's Adam on Exodus, which it never saw; then saved with saveLayersModel (IndexedDB in
// the browser, a folder in Node) and loaded back, and the reloaded model scored on the same text.
import { clipGradNorm, crossEntropy, listModels, loadLayersModel, noGrad, ops, optim, saveLayersModel, tensor, tidy, type LayersModel, type Tensor } from '../../src/index.js';
import type { Demo, DemoHooks, DemoResult } from '../common/demo.js';
import { Random } from '../../src/util/random.js';
import { DEFAULT_TEXT_URL, loadText, Vocab } from '../common/text.js';

export type FinetuneConfig = {
  /** The TF.js model.json: a URL in the browser, a path in Node; '' = the demo's own (model/). */
  model: string;
  /** A UTF-8 text file (URL in the browser, path in Node); '' = the KJV text of the char-rnn demo. */
  data: string;
  /** The fine-tuning text starts at the first occurrence of this string ('' = the whole text). */
  start: string;
  steps: number;
  batch: number;
  seqLen: number;
  lr: number;
  clip: number;
  seed: number;
  /** Fraction of the fine-tuning text (its end) held out for the loss before and after. */
  validation: number;
  /** Where to save the tuned model and load it back from ('indexeddb://name', a folder in Node; '' = skip). */
  store: string;
  /** Characters to generate from the tuned model (0: none). */
  sample: number;
};

/** Where the demo's model sits beside this module (the source tree; Node and tests). */
export const DEFAULT_MODEL_URL = new URL('./model/model.json', import.meta.url);

const defaults: FinetuneConfig = {
  model: '', data: '', start: 'Now these are the names of the children of Israel', steps: 60, batch: 16, seqLen: 32,
  lr: 3e-3, clip: 1, seed: 1, validation: 0.1, store: '', sample: 80,
};

function checkConfig(c: FinetuneConfig): void {
  for (const k of ['steps', 'batch', 'seqLen'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`tfjs-finetune: ${k} = ${c[k]} must be a positive integer`);
  }
  if (!Number.isInteger(c.sample) || c.sample < 0) throw new Error(`tfjs-finetune: sample = ${c.sample} must be a non-negative integer`);
  if (!(c.lr > 0)) throw new Error(`tfjs-finetune: lr = ${c.lr} must be positive`);
  if (!(c.clip >= 0)) throw new Error(`tfjs-finetune: clip = ${c.clip} must be non-negative`);
  if (!(c.validation > 0 && c.validation < 1)) throw new Error(`tfjs-finetune: validation = ${c.validation} must be a fraction in (0, 1)`);
}

/** Windows of seqLen + 1 ids starting at `starts`: inputs [B, T] (Keras: batch first) and next ids [B·T]. */
function windows(ids: Int32Array, starts: number[], seqLen: number): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(starts.length * seqLen);
  const y = new Int32Array(starts.length * seqLen);
  starts.forEach((at, b) => {
    x.set(ids.subarray(at, at + seqLen), b * seqLen);
    y.set(ids.subarray(at + 1, at + seqLen + 1), b * seqLen);
  });
  return { x, y };
}

/** Mean cross-entropy (nats per character) of next-character logits [B, T, V]. */
function lossOf(model: LayersModel, x: Int32Array, y: Int32Array, batch: number, seqLen: number): Tensor {
  const logits = model.forward(tensor(x, [batch, seqLen], { dtype: 'int32' })) as Tensor;
  return crossEntropy(logits.reshape([batch * seqLen, logits.shape[2]!]), tensor(y, [batch * seqLen], { dtype: 'int32' }));
}

async function readText(data: string, hooks: DemoHooks): Promise<string> {
  try {
    if (!data) return await loadText(DEFAULT_TEXT_URL);
    return hooks.readFile ? new TextDecoder('utf-8', { fatal: true }).decode(await hooks.readFile(data)) : await loadText(data);
  } catch (e) {
    throw new Error(`tfjs-finetune: cannot read the text '${data || DEFAULT_TEXT_URL.href}': ${(e as Error).message}`);
  }
}

async function run(config: FinetuneConfig, hooks: DemoHooks): Promise<DemoResult> {
  const c = { ...defaults, ...config };
  checkConfig(c);
  const t0 = performance.now();
  const model = await loadLayersModel(c.model || DEFAULT_MODEL_URL);
  let reloaded: LayersModel | null = null;
  try {
    const meta = (model.json as { userDefinedMetadata?: { vocab?: unknown } }).userDefinedMetadata;
    if (typeof meta?.vocab !== 'string') throw new Error('tfjs-finetune: the model.json has no userDefinedMetadata.vocab (made by scripts/tfjs-demo-model.mjs?)');
    const vocab = new Vocab(meta.vocab);
    const full = await readText(c.data, hooks);
    const at = c.start ? full.indexOf(c.start) : 0;
    // Characters the TF.js model has no id for become spaces (a text other than the KJV may have some).
    const text = [...full.slice(Math.max(at, 0))].map((ch) => (vocab.chars.includes(ch) ? ch : ' ')).join('');
    const ids = vocab.encode(text);
    const cut = ids.length - Math.round(ids.length * c.validation);
    const [train, held] = [ids.subarray(0, cut), ids.subarray(cut)];
    if (train.length < c.seqLen + 2 || held.length < c.seqLen + 2) throw new Error(`tfjs-finetune: ${ids.length} characters are too few for seqLen ${c.seqLen}`);
    hooks.log(`tfjs-finetune: imported ${model.name} (${model.parameters().length} tensors, ${model.parameters().reduce((n, p) => n + p.size, 0)} parameters, vocabulary ${vocab.size}) ` +
      `from TF.js; fine-tuning on ${train.length} characters${at > 0 ? ` from "${c.start.slice(0, 24)}…"` : ''}, ${held.length} held out`);

    // A fixed held-out batch, for the loss before, after, and after the reload.
    const evalRows = Math.min(16, Math.floor((held.length - 1) / c.seqLen));
    const evalBatch = windows(held, Array.from({ length: evalRows }, (_, b) => b * c.seqLen), c.seqLen);
    const heldOut = async (m: LayersModel) => {
      const l = tidy(() => noGrad(() => lossOf(m, evalBatch.x, evalBatch.y, evalRows, c.seqLen)));
      const v = await l.item();
      l.dispose();
      return v;
    };
    const before = await heldOut(model);
    hooks.log(`held-out loss of the TF.js model: ${before.toFixed(4)} nats/char`);

    const opt = new optim.Adam(model.parameters(), { lr: c.lr });
    const rand = new Random(c.seed);
    const curve: { x: number[]; y: number[] } = { x: [], y: [] };
    let step = 0;
    try {
      while (step < c.steps && !hooks.shouldStop()) {
        const starts = Array.from({ length: c.batch }, () => rand.int(train.length - c.seqLen - 1));
        const { x, y } = windows(train, starts, c.seqLen);
        const loss = tidy(() => {
          const l = lossOf(model, x, y, c.batch, c.seqLen);
          opt.zeroGrad();
          l.backward();
          if (c.clip > 0) clipGradNorm(model.parameters(), c.clip);
          opt.step();
          return l;
        });
        const value = await loss.item();
        loss.dispose();
        step++;
        curve.x.push(step);
        curve.y.push(value);
        hooks.progress({ step, totalSteps: c.steps, loss: value });
      }
    } finally {
      opt.dispose();
    }
    const after = await heldOut(model);
    hooks.log(`held-out loss after ${step} steps of fine-tuning in webrnn: ${after.toFixed(4)} nats/char`);

    const summary: DemoResult['summary'] = { steps: step, lossBefore: before, lossAfter: after };
    if (c.store) {
      await saveLayersModel(model, c.store);
      const source = c.store.startsWith('indexeddb://') ? c.store : `${c.store.replace(/\/$/, '')}/model.json`;
      reloaded = await loadLayersModel(source);
      summary.lossReloaded = await heldOut(reloaded);
      summary.store = c.store;
      hooks.log(`saved to ${c.store} and loaded back: held-out loss ${summary.lossReloaded.toFixed(4)} nats/char`);
      if (c.store.startsWith('indexeddb://')) {
        const info = (await listModels())[c.store]!;
        hooks.log(`listModels(): ${c.store} is a ${info.format}, ${info.weightDataBytes} bytes of weights, saved ${info.dateSaved.toISOString()}`);
      }
    }
    if (c.sample > 0) {
      const out = await generate(reloaded ?? model, vocab, '\n', c.sample, c.seqLen, c.seed);
      summary.sample = out;
      hooks.log(`sample: ${JSON.stringify(out)}`);
    }
    summary.seconds = (performance.now() - t0) / 1000;
    return { summary, plots: [{ name: 'loss', title: 'Fine-tuning loss (nats/char)', series: [{ label: 'train', ...curve }] }] };
  } finally {
    model.dispose();
    reloaded?.dispose();
  }
}

/** `length` characters after `prompt`, each drawn at temperature 0.7 from the logits of the last
 *  seqLen characters (the Keras model has no step API: a window is run again for every character). */
async function generate(model: LayersModel, vocab: Vocab, prompt: string, length: number, seqLen: number, seed: number): Promise<string> {
  const ids = [...vocab.encode(prompt)];
  for (let k = 0; k < length; k++) {
    const window = ids.slice(-seqLen);
    const next = tidy(() => noGrad(() => {
      const logits = model.forward(tensor(Int32Array.from(window), [1, window.length], { dtype: 'int32' })) as Tensor;
      return ops.sample(logits.select(1, window.length - 1), { temperature: 0.7, seed, offset: k });
    }));
    ids.push((await next.data())[0]!);
    next.dispose();
  }
  return vocab.decode(ids.slice(prompt.length ? vocab.encode(prompt).length : 0));
}

export const demo: Demo<FinetuneConfig> = {
  name: 'tfjs-finetune',
  description: 'A character-level LSTM that TensorFlow.js trained on Genesis, imported from its model.json and fine-tuned here on Exodus with webrnn\'s Adam; then saved with saveLayersModel and loaded back.',
  options: [
    { name: 'steps', type: 'number', default: defaults.steps, help: 'fine-tuning steps' },
    { name: 'lr', type: 'number', default: defaults.lr, help: 'Adam learning rate' },
    { name: 'store', type: 'string', default: defaults.store, help: "where to save the tuned model and reload it from ('indexeddb://name'; '' = skip)" },
  ],
  defaults,
  smoke: { steps: 3, batch: 4, seqLen: 8, sample: 4 },
  run,
};
