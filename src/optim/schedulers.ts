// Learning-rate schedules (PyTorch's closed forms): call step() once per epoch or step, as
// you would torch.optim.lr_scheduler; each sets optimizer.lr from the base rate.
import { checkArg, show } from '../util/options.js';
import { Optimizer } from './optimizer.js';

/** Throws unless `v` is a positive integer (step counts and periods). */
function checkCount(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`webrnn: ${what} = ${v} must be a positive integer`);
}

/** Throws unless `opt` is an optimizer (a schedule given model.parameters() or options instead). */
function checkOptimizer(where: string, opt: unknown): void {
  if (!(opt instanceof Optimizer)) throw new Error(`webrnn: ${where}: the first argument must be an optimizer, got ${show(opt)}`);
}

abstract class Scheduler {
  readonly baseLr: number;
  epoch = 0;
  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLr = optimizer.lr;
  }
  protected abstract rate(epoch: number): number;
  /** Advances one epoch (or step) and updates the optimizer's learning rate. */
  step(): number {
    this.epoch++;
    this.optimizer.lr = this.rate(this.epoch);
    return this.optimizer.lr;
  }
}

/** lr = base · γ^⌊epoch / stepSize⌋. */
export class StepLR extends Scheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly stepSize: number, readonly gamma = 0.1) {
    checkOptimizer('StepLR', opt);
    checkCount('StepLR: stepSize', stepSize);
    checkArg('StepLR', 'gamma', gamma, 'nonNegative');
    super(opt);
  }
  protected rate(e: number): number { return this.baseLr * this.gamma ** Math.floor(e / this.stepSize); }
}

/** lr = base · γ^epoch. */
export class ExponentialLR extends Scheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly gamma: number) {
    checkOptimizer('ExponentialLR', opt);
    checkArg('ExponentialLR', 'gamma', gamma, 'nonNegative');
    super(opt);
  }
  protected rate(e: number): number { return this.baseLr * this.gamma ** e; }
}

/** lr = ηmin + (base − ηmin)(1 + cos(π·epoch/Tmax))/2; past Tmax it rises again, as PyTorch's does. */
export class CosineAnnealingLR extends Scheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly tMax: number, readonly etaMin = 0) {
    checkOptimizer('CosineAnnealingLR', opt);
    checkCount('CosineAnnealingLR: tMax', tMax);
    checkArg('CosineAnnealingLR', 'etaMin', etaMin, 'nonNegative');
    super(opt);
  }
  protected rate(e: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * e) / this.tMax))) / 2;
  }
}

/** Linear warm-up from base·startFactor to base over `warmupSteps`, then constant. */
export class LinearWarmup extends Scheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly warmupSteps: number, readonly startFactor = 1 / 3) {
    checkOptimizer('LinearWarmup', opt);
    checkCount('LinearWarmup: warmupSteps', warmupSteps);
    if (!(startFactor > 0 && startFactor <= 1)) throw new Error(`webrnn: LinearWarmup: startFactor = ${startFactor} must be in (0, 1]`);
    super(opt);
    opt.lr = this.rate(0);
  }
  protected rate(e: number): number {
    const f = this.startFactor + (1 - this.startFactor) * Math.min(e, this.warmupSteps) / this.warmupSteps;
    return this.baseLr * f;
  }
}
