// The optimizer classes' plumbing (the update kernels themselves are tested against their twins in
// test/kernels/optim.test.ts): a linear model trained ≥ 5 steps equals the float64 twins driven with
// PyTorch's defaults, parameters without a gradient are skipped (and keep their own step count),
// lr changes take effect, state dicts restore exactly and bad ones are refused.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, mseLoss, nn, optim, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import type { AdagradOptions, AdamOptions, RmspropOptions, SgdOptions } from '../../src/kernels/optim.js';
import { adagradRef, adamRef, rmspropRef, sgdRef } from '../../src/reference/optim.js';
import { expectAllClose, TOL, type Tolerance } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

// Float32 forward/backward vs float64 over several dependent steps: each step's gradient carries a
// few float32 roundings (~1e-7 relative) into the next, so compare at the reduction tolerance.
const STEPS_TOL: Tolerance = TOL.reduction;

const [N, IN, OUT] = [6, 4, 3];
const X = roundF32(uniform(N * IN, 1, -1, 1));
const Y = roundF32(uniform(N * OUT, 2, -1, 1));

/** d/dW, d/db of mean((x·Wᵀ + b − y)²) over N·OUT elements, in float64. */
function gradsRef(W: Float64Array, b: Float64Array): [Float64Array, Float64Array] {
  const dW = new Float64Array(W.length);
  const db = new Float64Array(b.length);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let r = b[o]! - Y[n * OUT + o]!;
      for (let i = 0; i < IN; i++) r += X[n * IN + i]! * W[o * IN + i]!;
      const d = (2 * r) / (N * OUT);
      db[o]! += d;
      for (let i = 0; i < IN; i++) dW[o * IN + i]! += d * X[n * IN + i]!;
    }
  }
  return [dW, db];
}

const xT = () => tensor(Float32Array.from(X), [N, IN]);
const yT = () => tensor(Float32Array.from(Y), [N, OUT]);

/** One training step of `model` with `opt`; the loss is never read back. */
function trainStep(model: nn.Linear, opt: optim.Optimizer<{ lr: number }>): void {
  tidy(() => {
    const loss = mseLoss(model.forward(xT()), yT());
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
}

const read = async (t: Tensor) => Float64Array.from(await t.data());

type Kind = 'SGD' | 'Adam' | 'AdamW' | 'Adagrad' | 'RMSprop';

// torch.optim's documented defaults, written out here rather than read from the code under test.
const TORCH_DEFAULTS: Record<Kind, Record<string, number | boolean>> = {
  SGD: { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  Adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
  AdamW: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
  Adagrad: { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 },
  RMSprop: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
};

function makeOptimizer(kind: Kind, params: Tensor[], o: Record<string, unknown>): optim.Optimizer<{ lr: number }> {
  switch (kind) {
    case 'SGD': return new optim.SGD(params, o as { lr: number });
    case 'Adam': return new optim.Adam(params, o);
    case 'AdamW': return new optim.AdamW(params, o);
    case 'Adagrad': return new optim.Adagrad(params, o);
    case 'RMSprop': return new optim.RMSprop(params, o);
  }
}

/** The float64 twin of one optimizer, with its state per parameter and its own step counts. */
class RefOptimizer {
  readonly o: Record<string, number | boolean>;
  private state: Record<string, Float64Array>[];
  private steps: number[];
  constructor(readonly kind: Kind, readonly params: Float64Array[], opts: Record<string, unknown>) {
    const { betas, ...rest } = opts as { betas?: [number, number] };
    this.o = { ...TORCH_DEFAULTS[kind], ...(betas ? { beta1: betas[0], beta2: betas[1] } : {}), ...(rest as Record<string, number>) };
    this.state = params.map((p) => ({
      buf: new Float64Array(p.length),
      m: new Float64Array(p.length),
      v: new Float64Array(p.length),
      vMax: new Float64Array(p.length),
      sum: new Float64Array(p.length).fill(this.o.initialAccumulatorValue as number ?? 0),
      gradAvg: new Float64Array(p.length),
    }));
    this.steps = params.map(() => 0);
  }
  step(grads: (Float64Array | null)[]): void {
    const o = this.o;
    this.params.forEach((p, i) => {
      const g = grads[i];
      if (!g) return;
      const s = this.state[i]!;
      const step = ++this.steps[i]!;
      if (this.kind === 'SGD') sgdRef(p, g, s.buf!, { ...(o as unknown as SgdOptions), firstStep: step === 1 });
      else if (this.kind === 'Adagrad') adagradRef(p, g, s.sum!, { ...(o as unknown as AdagradOptions), step });
      else if (this.kind === 'RMSprop') rmspropRef(p, g, s.v!, o.momentum ? s.buf! : null, o.centered ? s.gradAvg! : null, o as unknown as RmspropOptions);
      else adamRef(p, g, s.m!, s.v!, { ...(o as unknown as AdamOptions), step, decoupled: this.kind === 'AdamW' }, s.vMax!);
    });
  }
}

const CASES: [Kind, Record<string, unknown>][] = [
  ['SGD', { lr: 0.1 }],
  ['SGD', { lr: 0.1, momentum: 0.9 }],
  ['SGD', { lr: 0.1, momentum: 0.8, dampening: 0.3, weightDecay: 0.05 }],
  ['SGD', { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1 }],
  ['Adam', {}],
  ['Adam', { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.05 }],
  ['AdamW', { lr: 0.05, weightDecay: 0.5, betas: [0.7, 0.9] }],
  ['Adam', { lr: 0.05, betas: [0.9, 0.5], amsgrad: true }],
  ['AdamW', { lr: 0.05, betas: [0.9, 0.5], amsgrad: true }],
  ['Adagrad', {}],
  ['Adagrad', { lr: 0.2, lrDecay: 0.05, weightDecay: 0.01, initialAccumulatorValue: 0.1 }],
  ['RMSprop', {}],
  ['RMSprop', { lr: 0.01, alpha: 0.9, momentum: 0.9, centered: true, weightDecay: 0.01 }],
  ['RMSprop', { lr: 0.02, momentum: 0.5 }],
];

describe.each(CASES.map(([k, o]) => [`${k} ${JSON.stringify(o)}`, k, o] as const))('%s', (_n, kind, opts) => {
  test('defaults are torch.optim\'s and 6 steps on a linear model match the float64 twins', async () => {
    const model = new nn.Linear(IN, OUT, { seed: 3 });
    const opt = makeOptimizer(kind, model.parameters(), opts);
    for (const [k, v] of Object.entries(TORCH_DEFAULTS[kind])) {
      if (!(k in opts) && !(k.startsWith('beta') && 'betas' in opts)) expect(opt.options[k as 'lr'], k).toBe(v);
    }
    const [W, b] = [await read(model.weight), await read(model.bias!)];
    const ref = new RefOptimizer(kind, [W, b], opts);
    for (let s = 0; s < 6; s++) {
      trainStep(model, opt);
      ref.step(gradsRef(W, b));
    }
    expect(opt.stepCount).toBe(6);
    expectAllClose(await read(model.weight), W, STEPS_TOL);
    expectAllClose(await read(model.bias!), b, STEPS_TOL);
    opt.dispose();
    model.dispose();
  });
});

describe('PyTorch options, spelled as PyTorch users write them', () => {
  test('amsgrad: hand-computed torch.optim.Adam steps (max of the second moments), different from plain Adam', async () => {
    // One parameter p = 1, gradients 1 then 0.1 (v falls, so the max matters), lr 0.1, betas (0.9, 0.5).
    const torchAmsgrad = (amsgrad: boolean) => {
      let [p, m, v, vMax] = [1, 0, 0, 0];
      [1, 0.1].forEach((g, i) => {
        const t = i + 1;
        m = 0.9 * m + 0.1 * g;
        v = 0.5 * v + 0.5 * g * g;
        vMax = Math.max(vMax, v);
        const denom = Math.sqrt(amsgrad ? vMax : v) / Math.sqrt(1 - 0.5 ** t) + 1e-8;
        p -= (0.1 / (1 - 0.9 ** t)) * (m / denom);
      });
      return p;
    };
    const run = async (amsgrad: boolean) => {
      const p = tensor([1], [1], { requiresGrad: true });
      const opt = new optim.Adam([p], { lr: 0.1, betas: [0.9, 0.5], amsgrad });
      for (const g of [1, 0.1]) {
        p.grad?.dispose();
        p.grad = tensor([g]);
        opt.step();
      }
      const v = await p.item();
      opt.dispose();
      return v;
    };
    const [withMax, without] = [await run(true), await run(false)];
    expectAllClose([withMax], [torchAmsgrad(true)], TOL.elementwise);
    expectAllClose([without], [torchAmsgrad(false)], TOL.elementwise);
    expect(Math.abs(torchAmsgrad(true) - torchAmsgrad(false))).toBeGreaterThan(1e-3);
  });

  test.each(['SGD', 'Adam', 'AdamW', 'Adagrad', 'RMSprop'] as const)('new optim.%s(params, 0.01): a number is the lr, as in PyTorch', (kind) => {
    const model = new nn.Linear(2, 2, { seed: 1 });
    const opt = new optim[kind](model.parameters(), 0.01);
    expect(opt.lr).toBe(0.01);
    opt.dispose();
    model.dispose();
  });

  test('TF.js and snake_case spellings are refused with the right one', () => {
    const model = new nn.Linear(2, 2, { seed: 1 });
    const ps = model.parameters();
    expect(() => new optim.Adam(ps, { learningRate: 0.01 } as never)).toThrow("webrnn: Adam: unknown option 'learningRate' (did you mean 'lr'?)");
    expect(() => new optim.AdamW(ps, { weight_decay: 0.1 } as never)).toThrow("webrnn: AdamW: unknown option 'weight_decay' (did you mean 'weightDecay'?)");
    expect(() => new optim.SGD(ps, { lr: 0.1, maximize: true } as never)).toThrow("webrnn: SGD: unknown option 'maximize'");
    expect(() => new optim.Adam(ps, { epsilon: 1e-7 } as never)).toThrow("webrnn: Adam: unknown option 'epsilon' (did you mean 'eps'?)");
    expect(() => new optim.RMSprop(ps, { rho: 0.9 } as never)).toThrow("webrnn: RMSprop: unknown option 'rho' (did you mean 'alpha'?)");
    expect(() => new optim.Adam(ps, { amsgrad: 1 } as never)).toThrow('webrnn: Adam: option amsgrad = 1 must be true or false');
    model.dispose();
  });
});

describe('optimizer plumbing', () => {
  test('a parameter without a gradient is skipped, and later starts at its own step 1 (per-parameter steps, as torch)', async () => {
    const model = new nn.Linear(IN, OUT, { seed: 4 });
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const [W, b] = [await read(model.weight), await read(model.bias!)];
    const ref = new RefOptimizer('Adam', [W, b], { lr: 0.05 });
    // Three steps where only the weight gets a gradient: the bias must not move, nor get state.
    for (let s = 0; s < 3; s++) {
      tidy(() => {
        // x·Wᵀ without the bias: the bias gets no gradient.
        const loss = mseLoss(xT().matmul(model.weight.transpose(0, 1)), yT());
        opt.zeroGrad();
        loss.backward();
        expect(model.bias!.grad).toBeNull();
        opt.step();
      });
      const [dW] = gradsRef(W, new Float64Array(OUT));
      ref.step([dW, null]);
    }
    expectAllClose(await read(model.bias!), b, { rtol: 0, atol: 0 });
    expect(Object.keys(opt.stateDict().tensors).sort()).toEqual(['0.exp_avg', '0.exp_avg_sq']);
    expect(opt.stateDict().paramSteps).toEqual([3, 0]);
    // Then both train: the bias's bias correction starts at step 1.
    for (let s = 0; s < 3; s++) {
      trainStep(model, opt);
      ref.step(gradsRef(W, b));
    }
    expect(opt.stateDict().paramSteps).toEqual([6, 3]);
    expectAllClose(await read(model.weight), W, STEPS_TOL);
    expectAllClose(await read(model.bias!), b, STEPS_TOL);
    opt.dispose();
    model.dispose();
  });

  test.each([[false, { adam_pair: 1, adam: 1 }], [true, { adam: 3 }]] as const)('Adam (amsgrad %s) takes two parameters a launch where it can', (amsgrad, launches) => {
    const ps = [1, 2, 3].map((k) => tensor(Float32Array.from(uniform(5 * k, k)), [5 * k], { requiresGrad: true }));
    const opt = new optim.Adam(ps, { lr: 0.05, amsgrad });
    tidy(() => {
      const loss = ps.map((p) => p.square().sum()).reduce((a, b) => a.add(b));
      loss.backward();
    });
    resetCounters();
    opt.step();
    expect(Object.fromEntries(counters().byKernel)).toEqual(launches);
    opt.dispose();
    for (const p of ps) p.dispose();
  });

  test('lr changes between steps take effect', async () => {
    const model = new nn.Linear(IN, OUT, { seed: 5 });
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.5 });
    const [W, b] = [await read(model.weight), await read(model.bias!)];
    const ref = new RefOptimizer('SGD', [W, b], { lr: 0.1, momentum: 0.5 });
    for (const lr of [0.1, 0.3, 0.01, 0, 0.2]) {
      opt.lr = lr;
      expect(opt.options.lr).toBe(lr);
      ref.o.lr = lr;
      trainStep(model, opt);
      ref.step(gradsRef(W, b));
    }
    expectAllClose(await read(model.weight), W, STEPS_TOL);
    expectAllClose(await read(model.bias!), b, STEPS_TOL);
    opt.dispose();
    model.dispose();
  });

  test.each(CASES.map(([k, o]) => [`${k} ${JSON.stringify(o)}`, k, o] as const))(
    '%s: stateDict → loadStateDict into a fresh optimizer continues exactly like the original',
    async (_n, kind, opts) => {
      const a = new nn.Linear(IN, OUT, { seed: 6 });
      const optA = makeOptimizer(kind, a.parameters(), opts);
      for (let s = 0; s < 3; s++) trainStep(a, optA);
      const b = new nn.Linear(IN, OUT, { seed: 7 });
      b.loadStateDict(a.stateDict());
      // Other hyper-parameters at first: the state dict restores the original's.
      const optB = makeOptimizer(kind, b.parameters(), { ...opts, lr: 0.5 });
      optB.loadStateDict(optA.stateDict());
      expect(optB.stepCount).toBe(3);
      expect(optB.options).toEqual(optA.options);
      for (let s = 0; s < 3; s++) {
        trainStep(a, optA);
        trainStep(b, optB);
      }
      expect(await b.weight.data()).toEqual(await a.weight.data());
      expect(await b.bias!.data()).toEqual(await a.bias!.data());
      for (const [name, t] of Object.entries(optA.stateDict().tensors)) {
        expect(await optB.stateDict().tensors[name]!.data(), name).toEqual(await t.data());
      }
      for (const x of [optA, optB, a, b]) x.dispose();
    },
  );

  test("loading an optimizer's own state dict into itself changes nothing", async () => {
    const model = new nn.Linear(IN, OUT, { seed: 9 });
    const opt = new optim.RMSprop(model.parameters(), { momentum: 0.5, centered: true });
    trainStep(model, opt);
    const values = async () => Promise.all(Object.values(opt.stateDict().tensors).map(async (t) => Array.from(await t.data())));
    const before = await values();
    opt.loadStateDict(opt.stateDict());
    expect(await values()).toEqual(before);
    opt.dispose();
    model.dispose();
  });

  test('a state that does not fit is refused, naming the problem, and changes nothing', async () => {
    const model = new nn.Linear(IN, OUT, { seed: 8 });
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    for (let s = 0; s < 2; s++) trainStep(model, opt);
    const good = opt.stateDict();
    const goodM = Array.from(await good.tensors['0.exp_avg']!.data());
    const wrong = tensor(new Float32Array(OUT * IN), [IN, OUT]);
    const ints = tensor(new Int32Array(OUT), [OUT]);
    const extra = tensor(new Float32Array(OUT), [OUT]);
    const bad: [string, optim.OptimizerState, RegExp][] = [
      ['wrong shape', { ...good, tensors: { ...good.tensors, '0.exp_avg': wrong } }, /state '0.exp_avg' has shape \[4, 3\], parameter 0 is \[3, 4\]/],
      ['wrong dtype', { ...good, tensors: { ...good.tensors, '1.exp_avg': ints } }, /state '1.exp_avg' has dtype int32/],
      ['unknown parameter', { ...good, tensors: { ...good.tensors, '2.exp_avg': extra } }, /unexpected state '2.exp_avg'/],
      ['another optimizer\'s state', { ...good, tensors: { ...good.tensors, '1.momentum_buffer': extra } }, /unexpected state '1.momentum_buffer'/],
      ['negative step', { ...good, step: -1 }, /invalid step -1/],
      ['unknown option', { ...good, options: { ...good.options, momentum: 0.9 } }, /unknown option 'momentum'/],
      ['non-finite option', { ...good, options: { ...good.options, lr: Number.NaN } }, /option lr = NaN/],
      ['bad paramSteps', { ...good, paramSteps: [5, 1] }, /paramSteps must be 2 integers in 0\.\.2/],
    ];
    for (const [what, state, message] of bad) {
      expect(() => opt.loadStateDict(state), what).toThrow(message);
      expect(opt.stepCount, what).toBe(2);
      expect(opt.lr, what).toBe(0.01);
      expect(Array.from(await opt.stateDict().tensors['0.exp_avg']!.data()), what).toEqual(goodM);
    }
    for (const t of [wrong, ints, extra]) t.dispose();
    opt.dispose();
    model.dispose();
  });

  test('bad options are refused', () => {
    const model = new nn.Linear(2, 2, { seed: 1 });
    const ps = model.parameters();
    expect(() => new optim.Adam([])).toThrow(/empty parameter list/);
    expect(() => new optim.Adam(ps, { lr: -1 })).toThrow('webrnn: Adam: option lr = -1 must be a finite number >= 0');
    expect(() => new optim.Adam(ps, -1)).toThrow('webrnn: Adam: lr = -1 must be a finite number >= 0');
    expect(() => new optim.Adam(ps, { betas: [1, 0.9] })).toThrow('webrnn: Adam: option betas = an array of 2 must be a pair [beta1, beta2] in [0, 1)');
    expect(() => new optim.AdamW(ps, { beta1: 1 })).toThrow('webrnn: AdamW: option beta1 = 1 must be a number in [0, 1)');
    expect(() => new optim.SGD(ps, { lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => new optim.RMSprop(ps, { eps: Number.POSITIVE_INFINITY })).toThrow('webrnn: RMSprop: option eps = Infinity must be a finite number >= 0');
    expect(() => new optim.Adam(model as never)).toThrow('webrnn: Adam: params must be an iterable of Tensors (model.parameters()), got a Linear');
    expect(() => new optim.SGD([ps[0]!, 3] as never, 0.1)).toThrow('webrnn: SGD: params[1] must be a Tensor, got 3');
    model.dispose();
  });
});
