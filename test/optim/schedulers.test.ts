// Learning-rate schedules against PyTorch's closed forms (written out here), epoch by epoch, and one
// schedule driving SGD on the GPU so the rate each step reaches the update kernel.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, optim, tensor, tidy } from 'webrnn';
import { expectAllClose, TOL } from '../util/allclose.js';

beforeAll(async () => {
  await init();
});

const BASE = 0.4;

/** A one-parameter optimizer (the schedules only touch its lr). */
function sgd(lr = BASE) {
  const p = tensor([1, 2, 3], [3], { requiresGrad: true });
  return { p, opt: new optim.SGD([p], { lr }) };
}

type Make = (o: optim.SGD) => { step(): number };

const CASES: [string, Make, (e: number) => number][] = [
  ['StepLR(3, 0.5)', (o) => new optim.StepLR(o, 3, 0.5), (e) => BASE * 0.5 ** Math.floor(e / 3)],
  ['StepLR(2) default γ 0.1', (o) => new optim.StepLR(o, 2), (e) => BASE * 0.1 ** Math.floor(e / 2)],
  ['ExponentialLR(0.9)', (o) => new optim.ExponentialLR(o, 0.9), (e) => BASE * 0.9 ** e],
  // torch.optim.lr_scheduler.CosineAnnealingLR's closed form; it rises again after T_max (period 2·T_max).
  ['CosineAnnealingLR(5, 0.01)', (o) => new optim.CosineAnnealingLR(o, 5, 0.01), (e) => 0.01 + ((BASE - 0.01) * (1 + Math.cos((Math.PI * e) / 5))) / 2],
  ['CosineAnnealingLR(4) default ηmin 0', (o) => new optim.CosineAnnealingLR(o, 4), (e) => (BASE * (1 + Math.cos((Math.PI * e) / 4))) / 2],
  // torch's LinearLR(start_factor, end_factor = 1, total_iters).
  ['LinearWarmup(4) default start 1/3', (o) => new optim.LinearWarmup(o, 4), (e) => BASE * (1 / 3 + ((1 - 1 / 3) * Math.min(e, 4)) / 4)],
  ['LinearWarmup(3, 0.1)', (o) => new optim.LinearWarmup(o, 3, 0.1), (e) => BASE * (0.1 + (0.9 * Math.min(e, 3)) / 3)],
];

describe.each(CASES)('%s', (_name, make, closedForm) => {
  test('sets the closed-form rate at construction and after each of 12 steps', () => {
    const { p, opt } = sgd();
    const s = make(opt);
    expect(opt.lr).toBeCloseTo(closedForm(0), 14);
    for (let e = 1; e <= 12; e++) {
      const lr = s.step();
      expect(lr, `epoch ${e}`).toBeCloseTo(closedForm(e), 14);
      expect(opt.lr, `epoch ${e}`).toBe(lr);
    }
    p.dispose();
  });
});

test('the scheduled rate reaches the GPU update every step', async () => {
  // loss = Σ c·p, so each step moves p by −lr_e·c with lr_e the rate set before that step.
  const c = [0.5, -1, 2];
  const { p, opt } = sgd();
  const sched = new optim.StepLR(opt, 2, 0.5);
  const want = [1, 2, 3];
  for (let e = 0; e < 5; e++) {
    tidy(() => {
      opt.zeroGrad();
      p.mul(tensor(c, [3])).sum().backward();
      opt.step();
    });
    for (let i = 0; i < 3; i++) want[i]! -= BASE * 0.5 ** Math.floor(e / 2) * c[i]!;
    sched.step();
  }
  expectAllClose(await p.data(), want, TOL.elementwise);
  p.grad?.dispose();
  p.dispose();
});

test('bad schedule arguments throw naming them', () => {
  const { p, opt } = sgd();
  expect(() => new optim.StepLR(opt, 0)).toThrow(/StepLR: stepSize = 0 must be a positive integer/);
  expect(() => new optim.CosineAnnealingLR(opt, 2.5)).toThrow(/tMax = 2.5/);
  expect(() => new optim.LinearWarmup(opt, 0)).toThrow(/warmupSteps = 0/);
  expect(() => new optim.LinearWarmup(opt, 3, 0)).toThrow(/startFactor = 0 must be in \(0, 1\]/);
  expect(() => new optim.ExponentialLR(opt, NaN)).toThrow('webrnn: ExponentialLR: gamma = NaN must be a finite number >= 0');
  expect(() => new optim.StepLR(opt, 2, '0.5' as never)).toThrow("webrnn: StepLR: gamma = '0.5' must be a finite number >= 0");
  expect(() => new optim.CosineAnnealingLR(opt, 5, -1)).toThrow('webrnn: CosineAnnealingLR: etaMin = -1 must be a finite number >= 0');
  expect(() => new optim.StepLR([p] as never, 2)).toThrow('webrnn: StepLR: the first argument must be an optimizer, got an array of 1');
  expect(opt.lr).toBe(BASE);
  p.dispose();
});
