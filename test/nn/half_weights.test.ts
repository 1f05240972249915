// Module.halfWeights(): nn.LSTM, nn.GRU and nn.Linear read their weights as binary16 (f32 sums) under
// noGrad. Two checks of the results: on weights already f16-representable, the f16 path must
// agree with the float32 path as closely as two float32 summation orders (only the order
// differs); on arbitrary weights, with the f32 path within the stated f16 tolerance F16_TOL. Both
// views run (shader-f16 where the adapter has it, u32 pairs always), on shapes that take the
// simple and the blocked step kernels. Plus what is refused, by name, and the snapshot rules.
import { afterAll, describe, expect, test } from 'vitest';
import { counters, init, nn, noGrad, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import type { HalfView } from '../../src/kernels/half.js';
import { roundHalf } from '../../src/reference/half.js';
import { firstMismatch, reductionTol, type Tolerance } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

await init();
const g = gpu();
const VIEWS: HalfView[] = g.features.shaderF16 ? ['native', 'packed'] : ['packed'];
afterAll(() => {
  delete g.tuning.halfView;
});

/** f16 weights against float32 ones: each weight moves by up to 2⁻¹¹ (≈ 4.9e-4) relative; an output
 *  here (a sum of ≤ 72 products of weights ~U(±1/√H) with values ≤ 1, through tanh/σ) moves by
 *  that times a few random-sign terms. Measured worst |Δ| on these cases: 2.6e-5 (lavapipe, both
 *  views); the bound leaves ~8× room. */
const F16_TOL: Tolerance = { rtol: 1e-3, atol: 2e-4 };

interface Case { cell: 'lstm' | 'gru'; layers: number; D: 1 | 2; T: number; B: number; I: number; H: number; out: number }
const CASES: Case[] = [
  { cell: 'lstm', layers: 2, D: 2, T: 4, B: 8, I: 5, H: 16, out: 3 }, // blocked steps where the adapter allows
  { cell: 'lstm', layers: 1, D: 1, T: 1, B: 1, I: 3, H: 5, out: 7 }, // simple steps, batch 1, length 1
  { cell: 'lstm', layers: 1, D: 1, T: 3, B: 5, I: 9, H: 72, out: 33 }, // past one workgroup of units
  { cell: 'gru', layers: 2, D: 2, T: 3, B: 6, I: 4, H: 24, out: 5 },
  { cell: 'gru', layers: 1, D: 1, T: 2, B: 2, I: 3, H: 7, out: 4 },
];

function model(c: Case, seed: number, xSeed = seed + 2): { lstm: nn.LSTM | nn.GRU; head: nn.Linear; x: Tensor; run: () => Tensor } {
  const opts = { inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bidirectional: c.D === 2, seed };
  const lstm = c.cell === 'lstm' ? new nn.LSTM(opts) : new nn.GRU(opts);
  const head = new nn.Linear(c.D * c.H, c.out, { seed: seed + 1 });
  const x = tensor(Float32Array.from(uniform(c.T * c.B * c.I, xSeed)), [c.T, c.B, c.I]).keep();
  const run = () => noGrad(() => tidy(() => head.forward(lstm.forward(x)[0])));
  return { lstm, head, x, run };
}

async function values(t: Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

/** Replaces every weight matrix with its f16-rounded values, so f16 storage changes nothing. */
function roundWeights(m: nn.LSTM | nn.GRU | nn.Linear): Promise<void> {
  return Promise.all(Object.entries(m.stateDict()).map(async ([n, p]) => [n, p.rank >= 2 ? Float32Array.from(roundHalf(await p.data())) : await p.data()] as const))
    .then((entries) => m.loadStateDict(Object.fromEntries(entries) as Record<string, Float32Array>));
}

describe.each(VIEWS)('halfWeights (%s)', (view) => {
  test.each(CASES)('f16-representable weights: f16 path = f32 path up to summation order %o', async (c) => {
    g.tuning.halfView = view;
    const m = model(c, 40 + c.H);
    await roundWeights(m.lstm);
    await roundWeights(m.head);
    const want = await values(m.run());
    m.lstm.halfWeights();
    m.head.halfWeights();
    resetCounters();
    const got = await values(m.run());
    const ran = [...counters().byKernel.keys()];
    const base = `${c.cell}_step_forward`;
    expect(ran.some((k) => new RegExp(`^${base}(_blocked)?_(half|packed)(_fused_input)?$`).test(k)), ran.join()).toBe(true);
    expect(ran.filter((k) => /^matmul(_blocked)?_(half|packed)_b$/.test(k)).length, ran.join()).toBeGreaterThan(0);
    expect(ran.filter((k) => /^matmul(_blocked)?$/.test(k)), ran.join()).toEqual([]);
    expect(ran.filter((k) => new RegExp(`^${base}(_blocked)?(_fused_input)?$`).test(k)), ran.join()).toEqual([]);
    const m1 = firstMismatch(got, want, reductionTol(c.D * c.H, 4));
    expect(m1, m1 ?? '').toBeNull();
    for (const t of [m.lstm, m.head, m.x]) t.dispose();
  });

  test.each(CASES)('arbitrary weights: within F16_TOL of the f32 path %o', async (c) => {
    g.tuning.halfView = view;
    const m = model(c, 70 + c.H);
    const want = await values(m.run());
    m.lstm.halfWeights();
    m.head.halfWeights();
    const got = await values(m.run());
    const m1 = firstMismatch(got, want, F16_TOL);
    expect(m1, m1 ?? '').toBeNull();
    // Not the f32 path by accident: f16 rounding moves some output.
    expect(got.some((v, i) => v !== want[i])).toBe(true);
    for (const t of [m.lstm, m.head, m.x]) t.dispose();
  });
});

describe('halfWeights: snapshot rules and refusals', () => {
  const c = CASES[0]!;

  test('loadStateDict refreshes the copies; halfWeights(false) returns to the f32 path exactly', async () => {
    const a = model(c, 5, 1);
    const b = model(c, 6, 1); // other weights, the same input
    const f32b = await values(b.run());
    const f32a = await values(a.run());
    a.lstm.halfWeights();
    a.head.halfWeights();
    a.lstm.loadStateDict(b.lstm.stateDict());
    a.head.loadStateDict(b.head.stateDict());
    const m1 = firstMismatch(await values(a.run()), f32b, F16_TOL);
    expect(m1, m1 ?? '').toBeNull();
    a.lstm.halfWeights(false);
    a.head.halfWeights(false);
    expect(Array.from(await values(a.run()))).toEqual(Array.from(f32b));
    expect(f32a.some((v, i) => v !== f32b[i])).toBe(true); // the load changed something
    for (const t of [a.lstm, a.head, a.x, b.lstm, b.head, b.x]) t.dispose();
  });

  test('a recorded forward is refused by name; halfWeights(false) trains again', () => {
    const m = model(c, 9);
    m.lstm.halfWeights();
    m.head.halfWeights();
    expect(() => tidy(() => m.lstm.forward(m.x))).toThrow(/webrnn: nn\.LSTM: f16 weights \(halfWeights\(\)\) are for inference: run the forward under noGrad\(\)/);
    const h = tensor(new Float32Array(2 * c.D * c.H), [2, c.D * c.H]);
    expect(() => tidy(() => m.head.forward(h))).toThrow(/webrnn: linear: f16 weights are for inference/);
    m.lstm.halfWeights(false);
    m.head.halfWeights(false);
    tidy(() => m.head.forward(m.lstm.forward(m.x)[0]).sum().backward());
    expect(m.head.weight.grad).not.toBeNull();
    for (const t of [m.lstm, m.head, m.x, h]) t.dispose();
  });

  test('modules without f16 kernels are refused by name, before anything changes', () => {
    const seq = new nn.Sequential(new nn.Linear(4, 4), new nn.GRU({ inputSize: 4, hiddenSize: 4, resetAfter: false }));
    expect(() => seq.halfWeights()).toThrow(/webrnn: halfWeights: 1 \(GRU\) has no kernels for f16 weights \(its parameter 'weight_ih_l0' \[12, 4\]\); f16 weights cover nn\.LSTM, nn\.GRU \(resetAfter, the default\) and nn\.Linear/);
    const rnn = new nn.RNN({ inputSize: 2, hiddenSize: 3 });
    expect(() => rnn.halfWeights()).toThrow(/webrnn: halfWeights: the module \(RNN\) has no kernels for f16 weights/);
    rnn.dispose();
    expect([...seq.namedModules()].every(([, m]) => !m.halfWeightsEnabled)).toBe(true);
    const conv = new nn.Conv1d(2, 3, 3);
    expect(() => conv.halfWeights()).toThrow(/webrnn: halfWeights: the module \(Conv1d\) has no kernels for f16 weights/);
    // An embedding table stays float32 by design: accepted.
    const emb = new nn.Embedding(10, 4);
    expect(emb.halfWeights().halfWeightsEnabled).toBe(true);
    for (const m of [seq, conv, emb]) m.dispose();
  });

  test('step() (batch 2: the simple kernels, a fused token step) reads the f16 copies and agrees with forward()', async () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, seed: 3 });
    const x = tensor(Float32Array.from(roundF32(uniform(2 * 3, 4))), [1, 2, 3]);
    lstm.halfWeights();
    g.tuning.fusedInput = false; // the reference: xproj from the binary16 W_ih matmul, then the steps
    const want = await values(noGrad(() => tidy(() => lstm.forward(x)[0])));
    delete g.tuning.fusedInput;
    resetCounters();
    const got = await values(noGrad(() => tidy(() => {
      const s = lstm.initialState(2);
      const [y] = lstm.step(x.view([2, 3]), s);
      return y;
    })));
    // A token step fuses its input projection (float32 W_ih) into the f16-W_hh kernel.
    const ran = [...counters().byKernel.keys()];
    expect(ran.filter((k) => /^lstm_step_forward_(half|packed)_fused_input$/.test(k)).length, ran.join()).toBe(1);
    expect(ran.filter((k) => /^lstm_step_forward(_fused_input)?$/.test(k)), ran.join()).toEqual([]);
    // The token step reads W_ih as float32 (fused), the forward's matmul as f16: F16_TOL apart.
    const m1 = firstMismatch(got, want, F16_TOL);
    expect(m1, m1 ?? '').toBeNull();
    for (const t of [lstm, x]) t.dispose();
  });
});
