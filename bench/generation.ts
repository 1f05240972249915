// Benchmark section: generating text with a char model (Embedding → 2-layer LSTM 256 → Linear over
// a 65-character vocabulary), batch 1, tokens per second. webrnn: nn.generate (the step API,
// sampling on the GPU, ids fed back without a read-back; one submit a token, or one in all).
// TensorFlow.js: its stateful predict loop (stateful LSTM layers, tf.multinomial, the sampled id
// tensor fed back as the next input, read once at the end) on webgpu (same adapter) and wasm, with
// webrnn's weights; a greedy run of both checks they compute the same function.
import type * as TF from '@tensorflow/tfjs';
import { counters, nn, resetCounters, type Tensor } from '../src/index.js';
import type { BenchRow, RunContext, RunSection } from './bench.js';
import { transpose } from './tfjs_model.js';
import type { TfBackend, TfjsHandle } from './tfjs.js';
import type { StepTiming } from './timing.js';

const VOCAB = 65;
const EMBED = 64;
const HIDDEN = 256;
const LAYERS = 2;

/** The generation model (the schedules section times it too). */
export class CharLM extends nn.Module implements nn.TokenStepper<[Tensor, Tensor]> {
  readonly emb = this.registerModule('emb', new nn.Embedding(VOCAB, EMBED, { seed: 1 }));
  readonly lstm = this.registerModule('lstm', new nn.LSTM({ inputSize: EMBED, hiddenSize: HIDDEN, numLayers: LAYERS, seed: 2 }));
  readonly head = this.registerModule('head', new nn.Linear(HIDDEN, VOCAB, { seed: 3 }));
  initialState(batch: number): [Tensor, Tensor] {
    return this.lstm.initialState(batch);
  }
  step(ids: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [y, s] = this.lstm.step(this.emb.forward(ids), state);
    return [this.head.forward(y), s];
  }
}

/** The same model on tfjs layers, stateful, with `m`'s weights (Keras LSTM: kernel = W_ihᵀ,
 *  recurrent = W_hhᵀ, gates i, f, c, o as PyTorch's i, f, g, o, bias = b_ih + b_hh). */
async function tfjsModel(tf: typeof TF, m: CharLM): Promise<TF.Sequential> {
  const p = Object.fromEntries(await Promise.all([...m.namedParameters()].map(async ([n, t]) => [n, (await t.data()) as Float32Array] as const)));
  const model = tf.sequential();
  const emb = tf.layers.embedding({ inputDim: VOCAB, outputDim: EMBED, batchInputShape: [1, 1] });
  model.add(emb);
  emb.setWeights([tf.tensor2d(p['emb.weight']!, [VOCAB, EMBED])]);
  for (let l = 0; l < LAYERS; l++) {
    const lstm = tf.layers.lstm({
      units: HIDDEN, stateful: true, returnSequences: l < LAYERS - 1, recurrentActivation: 'sigmoid',
      kernelInitializer: 'zeros', recurrentInitializer: 'zeros',
    });
    model.add(lstm);
    const inSize = l === 0 ? EMBED : HIDDEN;
    const bias = p[`lstm.bias_ih_l${l}`]!.map((v, i) => v + p[`lstm.bias_hh_l${l}`]![i]!);
    lstm.setWeights([
      tf.tensor2d(transpose(p[`lstm.weight_ih_l${l}`]!, 4 * HIDDEN, inSize), [inSize, 4 * HIDDEN]),
      tf.tensor2d(transpose(p[`lstm.weight_hh_l${l}`]!, 4 * HIDDEN, HIDDEN), [HIDDEN, 4 * HIDDEN]),
      tf.tensor1d(bias),
    ]);
  }
  const dense = tf.layers.dense({ units: VOCAB, kernelInitializer: 'zeros' });
  model.add(dense);
  dense.setWeights([tf.tensor2d(transpose(p['head.weight']!, VOCAB, HIDDEN), [HIDDEN, VOCAB]), tf.tensor1d(p['head.bias']!)]);
  return model;
}

/** tfjs's stateful loop: N predicts from reset states, each sampled id fed back as a tensor. */
async function tfjsGenerate(tf: typeof TF, model: TF.Sequential, n: number, greedy: boolean): Promise<Int32Array> {
  model.resetStates();
  let x: TF.Tensor = tf.tensor2d([[0]], [1, 1], 'int32');
  const outs: TF.Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const prev = x;
    x = tf.tidy(() => {
      const logits = model.predict(prev) as TF.Tensor2D;
      return (greedy ? tf.argMax(logits, 1) : tf.multinomial(logits, 1, 7)).reshape([1, 1]);
    });
    outs.push(x);
  }
  const all = tf.concat(outs, 0);
  const ids = Int32Array.from(await all.data());
  for (const t of [all, ...outs]) t.dispose();
  return ids;
}

const ratio = (theirs: StepTiming | undefined, ours: StepTiming) => (theirs ? `${(theirs.medianMs / ours.medianMs).toFixed(1)}×` : '—');

export const generationSection: RunSection = {
  name: 'generation',
  async run(ctx: RunContext) {
    const N = ctx.quick ? 8 : 100;
    const m = new CharLM().eval();
    // Compiles the pipelines with another token count: the GPU waiter keys its sleep estimate by
    // the dispatch count, and a first run's compile time would make it oversleep the timed runs.
    await nn.generate(m, [0], { length: 2, seed: 1 });
    await nn.generate(m, [0], { length: 2, seed: 1, submitEvery: 0 });
    const ours = {
      perToken: await ctx.measure(() => nn.generate(m, [0], { length: N, seed: 7 })),
      oneSubmit: await ctx.measure(() => nn.generate(m, [0], { length: N, seed: 7, submitEvery: 0 })),
    };
    resetCounters();
    await nn.generate(m, [0], { length: N, seed: 7 });
    const c = { ...counters() };
    const greedy = Array.from(await nn.generate(m, [0], { length: 20, temperature: 0 }));
    ctx.progress(`generation webrnn: ${((N / ours.perToken.medianMs) * 1e3).toFixed(0)} tokens/s`);

    const theirs: Partial<Record<TfBackend, StepTiming>> = {};
    const agree: string[] = [];
    const h: TfjsHandle | null = await ctx.tfjs();
    for (const b of h?.backends ?? []) {
      await h!.use(b);
      const model = await tfjsModel(h!.tf, m);
      try {
        await tfjsGenerate(h!.tf, model, 2, false); // compiles its programs (multinomial included)
        const g = Array.from(await tfjsGenerate(h!.tf, model, 20, true));
        // The first character decides the rest: an id flipped by a near-tie makes the rest differ.
        const same = g.findIndex((v, i) => v !== greedy[i]);
        agree.push(`tfjs-${b} greedy ids equal webrnn's for ${same < 0 ? 'all 20' : `the first ${same}`} of 20 tokens`);
        theirs[b] = await ctx.measure(() => tfjsGenerate(h!.tf, model, N, false));
        ctx.progress(`generation tfjs-${b}: ${((N / theirs[b]!.medianMs) * 1e3).toFixed(0)} tokens/s`);
      } catch (e) {
        ctx.note(`tfjs-${b}: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        model.dispose();
      }
    }
    m.dispose();
    const row = (name: string, t: StepTiming, extra: Record<string, string | number> = {}): BenchRow => ({
      case: name,
      tokens: N,
      'tokens/s': (N / t.medianMs) * 1e3,
      'ms/token (median)': t.medianMs / N,
      'ms/token (min)': t.minMs / N,
      ...extra,
      runs: `${t.warmup}+${t.runs}`,
    });
    const vs = (t: StepTiming) => ({ 'vs tfjs-webgpu': ratio(theirs.webgpu, t), 'vs tfjs-wasm': ratio(theirs.wasm, t) });
    const rows: BenchRow[] = [
      row('webrnn, one submit a token', ours.perToken, { ...vs(ours.perToken), 'dispatches/token': c.dispatches / N, submits: c.submits }),
      row('webrnn, one submit for all', ours.oneSubmit, { ...vs(ours.oneSubmit), submits: 1 }),
    ];
    for (const b of ['webgpu', 'wasm'] as const) if (theirs[b]) rows.push(row(`tfjs-${b}, stateful predict loop`, theirs[b]!));
    ctx.note(
      `Generation: Embedding(${VOCAB}, ${EMBED}) → LSTM ${HIDDEN} ×${LAYERS} → Linear(${HIDDEN}, ${VOCAB}), batch 1, ${N} tokens sampled ` +
        '(multinomial, temperature 1) after a one-character prompt, the ids read back once at the end; wall time of the whole generation, median ' +
        "and min over the runs, per token. webrnn: nn.generate (the LSTM's step() and the sample kernel; nothing read back per token). tfjs: " +
        'stateful LSTM layers, model.predict + tf.multinomial each token, the sampled id tensor fed back as the next input. "vs" = tfjs median / webrnn median.',
    );
    for (const a of agree) ctx.note(a);
    if (!h) ctx.note('TensorFlow.js was skipped (--skip-tfjs or not installed).');
    return rows;
  },
};
