// SGD, Adam, AdamW, Adagrad and RMSprop with PyTorch's update rules and defaults. Each update is
// one kernel per parameter (src/kernels/optim.ts), reading hyper-parameters from the uniform.
import { full } from '../graph/create.js';
import type { Tensor } from '../tensor/tensor.js';
import * as k from '../kernels/optim.js';
import { recorder } from '../gpu/encoder.js';
import type { Spec } from '../util/options.js';
import { Optimizer, readOptions, type OptionsArg } from './optimizer.js';

const betaPair = (v: unknown) =>
  Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1) ? null : 'a pair [beta1, beta2] in [0, 1)';

/** Hyper-parameters of SGD (torch.optim.SGD's, camel-cased). */
export interface SGDOptions { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }

const SGD_OPTIONS: Spec = { lr: 'nonNegative', momentum: 'nonNegative', dampening: 'number', weightDecay: 'nonNegative', nesterov: 'boolean' };

/** SGD with PyTorch's defaults (lr 1e-3 since PyTorch 2.2). */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Tensor>, opts: OptionsArg<SGDOptions> = {}) {
    const o = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...readOptions<SGDOptions>('SGD', opts, SGD_OPTIONS) };
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error('webrnn: SGD: nesterov needs momentum > 0 and dampening = 0');
    super(params, o);
  }
  protected get stateNames() { return ['momentum_buffer']; }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const o = this.options;
    const first = o.momentum !== 0 && !this.hasBuffer(i, 'momentum_buffer');
    const buf = o.momentum !== 0 ? this.buffer(i, 'momentum_buffer') : null;
    k.sgdStep(p, g, buf, { ...o, firstStep: first });
  }
}

/** Hyper-parameters of Adam and AdamW; defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0 (AdamW: 0.01), amsgrad false. */
export interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean }
type AdamArg = OptionsArg<AdamOptions & { betas: [number, number] }>;

const ADAM_OPTIONS: Spec = {
  lr: 'nonNegative', betas: betaPair, beta1: 'probability', beta2: 'probability', eps: 'nonNegative', weightDecay: 'nonNegative', amsgrad: 'boolean',
};

/** Adam (weight decay added to the gradient, as torch.optim.Adam); `amsgrad` as PyTorch's. */
export class Adam extends Optimizer<AdamOptions> {
  protected decoupled = false;
  constructor(params: Iterable<Tensor>, opts: AdamArg = {}, defaults: Partial<AdamOptions> = {}) {
    const { betas, ...rest } = readOptions<AdamOptions & { betas: [number, number] }>(new.target.name, opts, ADAM_OPTIONS);
    const o = { lr: 1e-3, beta1: betas?.[0] ?? 0.9, beta2: betas?.[1] ?? 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, ...defaults, ...rest };
    super(params, o);
  }
  protected get stateNames() { return ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']; }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const o = { ...this.options, step: this.paramSteps[i]!, decoupled: this.decoupled };
    k.adamStep(p, g, this.buffer(i, 'exp_avg'), this.buffer(i, 'exp_avg_sq'), o, o.amsgrad ? this.buffer(i, 'max_exp_avg_sq') : null);
  }
  /** Two parameters a launch without amsgrad: a small parameter costs its launch, not its arithmetic. */
  protected override updateAll(indices: readonly number[]): void {
    if (this.options.amsgrad) return super.updateAll(indices);
    const slot = (i: number): k.AdamSlot => {
      const p = this.params[i]!;
      return { p, g: p.grad!, m: this.buffer(i, 'exp_avg'), v: this.buffer(i, 'exp_avg_sq'), step: this.paramSteps[i]! };
    };
    const o = { ...this.options, decoupled: this.decoupled };
    for (let j = 0; j + 1 < indices.length; j += 2) k.adamPairStep(slot(indices[j]!), slot(indices[j + 1]!), o);
    if (indices.length % 2) super.updateAll(indices.slice(-1));
  }
}

/** AdamW: decoupled weight decay p ← p·(1 − lr·wd), default wd 0.01 (torch.optim.AdamW). */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, opts: AdamArg = {}) {
    super(params, opts, { weightDecay: 1e-2 });
    this.decoupled = true;
  }
}

/** Hyper-parameters of Adagrad; defaults lr 1e-2, lrDecay 0, weightDecay 0, eps 1e-10, initialAccumulatorValue 0. */
export interface AdagradOptions { lr: number; lrDecay: number; weightDecay: number; eps: number; initialAccumulatorValue: number }

const ADAGRAD_OPTIONS: Spec = { lr: 'nonNegative', lrDecay: 'nonNegative', weightDecay: 'nonNegative', eps: 'nonNegative', initialAccumulatorValue: 'nonNegative' };

/** Adagrad (torch.optim.Adagrad): per-element steps scaled by the root of the summed squared gradients. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Iterable<Tensor>, opts: OptionsArg<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10, initialAccumulatorValue: 0, ...readOptions<AdagradOptions>('Adagrad', opts, ADAGRAD_OPTIONS) });
  }
  protected get stateNames() { return ['sum']; }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const sum = this.buffer(i, 'sum', (t) => {
      const v = this.options.initialAccumulatorValue;
      if (v !== 0) {
        const init = full(t.shape, v);
        recorder().copy(init.buffer, 0, t.buffer, 0, t.size * 4);
        init.dispose();
      }
    });
    k.adagradStep(p, g, sum, { ...this.options, step: this.paramSteps[i]! });
  }
}

/** Hyper-parameters of RMSprop; defaults lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false. */
export interface RMSpropOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }

const RMSPROP_OPTIONS: Spec = { lr: 'nonNegative', alpha: 'unitInterval', eps: 'nonNegative', weightDecay: 'nonNegative', momentum: 'nonNegative', centered: 'boolean' };

/** RMSprop (torch.optim.RMSprop): steps scaled by a running average of squared gradients, optionally centered and with momentum. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Iterable<Tensor>, opts: OptionsArg<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...readOptions<RMSpropOptions>('RMSprop', opts, RMSPROP_OPTIONS) });
  }
  protected get stateNames() { return ['square_avg', 'momentum_buffer', 'grad_avg']; }
  protected update(p: Tensor, g: Tensor, i: number): void {
    const o = this.options;
    k.rmspropStep(
      p, g, this.buffer(i, 'square_avg'),
      o.momentum > 0 ? this.buffer(i, 'momentum_buffer') : null,
      o.centered ? this.buffer(i, 'grad_avg') : null,
      o,
    );
  }
}
