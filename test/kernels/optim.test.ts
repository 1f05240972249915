// Optimizer kernels vs their CPU twins: several steps of every option combination that changes the
// math, comparing the parameters and every state tensor, plus closed-form checks of the twins.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, zeros, type Tensor } from 'webrnn';
import {
  adagradStep, adamPairStep, adamStep, rmspropStep, sgdStep,
  type AdagradOptions, type AdamOptions, type RmspropOptions, type SgdOptions,
} from '../../src/kernels/optim.js';
import { adagradRef, adamRef, rmspropRef, sgdRef } from '../../src/reference/optim.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const SIZES = [1, 7, 257, 1000];
const STEPS = 6;

/** One optimizer under test: its state count and how to take a step on the GPU and on the CPU. */
interface Case<O> {
  name: string;
  o: (step: number) => O;
  states: number;
  init?: number; // initial value of the states (Adagrad's initial_accumulator_value)
  gpu: (p: Tensor, g: Tensor, s: Tensor[], o: O) => void;
  ref: (p: Float64Array, g: Float64Array, s: Float64Array[], o: O) => void;
}

const sgdCase = (name: string, base: Omit<SgdOptions, 'firstStep'>): Case<SgdOptions> => ({
  name,
  o: (step) => ({ ...base, firstStep: step === 1 }),
  states: 1,
  gpu: (p, g, [b], o) => sgdStep(p, g, o.momentum ? b! : null, o),
  ref: (p, g, [b], o) => sgdRef(p, g, o.momentum ? b! : null, o),
});
const adamCase = (name: string, base: Omit<AdamOptions, 'step'>): Case<AdamOptions> => ({
  name,
  o: (step) => ({ ...base, step }),
  states: 3,
  gpu: (p, g, [m, v, vMax], o) => adamStep(p, g, m!, v!, o, o.amsgrad ? vMax! : null),
  ref: (p, g, [m, v, vMax], o) => adamRef(p, g, m!, v!, o, o.amsgrad ? vMax! : null),
});
const adagradCase = (name: string, base: Omit<AdagradOptions, 'step'>, init: number): Case<AdagradOptions> => ({
  name,
  o: (step) => ({ ...base, step }),
  states: 1,
  init,
  gpu: (p, g, [s], o) => adagradStep(p, g, s!, o),
  ref: (p, g, [s], o) => adagradRef(p, g, s!, o),
});
const rmspropCase = (name: string, o: RmspropOptions): Case<RmspropOptions> => ({
  name,
  o: () => o,
  states: 3,
  gpu: (p, g, [sq, b, ga], o) => rmspropStep(p, g, sq!, o.momentum ? b! : null, o.centered ? ga! : null, o),
  ref: (p, g, [sq, b, ga], o) => rmspropRef(p, g, sq!, o.momentum ? b! : null, o.centered ? ga! : null, o),
});

const adamBase = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
const rmsBase = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };
const CASES: Case<any>[] = [
  sgdCase('sgd plain', { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }),
  sgdCase('sgd weight decay', { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.05, nesterov: false }),
  sgdCase('sgd momentum + dampening + wd', { lr: 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.01, nesterov: false }),
  sgdCase('sgd nesterov + wd', { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true }),
  adamCase('adam', adamBase),
  adamCase('adam L2 weight decay', { ...adamBase, weightDecay: 0.1 }),
  adamCase('adamw', { ...adamBase, weightDecay: 0.1, decoupled: true }),
  adamCase('adam beta2 0.9 eps 1e-3', { ...adamBase, beta1: 0.5, beta2: 0.9, eps: 1e-3 }),
  adamCase('adam amsgrad', { ...adamBase, beta2: 0.9, amsgrad: true }),
  adamCase('adamw amsgrad', { ...adamBase, weightDecay: 0.1, decoupled: true, amsgrad: true }),
  adagradCase('adagrad', { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10 }, 0),
  adagradCase('adagrad lr decay + wd + initial accumulator', { lr: 0.1, lrDecay: 0.3, weightDecay: 0.05, eps: 1e-10 }, 0.1),
  rmspropCase('rmsprop', rmsBase),
  rmspropCase('rmsprop centered', { ...rmsBase, centered: true }),
  rmspropCase('rmsprop momentum + wd', { ...rmsBase, momentum: 0.9, weightDecay: 0.01 }),
  rmspropCase('rmsprop centered + momentum + wd', { ...rmsBase, momentum: 0.5, weightDecay: 0.01, centered: true, alpha: 0.9 }),
];

async function compare<O>(c: Case<O>, p0: Float64Array, grads: Float64Array[]): Promise<void> {
  const n = p0.length;
  const p = tensor(Float32Array.from(p0), [n]);
  const states = Array.from({ length: c.states }, () => tensor(new Float32Array(n).fill(c.init ?? 0), [n]));
  const pRef = Float64Array.from(p0);
  const sRef = Array.from({ length: c.states }, () => roundF32(new Float64Array(n).fill(c.init ?? 0)));
  resetCounters();
  for (let step = 1; step <= grads.length; step++) {
    const g = tensor(Float32Array.from(grads[step - 1]!), [n]);
    c.gpu(p, g, states, c.o(step));
    c.ref(pRef, grads[step - 1]!, sRef, c.o(step));
    g.dispose();
  }
  expect(counters().readbacks).toBe(0); // updates are recorded, never read back
  expectAllClose(await p.data(), pRef, TOL.elementwise);
  for (let k = 0; k < c.states; k++) expectAllClose(await states[k]!.data(), sRef[k]!, TOL.elementwise);
  for (const t of [p, ...states]) t.dispose();
}

describe.each(SIZES)('optimizer steps, n = %i', (n) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s matches its CPU twin over 6 steps', async (_, c) => {
    const p0 = roundF32(uniform(n, 11 * n + 1));
    const grads = Array.from({ length: STEPS }, (_, s) => roundF32(uniform(n, 1000 * s + n, -1, 1)));
    await compare(c, p0, grads);
  });
});

describe('adam_pair: two parameters a launch', () => {
  // Sizes around the 256-wide workgroup and the split between the two; the second parameter has
  // taken 2 steps more (its own bias corrections).
  test.each([
    [1, 1000, adamBase], [257, 7, { ...adamBase, weightDecay: 0.1 }], [300, 5000, { ...adamBase, weightDecay: 0.1, decoupled: true }],
  ] as const)('n0 = %i, n1 = %i match the twin over 4 steps', async (n0, n1, base) => {
    const sizes = [n0, n1];
    const ps = sizes.map((n, k) => roundF32(uniform(n, 31 * n + k)));
    const t = sizes.map((n, k) => ({ p: tensor(Float32Array.from(ps[k]!), [n]), m: zeros([n]), v: zeros([n]) }));
    const ref = sizes.map((n, k) => ({ p: Float64Array.from(ps[k]!), m: new Float64Array(n), v: new Float64Array(n) }));
    resetCounters();
    for (let step = 1; step <= 4; step++) {
      const gs = sizes.map((n, k) => roundF32(uniform(n, 100 * step + k, -1, 1)));
      const g = gs.map((v, k) => tensor(Float32Array.from(v), [sizes[k]!]));
      const steps = [step, step + 2];
      adamPairStep({ ...t[0]!, g: g[0]!, step: steps[0]! }, { ...t[1]!, g: g[1]!, step: steps[1]! }, base);
      ref.forEach((r, k) => adamRef(r.p, gs[k]!, r.m, r.v, { ...base, step: steps[k]! }));
      for (const x of g) x.dispose();
    }
    expect(Object.fromEntries(counters().byKernel)).toEqual({ adam_pair: 4 });
    for (let k = 0; k < 2; k++) {
      expectAllClose(await t[k]!.p.data(), ref[k]!.p, TOL.elementwise);
      expectAllClose(await t[k]!.m.data(), ref[k]!.m, TOL.elementwise);
      expectAllClose(await t[k]!.v.data(), ref[k]!.v, TOL.elementwise);
    }
    for (const x of t) for (const y of [x.p, x.m, x.v]) y.dispose();
  });

  test('refuses amsgrad and two parameters sharing a buffer, before recording anything', () => {
    const [p, g, m, v, q, m2, v2] = Array.from({ length: 7 }, () => zeros([3]));
    const a = { p: p!, g: g!, m: m!, v: v!, step: 1 };
    resetCounters();
    expect(() => adamPairStep(a, { p: q!, g: g!, m: m2!, v: v2!, step: 1 }, { ...adamBase, amsgrad: true })).toThrow(/pair launch has no amsgrad/);
    expect(() => adamPairStep(a, { p: q!, g: g!, m: m!, v: v2!, step: 1 }, adamBase)).toThrow(/two parameters of a pair launch share a buffer/);
    expect(counters().dispatches).toBe(0);
    for (const x of [p, g, m, v, q, m2, v2]) x!.dispose();
  });
});

describe('non-finite values', () => {
  // NaN and ±Inf in the gradient and the parameter must come out exactly where the twin puts them.
  const p0 = roundF32([0.5, NaN, Infinity, -0.25, 1, -1, 0.75, 2]);
  const g0 = roundF32([NaN, 0.5, 0.25, Infinity, -Infinity, 0, 0.1, -0.3]);
  test.each(CASES.map((c) => [c.name, c] as const))('%s propagates NaN/Inf like the twin', async (_, c) => {
    await compare(c, p0, [g0, roundF32(uniform(8, 5)), g0]);
  });
});

describe('CPU twins against closed forms', () => {
  const g = roundF32([0.3, -2, 1e-3]);
  test('adam step 1 moves every parameter by lr·g/(|g| + eps)', () => {
    const p = new Float64Array(3), m = new Float64Array(3), v = new Float64Array(3);
    adamRef(p, g, m, v, { ...adamBase, step: 1 });
    expectAllClose(p, Array.from(g, (x) => (-1e-2 * x) / (Math.abs(x) + 1e-8)), TOL.elementwise);
  });
  test('adamw multiplies by 1 − lr·wd, then takes the plain adam step', () => {
    const p = Float64Array.from([1, 2, 3]), q = Float64Array.from([1, 2, 3]).map((x) => x * (1 - 1e-2 * 0.1));
    const z = () => new Float64Array(3);
    adamRef(p, g, z(), z(), { ...adamBase, weightDecay: 0.1, decoupled: true, step: 1 });
    adamRef(q, g, z(), z(), { ...adamBase, step: 1 });
    expectAllClose(p, q, TOL.elementwise);
  });
  test('sgd with momentum μ, constant gradient: buf_k = g·(1 + μ + … + μ^(k−1)) without dampening', () => {
    const mu = 0.9, p = new Float64Array(3), b = new Float64Array(3);
    for (let k = 1; k <= 4; k++) sgdRef(p, g, b, { lr: 1, momentum: mu, dampening: 0, weightDecay: 0, nesterov: false, firstStep: k === 1 });
    expectAllClose(b, Array.from(g, (x) => x * (1 + mu + mu ** 2 + mu ** 3)), TOL.elementwise);
    // p = −Σ_k buf_k
    expectAllClose(p, Array.from(g, (x) => -x * (1 + (1 + mu) + (1 + mu + mu ** 2) + (1 + mu + mu ** 2 + mu ** 3))), TOL.elementwise);
  });
  test('adagrad step t uses lr/(1 + (t−1)·lr_decay) and the accumulated squares', () => {
    const p = new Float64Array(3), s = new Float64Array(3).fill(0.5);
    adagradRef(p, g, s, { lr: 1, lrDecay: 0.5, weightDecay: 0, eps: 0, step: 3 });
    expectAllClose(p, Array.from(g, (x) => -x / 2 / Math.sqrt(0.5 + x * x)), TOL.elementwise);
  });
  test('rmsprop step 1: avg = sqrt(1 − α)·|g| + eps; centered: sqrt((1 − α)·α)·|g| + eps', () => {
    const a = 0.99, z = () => new Float64Array(3);
    const p = z(), q = z();
    rmspropRef(p, g, z(), null, null, { ...rmsBase, lr: 1, eps: 0 });
    rmspropRef(q, g, z(), null, z(), { ...rmsBase, lr: 1, eps: 0, centered: true });
    expectAllClose(p, Array.from(g, (x) => -x / (Math.sqrt(1 - a) * Math.abs(x))), TOL.elementwise);
    expectAllClose(q, Array.from(g, (x) => -x / (Math.sqrt((1 - a) * a) * Math.abs(x))), TOL.elementwise);
  });
});

describe('bad input', () => {
  test('is refused with the problem named, before anything is dispatched', () => {
    const p = zeros([2, 3]), g = zeros([3, 2]), ok = zeros([2, 3]), ok2 = zeros([2, 3]);
    const i32 = tensor(new Int32Array(6), [2, 3]);
    const flat = zeros([6]), other = zeros([2, 3]);
    const sgdO = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true };
    const adamO = { ...adamBase, step: 1 };
    resetCounters();
    expect(() => sgdStep(p, g, null, sgdO)).toThrow(/grad has shape \[3, 2\] but param has shape \[2, 3\]/);
    expect(() => sgdStep(p, i32, null, sgdO)).toThrow(/grad must be float32, got int32/);
    expect(() => sgdStep(p, ok, null, { ...sgdO, momentum: 0.9 })).toThrow(/momentum buffer/);
    expect(() => sgdStep(p, ok, ok2, { ...sgdO, momentum: 0, nesterov: true })).toThrow(/nesterov/);
    expect(() => sgdStep(p, ok, null, { ...sgdO, lr: NaN })).toThrow(/lr must be a finite number/);
    expect(() => adamStep(p, ok, ok2, ok2, adamO)).toThrow(/m and v share one buffer/);
    expect(() => adamStep(p, ok, ok2, p.view([2, 3]), adamO)).toThrow(/param and v share one buffer/);
    expect(() => adamStep(p, ok, ok2, flat, adamO)).toThrow(/v has shape \[6\]/);
    expect(() => adamStep(p, ok, ok2, other, { ...adamO, step: 0 })).toThrow(/step must be an integer >= 1/);
    expect(() => adamStep(p, ok, ok2, other, { ...adamO, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => adagradStep(p, ok, ok2, { lr: 0.1, lrDecay: -1, weightDecay: 0, eps: 1e-10, step: 1 })).toThrow(/lrDecay must be >= 0/);
    expect(() => rmspropStep(p, ok, ok2, null, null, { ...rmsBase, centered: true })).toThrow(/centered needs a gradAvg/);
    expect(() => rmspropStep(p, ok, ok2, null, null, { ...rmsBase, momentum: 0.5 })).toThrow(/momentum buffer/);
    expect(counters().dispatches).toBe(0);
    for (const t of [p, g, ok, ok2, i32, flat, other]) t.dispose();
  });
});
