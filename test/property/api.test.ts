// A property-based test of the public API (fast-check): random option objects (valid, misspelled,
// foreign, wrong-typed), shapes, dtypes, lengths and states for every layer and cell, Linear,
// Embedding, the losses (class weights, label smoothing, ignoreIndex), the optimizers (amsgrad,
// momentum, Nesterov, centered) and loadStateDict. Each call either throws a webrnn: error
// naming the bad argument or matches the float64 reference (check.ts says exactly what is held).
// Seeded, a time budget per property, small shapes.
import fc from 'fast-check';
import { beforeAll, describe, test } from 'vitest';
import { binaryCrossEntropyWithLogits, crossEntropy, init, mseLoss, nn, optim, Tensor, tensor } from 'webrnn';
import type { CellKind } from '../../src/kernels/cells/index.js';
import { embeddingForwardRef } from '../../src/reference/embedding.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { adagradRef, adamRef, rmspropRef, sgdRef } from '../../src/reference/optim.js';
import { rnnForwardRef } from '../../src/reference/rnn_layer.js';
import { softmaxXentRef } from '../../src/reference/softmax.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';
import { holds, type Bad } from './check.js';

// A failure prints `{ seed, path }`: WEBRNN_PROPERTY_SEED=<seed> WEBRNN_PROPERTY_PATH=<path> replays it.
const SEED = Number(process.env.WEBRNN_PROPERTY_SEED ?? 14);
const PATH = process.env.WEBRNN_PROPERTY_PATH;
/** Per property: 7 properties stay well inside a minute on a software adapter. */
const BUDGET_MS = 6_000;
/** Checks `predicate` on up to 400 generated cases; cases past the time budget pass at once.
 *  (fast-check's interruptAfterTimeLimit would leave the interrupted case running in the
 *  background, disposing tensors while the next property counts them.) */
function run<T>(arb: fc.Arbitrary<T>, predicate: (c: T) => Promise<void>): Promise<void> {
  const deadline = performance.now() + BUDGET_MS;
  const p = fc.asyncProperty(arb, async (c) => {
    if (performance.now() < deadline) await predicate(c);
  });
  return fc.assert(p, { seed: SEED, path: PATH, numRuns: 400, endOnFailure: true });
}

beforeAll(async () => {
  await init();
});

/** An options object as a failure message shows it (tensors by dtype and shape, NaN as NaN). */
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof Tensor ? x.toString() : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
const f64 = async (t: Tensor) => Float64Array.from(await t.data());
const values = (n: number, seed: number) => roundF32(uniform(n, seed, -2, 2));
const f32 = (shape: number[], seed: number) => tensor(Float32Array.from(values(shape.reduce((a, b) => a * b, 1), seed)), shape);
const i32 = (v: ArrayLike<number>, shape = [v.length]) => tensor(Int32Array.from(v), shape, { dtype: 'int32' });

/** One change that makes an options object invalid, and the names its error may use. */
type Mutation = { apply: (o: Record<string, unknown>) => void; bad: Bad; label: string };
/** A mutation that counterexamples print by its label. */
const mutant = (label: string, bad: Bad, apply: Mutation['apply']): Mutation => ({ label, bad, apply, [fc.toStringMethod]: () => JSON.stringify(label) }) as Mutation;
const misspell = (right: string, wrong: string): Mutation => mutant(`${wrong} for ${right}`, [wrong], (o) => {
  o[wrong] = o[right] ?? 1;
  delete o[right];
});
const setTo = (key: string, value: unknown, bad: Bad = [key]): Mutation =>
  mutant(`${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`, bad, (o) => void (o[key] = value));
const mutation = (...ms: Mutation[]) => fc.option(fc.constantFrom(...ms), { freq: 2 });
const NOT_A_COUNT = [-1, 0, 1.5, NaN, Infinity, '2'];
const NOT_A_FLAG = ['yes', 1];

// ------------------------------------------------------------------ recurrent layers and cells

const LAYER_KINDS: Record<string, CellKind[]> = { RNN: ['rnn_tanh', 'rnn_relu'], LSTM: ['lstm'], GRU: ['gru', 'gru_reset_before'] };
const LAYER_MUTATIONS = [
  misspell('numLayers', 'num_layers'), misspell('batchFirst', 'batch_first'), misspell('hiddenSize', 'hidden_size'),
  misspell('bidirectional', 'bidirectonal'), setTo('learningRate', 0.1), setTo('units', 3), setTo('projSize', 2),
  ...['inputSize', 'hiddenSize', 'numLayers'].flatMap((k) => NOT_A_COUNT.map((v) => setTo(k, v))),
  ...['bias', 'batchFirst', 'bidirectional'].flatMap((k) => NOT_A_FLAG.map((v) => setTo(k, v))),
  ...[-0.1, 1, '0.5', NaN].map((v) => setTo('dropout', v)),
];

describe('property: recurrent layers (RNN, LSTM, GRU)', () => {
  const layerCase = fc.record({
    layer: fc.constantFrom('RNN', 'LSTM', 'GRU'), variant: fc.nat(1), I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }),
    L: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), batchFirst: fc.boolean(), bidirectional: fc.boolean(),
    dropout: fc.constantFrom(0, 0.25), T: fc.integer({ min: 1, max: 3 }), B: fc.integer({ min: 1, max: 3 }),
    lengths: fc.boolean(), state: fc.boolean(), seed: fc.nat(1000),
    optBad: mutation(...LAYER_MUTATIONS),
    callBad: fc.option(fc.constantFrom('rank', 'features', 'int32', 'length0', 'lengthT+1', 'lengthsCount', 'stateShape', 'stateInt32', 'stateForm'), { freq: 3 }),
  });
  test('every call throws a named webrnn: error or matches rnnForwardRef', () => run(layerCase, async (c) => {
    const kind = LAYER_KINDS[c.layer]![c.variant % LAYER_KINDS[c.layer]!.length]!;
    const o: Record<string, unknown> = { inputSize: c.I, hiddenSize: c.H, numLayers: c.L, bias: c.bias, batchFirst: c.batchFirst, bidirectional: c.bidirectional, dropout: c.dropout, seed: c.seed };
    if (kind === 'rnn_relu') o.nonlinearity = 'relu';
    if (kind === 'gru_reset_before') o.resetAfter = false;
    c.optBad?.apply(o);
    let layer: nn.RNN | nn.LSTM | nn.GRU | null = null;
    const make = () => (layer = c.layer === 'RNN' ? new nn.RNN(o as never) : c.layer === 'LSTM' ? new nn.LSTM(o as never) : new nn.GRU(o as never));
    await holds(`new nn.${c.layer}(${show(o)})`, c.optBad?.bad ?? [], make, async () => {});
    if (!layer) return;
    const m = layer as nn.RNN | nn.LSTM | nn.GRU;
    m.eval(); // dropout is the identity in eval mode, as in the reference
    const D = c.bidirectional ? 2 : 1;
    const { T, B, I, H, L } = c;
    const xShape = c.batchFirst ? [B, T, I] : [T, B, I];
    const bad = c.callBad;
    const x = bad === 'rank' ? f32([T * B, I], c.seed) : bad === 'features' ? f32([...xShape.slice(0, 2), I + 1], c.seed)
      : bad === 'int32' ? i32(new Int32Array(T * B * I), xShape) : f32(xShape, c.seed);
    const lengths = bad === 'length0' ? Array(B).fill(0) : bad === 'lengthT+1' ? Array(B).fill(T + 1) : bad === 'lengthsCount' ? Array(B + 1).fill(1)
      : c.lengths ? Array.from({ length: B }, (_, b) => 1 + ((b + c.seed) % T)) : undefined;
    const sShape = bad === 'stateShape' ? [L * D, B, H + 1] : [L * D, B, H];
    const h0 = c.state || bad?.startsWith('state') ? (bad === 'stateInt32' ? i32(new Int32Array(L * D * B * H), sShape) : f32(sShape, c.seed + 1)) : null;
    const c0 = h0 && c.layer === 'LSTM' ? f32(sShape, c.seed + 2) : null;
    const state: unknown = c.layer !== 'LSTM' ? (bad === 'stateForm' ? [h0] : h0) : bad === 'stateForm' ? h0 : h0 ? [h0, c0] : null;
    const callBad: Bad = !bad ? [] : bad.startsWith('length') ? ['lengths'] : bad.startsWith('state') ? ['h0', 'c0', 'state', 'hx']
      : ['input', `[${x.shape.join(', ')}]`];
    await holds(`${c.layer} ${show(o)} forward ${bad ?? ''}`, callBad, () => (m.forward as (...a: unknown[]) => unknown)(x, state, { lengths }), async (out) => {
      const [y, hc] = out as [Tensor, Tensor | [Tensor, Tensor]];
      const [hN, cN] = Array.isArray(hc) ? hc : [hc, null];
      const params = Object.fromEntries(await Promise.all([...m.namedParameters()].map(async ([n, p]) => [n, await f64(p)] as const)));
      const cfg = { mode: kind, inputSize: I, hiddenSize: H, numLayers: L, bias: c.bias, bidirectional: c.bidirectional, batchFirst: c.batchFirst };
      const ref = rnnForwardRef(cfg, params, { x: await f64(x), seqLen: T, batch: B, h0: h0 ? await f64(h0) : undefined, c0: c0 ? await f64(c0) : undefined, lengths });
      expectAllClose(await y.data(), ref.y, TOL.bptt);
      expectAllClose(await hN.data(), ref.hN, TOL.bptt);
      if (cN) expectAllClose(await cN.data(), ref.cN!, TOL.bptt);
    }, m);
    for (const t of [x, h0, c0]) t?.dispose();
    m.dispose();
  }));

  const cellCase = fc.record({
    layer: fc.constantFrom('RNNCell', 'LSTMCell', 'GRUCell'), I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }),
    bias: fc.boolean(), B: fc.integer({ min: 1, max: 3 }), state: fc.boolean(), seed: fc.nat(1000),
    sizeBad: fc.option(fc.constantFrom(...NOT_A_COUNT), { freq: 4 }),
    optBad: mutation(misspell('bias', 'use_bias'), setTo('units', 2), ...NOT_A_FLAG.map((v) => setTo('bias', v))),
    callBad: fc.option(fc.constantFrom('rank', 'features', 'stateShape', 'stateForm'), { freq: 3 }),
  });
  test('cells: every call throws a named webrnn: error or matches one reference step', () => run(cellCase, async (c) => {
    const o: Record<string, unknown> = { bias: c.bias, seed: c.seed };
    c.optBad?.apply(o);
    const I = c.sizeBad ?? c.I;
    let cell: nn.RNNCell | nn.LSTMCell | nn.GRUCell | null = null;
    const make = () => (cell = new (nn[c.layer as 'RNNCell'])(I as number, c.H, o as never));
    const sizeBad: Bad = c.sizeBad === null ? [] : ['inputSize'];
    await holds(`new nn.${c.layer}(${String(I)}, ${c.H}, ${show(o)})`, [...sizeBad, ...(c.optBad?.bad ?? [])], make, async () => {});
    if (!cell) return;
    const m = cell as nn.RNNCell | nn.LSTMCell | nn.GRUCell;
    const { B, H } = c;
    const x = c.callBad === 'rank' ? f32([1, B, c.I], c.seed) : f32([B, c.callBad === 'features' ? c.I + 1 : c.I], c.seed);
    const h = c.state || c.callBad?.startsWith('state') ? f32([B, c.callBad === 'stateShape' ? H + 2 : H], c.seed + 1) : null;
    const cs = h && c.layer === 'LSTMCell' ? f32([B, H], c.seed + 2) : null;
    const state: unknown = c.layer === 'LSTMCell' ? (c.callBad === 'stateForm' ? h : h ? [h, cs] : null) : c.callBad === 'stateForm' ? [h] : h;
    const bad: Bad = !c.callBad ? [] : c.callBad.startsWith('state') ? ['h', 'c', 'state', 'hx'] : ['input', `[${x.shape.join(', ')}]`];
    await holds(`${c.layer} forward ${c.callBad ?? ''}`, bad, () => (m.forward as (...a: unknown[]) => unknown)(x, state), async (out) => {
      const [hN, cN] = Array.isArray(out) ? (out as Tensor[]) : [out as Tensor, null];
      const params = Object.fromEntries(await Promise.all([...m.namedParameters()].map(async ([n, p]) => [`${n}_l0`, await f64(p)] as const)));
      const mode: CellKind = c.layer === 'LSTMCell' ? 'lstm' : c.layer === 'GRUCell' ? 'gru' : 'rnn_tanh';
      const cfg = { mode, inputSize: c.I, hiddenSize: H, numLayers: 1, bias: c.bias, bidirectional: false, batchFirst: false };
      const ref = rnnForwardRef(cfg, params, { x: await f64(x), seqLen: 1, batch: B, h0: h ? await f64(h) : undefined, c0: cs ? await f64(cs) : undefined });
      expectAllClose(await hN!.data(), ref.hN, TOL.bptt);
      if (cN) expectAllClose(await cN.data(), ref.cN!, TOL.bptt);
    }, m);
    for (const t of [x, h, cs]) t?.dispose();
    m.dispose();
  }));
});

// ------------------------------------------------------------------ Linear and Embedding

describe('property: Linear and Embedding', () => {
  const linearCase = fc.record({
    inF: fc.integer({ min: 1, max: 4 }), outF: fc.integer({ min: 1, max: 4 }), bias: fc.boolean(), lead: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    seed: fc.nat(1000), sizeBad: fc.option(fc.constantFrom(...NOT_A_COUNT), { freq: 4 }),
    optBad: mutation(misspell('bias', 'use_bias'), setTo('activation', 'relu'), setTo('units', 2), ...NOT_A_FLAG.map((v) => setTo('bias', v))),
    callBad: fc.option(fc.constantFrom('features', 'int32'), { freq: 3 }),
  });
  test('Linear: a named webrnn: error or x·Wᵀ + b (matmulRef)', () => run(linearCase, async (c) => {
    const o: Record<string, unknown> = { bias: c.bias, seed: c.seed };
    c.optBad?.apply(o);
    let lin: nn.Linear | null = null;
    const inF = c.sizeBad ?? c.inF;
    await holds(`new nn.Linear(${String(inF)}, ${c.outF}, ${show(o)})`, [...(c.sizeBad === null ? [] : ['inFeatures', 'nn.Linear(']), ...(c.optBad?.bad ?? [])],
      () => (lin = new nn.Linear(inF as number, c.outF, o as never)), async () => {});
    if (!lin) return;
    const m = lin as nn.Linear;
    const shape = [...c.lead, c.callBad === 'features' ? c.inF + 1 : c.inF];
    const x = c.callBad === 'int32' ? i32(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape) : f32(shape, c.seed);
    const bad: Bad = c.callBad ? ['input', 'int32', `[${shape.join(', ')}]`] : [];
    await holds(`Linear forward ${JSON.stringify(shape)}`, bad, () => m.forward(x), async (y) => {
      const rows = x.size / c.inF;
      const want = matmulRef(await f64(x), await f64(m.weight), { batch: 1, m: rows, n: c.outF, k: c.inF, transB: true }, { bias: m.bias ? await f64(m.bias) : undefined });
      expectAllClose(await y.data(), want, TOL.reduction);
    }, m);
    x.dispose();
    m.dispose();
  }));

  const embeddingCase = fc.record({
    num: fc.integer({ min: 1, max: 5 }), dim: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 6 }), seed: fc.nat(1000),
    optBad: mutation(misspell('paddingIdx', 'padding_idx'), setTo('maxNorm', 1), setTo('units', 2)),
    callBad: fc.option(fc.constantFrom('float32'), { freq: 4 }),
  });
  test('Embedding: a named webrnn: error or the looked-up rows (embeddingForwardRef)', () => run(embeddingCase, async (c) => {
    const o: Record<string, unknown> = { seed: c.seed };
    c.optBad?.apply(o);
    let emb: nn.Embedding | null = null;
    await holds(`new nn.Embedding(${c.num}, ${c.dim}, ${show(o)})`, c.optBad?.bad ?? [], () => (emb = new nn.Embedding(c.num, c.dim, o as never)), async () => {});
    if (!emb) return;
    const m = emb as nn.Embedding;
    const idx = Array.from({ length: c.n }, (_, i) => (i * 7 + c.seed) % c.num);
    const indices = c.callBad ? tensor(Float32Array.from(idx), [c.n]) : i32(idx);
    await holds('Embedding forward', c.callBad ? ['indices', 'int32', 'float32'] : [], () => m.forward(indices), async (y) => {
      expectAllClose(await y.data(), embeddingForwardRef(await f64(m.weight), c.num, c.dim, idx), TOL.elementwise);
    }, m);
    indices.dispose();
    m.dispose();
  }));
});

// ------------------------------------------------------------------ losses

describe('property: losses', () => {
  const lossCase = fc.record({
    loss: fc.constantFrom('crossEntropy', 'mseLoss', 'binaryCrossEntropyWithLogits'), N: fc.integer({ min: 1, max: 4 }), C: fc.integer({ min: 1, max: 4 }),
    reduction: fc.constantFrom(undefined, 'mean', 'sum', 'none'), ignore: fc.boolean(), seed: fc.nat(1000),
    classWeight: fc.boolean(), labelSmoothing: fc.constantFrom(0, 0.1),
    optBad: mutation(setTo('reduction', 'avg'), setTo('reduction', 'elementwise_mean'), misspell('reduction', 'Reduction'), setTo('ignore_index', 0), setTo('size_average', true)),
    callBad: fc.option(fc.constantFrom('shape', 'targetsDtype'), { freq: 3 }),
  });
  test('a named webrnn: error or the reference loss (mean, sum, none; ignoreIndex)', () => run(lossCase, async (c) => {
    const { N, C } = c;
    const o: Record<string, unknown> = c.reduction ? { reduction: c.reduction } : {};
    const ignoreIndex = c.loss === 'crossEntropy' && c.ignore ? c.seed % C : undefined;
    if (ignoreIndex !== undefined) o.ignoreIndex = ignoreIndex;
    const weights = c.loss === 'crossEntropy' && c.classWeight ? values(C, c.seed + 3).map((v) => 1 + v / 4) : null;
    const weight = weights && tensor(Float32Array.from(weights), [C]);
    if (weight) o.weight = weight;
    if (c.loss === 'crossEntropy' && c.labelSmoothing) o.labelSmoothing = c.labelSmoothing;
    c.optBad?.apply(o);
    const x = f32([N, C], c.seed);
    const cls = Array.from({ length: N }, (_, i) => (i + c.seed) % C);
    let target: Tensor;
    let bad: Bad = c.optBad?.bad ?? [];
    if (c.loss === 'crossEntropy') {
      target = c.callBad === 'targetsDtype' ? tensor(Float32Array.from(cls), [N]) : c.callBad === 'shape' ? i32([...cls, 0]) : i32(cls);
      if (c.callBad) bad = [...bad, 'targets'];
    } else {
      target = c.callBad === 'shape' ? f32([N, C + 1], c.seed + 1) : c.loss === 'binaryCrossEntropyWithLogits' ? tensor(Float32Array.from(values(N * C, c.seed + 1), (v) => (v > 0 ? 1 : 0)), [N, C]) : f32([N, C], c.seed + 1);
      if (c.callBad === 'shape') bad = [...bad, 'target', `[${N}, ${C + 1}]`];
    }
    const fn = { crossEntropy, mseLoss, binaryCrossEntropyWithLogits }[c.loss] as (a: Tensor, b: Tensor, o: unknown) => Tensor;
    await holds(`${c.loss}(${show(o)}) ${c.callBad ?? ''}`, bad, () => fn(x, target, o), async (loss) => {
      const xs = await f64(x);
      const ts = await f64(target);
      let rows: Float64Array;
      let count = N * C;
      if (c.loss === 'crossEntropy') {
        rows = softmaxXentRef(xs, ts, { n: N, c: C }, ignoreIndex, { weight: weights, labelSmoothing: c.labelSmoothing }).loss;
        // PyTorch's mean: over the rows not ignored, each counted by its target's class weight
        count = cls.filter((t) => t !== ignoreIndex).reduce((a, t) => a + (weights ? weights[t]! : 1), 0);
      } else if (c.loss === 'mseLoss') rows = xs.map((v, i) => (v - ts[i]!) ** 2);
      else rows = xs.map((v, i) => Math.max(v, 0) - v * ts[i]! + Math.log1p(Math.exp(-Math.abs(v))));
      const total = rows.reduce((a, b) => a + b, 0);
      const want = (c.reduction ?? 'mean') === 'none' ? rows : c.reduction === 'sum' ? [total] : [total / count];
      expectAllClose(await loss.data(), want, TOL.reduction);
    });
    for (const t of [x, target, weight]) t?.dispose();
  }));
});

// ------------------------------------------------------------------ optimizers

const OPTIMIZERS = ['SGD', 'Adam', 'AdamW', 'Adagrad', 'RMSprop'] as const;
type OptName = (typeof OPTIMIZERS)[number];
const DEFAULTS: Record<OptName, Record<string, number | boolean>> = {
  SGD: { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  Adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  AdamW: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 },
  Adagrad: { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10 },
  RMSprop: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
};

/** `steps` updates of the reference from the same start, with the optimizer's full options. */
function optimizerRef(name: OptName, o: Record<string, number | boolean>, p0: Float64Array, g: Float64Array, steps: number): Float64Array {
  const p = Float64Array.from(p0);
  const [s1, s2, s3] = [0, 1, 2].map(() => new Float64Array(p.length));
  const amsgrad = !!o.amsgrad;
  const n = (k: string) => o[k] as number;
  for (let step = 1; step <= steps; step++) {
    if (name === 'SGD') sgdRef(p, g, s1!, { lr: n('lr'), momentum: n('momentum'), dampening: n('dampening'), weightDecay: n('weightDecay'), nesterov: !!o.nesterov, firstStep: step === 1 });
    else if (name === 'Adam' || name === 'AdamW') adamRef(p, g, s1!, s2!, { lr: n('lr'), beta1: n('beta1'), beta2: n('beta2'), eps: n('eps'), weightDecay: n('weightDecay'), step, decoupled: name === 'AdamW', amsgrad }, s3!);
    else if (name === 'Adagrad') adagradRef(p, g, s1!, { lr: n('lr'), lrDecay: n('lrDecay'), weightDecay: n('weightDecay'), eps: n('eps'), step });
    else rmspropRef(p, g, s1!, s2!, s3!, { lr: n('lr'), alpha: n('alpha'), eps: n('eps'), weightDecay: n('weightDecay'), momentum: n('momentum'), centered: !!o.centered });
  }
  return p;
}

describe('property: optimizers', () => {
  const optCase = fc.record({
    name: fc.constantFrom(...OPTIMIZERS), n: fc.integer({ min: 1, max: 5 }), seed: fc.nat(1000), lrAsNumber: fc.boolean(),
    lr: fc.constantFrom(0.5, 0.1, 1e-3), momentum: fc.constantFrom(0, 0.9), weightDecay: fc.constantFrom(0, 0.1), flag: fc.boolean(),
    optBad: mutation(setTo('learningRate', 0.1), misspell('weightDecay', 'weight_decay'), setTo('lr', -1), setTo('lr', '0.1'), setTo('lr', NaN), setTo('foo', 1)),
  });
  test('a named webrnn: error, or two steps that match the torch.optim rule (src/reference/optim.ts)', () => run(optCase, async (c) => {
    const o: Record<string, unknown> = { lr: c.lr, weightDecay: c.weightDecay };
    if (c.name === 'SGD') Object.assign(o, { momentum: c.momentum, nesterov: c.flag && c.momentum > 0 });
    if (c.name === 'RMSprop') Object.assign(o, { momentum: c.momentum, centered: c.flag });
    if (c.name === 'Adam' || c.name === 'AdamW') o.amsgrad = c.flag;
    c.optBad?.apply(o);
    const p = f32([c.n], c.seed);
    p.requiresGrad = true;
    const p0 = await f64(p);
    const g = values(c.n, c.seed + 1);
    let opt: optim.SGD | null = null;
    const asNumber = c.lrAsNumber && !c.optBad && c.name !== 'SGD' && c.weightDecay === 0 && !c.flag;
    const args = asNumber ? c.lr : o; // a number as the second argument is the lr, as in PyTorch
    await holds(`new optim.${c.name}(params, ${show(args)})`, c.optBad?.bad ?? [], () => (opt = new (optim[c.name] as typeof optim.SGD)([p], args as never)), async () => {});
    if (opt) {
      const o2 = opt as optim.SGD;
      p.grad = tensor(Float32Array.from(g), [c.n]).keep();
      await holds(`${c.name}.step() ×2`, [], () => (o2.step(), o2.step()), async () => {
        const full = { ...DEFAULTS[c.name], ...(asNumber ? { lr: c.lr } : o) } as Record<string, number | boolean>;
        expectAllClose(await p.data(), optimizerRef(c.name, full, p0, g, 2), TOL.reduction);
      });
      o2.dispose();
      p.grad.dispose();
    }
    p.dispose();
  }));
});

// ------------------------------------------------------------------ loadStateDict

describe('property: loadStateDict', () => {
  const recordCase = fc.record({
    seed: fc.nat(1000), asArray: fc.boolean(),
    bad: fc.option(fc.constantFrom('missing', 'extra', 'shape', 'int32', 'length', 'disposed'), { freq: 2 }),
  });
  test('a named webrnn: error (naming the entry) with the module untouched, or every value loaded', () => run(recordCase, async (c) => {
    const m = new nn.LSTM({ inputSize: 2, hiddenSize: 2, seed: 1 });
    const names = [...m.namedParameters()].map(([n]) => n);
    const victim = names[c.seed % names.length]!;
    const record: Record<string, Tensor | Float32Array> = {};
    const made: Tensor[] = [];
    for (const [n, p] of m.namedParameters()) {
      const v = Float32Array.from(values(p.size, c.seed + n.length));
      if (c.asArray) record[n] = v;
      else made.push((record[n] = tensor(v, [...p.shape])));
    }
    let bad: Bad = [];
    const shape = [...m.stateDict()[victim]!.shape];
    if (c.bad === 'missing') delete record[victim];
    if (c.bad === 'extra') record[`${victim}_x`] = new Float32Array(1);
    if (c.bad === 'shape') made.push((record[victim] = tensor(new Float32Array(shape[0]! + 1), [shape[0]! + 1])));
    if (c.bad === 'int32') made.push((record[victim] = tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape, { dtype: 'int32' })));
    if (c.bad === 'length') record[victim] = new Float32Array(1);
    if (c.bad === 'disposed') {
      const t = tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      t.dispose();
      record[victim] = t;
    }
    if (c.bad) bad = [c.bad === 'extra' ? `${victim}_x` : victim];
    await holds(`loadStateDict ${c.bad ?? ''} ${victim}`, bad, () => m.loadStateDict(record), async () => {
      for (const [n, p] of m.namedParameters()) {
        const v = record[n]!;
        expectAllClose(await p.data(), v instanceof Float32Array ? v : await v.data(), TOL.elementwise);
      }
    }, m);
    for (const t of made) t.dispose();
    m.dispose();
  }));
});
