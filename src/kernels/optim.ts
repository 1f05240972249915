// Descriptors of the optimizer-update kernels (sgd, adam/AdamW, adagrad, rmsprop) and the calls
// that record them. Every update runs in place on the parameter and state tensors, element by
// element, with hyper-parameters and step-dependent factors in the Dims uniform: no readback.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { defineKernel, perElement } from '../gpu/kernel.js';
import { keep } from '../tensor/scope.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

/** In-place SGD step with optional momentum, dampening, nesterov and weight decay (torch.optim.SGD). */
export const sgd = /* @__PURE__ */ defineKernel({
  name: 'sgd',
  wgsl: [wgsl.per_element, wgsl.sgd],
  bindings: { param: 'read_write', grad: 'read', buf: 'read_write' },
  dims: { n: 'u32', lr: 'f32', momentum: 'f32', one_minus_dampening: 'f32', weight_decay: 'f32', first_step: 'u32' },
  ...perElement,
  overrides: { MOMENTUM: false, NESTEROV: false },
});

/** In-place Adam step (torch.optim.Adam); AdamW's decoupled decay with DECOUPLED, amsgrad with AMSGRAD. */
export const adam = /* @__PURE__ */ defineKernel({
  name: 'adam',
  wgsl: [wgsl.nan, wgsl.per_element, wgsl.adam_update, wgsl.adam],
  bindings: { param: 'read_write', grad: 'read', exp_avg: 'read_write', exp_avg_sq: 'read_write', max_exp_avg_sq: 'read_write' },
  dims: {
    n: 'u32', weight_decay: 'f32', decay_scale: 'f32', beta1: 'f32', one_minus_beta1: 'f32',
    beta2: 'f32', one_minus_beta2: 'f32', eps: 'f32', step_size: 'f32', bc2_sqrt: 'f32',
  },
  ...perElement,
  overrides: { DECOUPLED: false, AMSGRAD: false },
});

/** The same step (without amsgrad) for two parameters in one launch. */
export const adamPair = /* @__PURE__ */ defineKernel({
  name: 'adam_pair',
  wgsl: [wgsl.per_element, wgsl.adam_update, wgsl.adam_pair],
  bindings: {
    param0: 'read_write', grad0: 'read', m0: 'read_write', v0: 'read_write',
    param1: 'read_write', grad1: 'read', m1: 'read_write', v1: 'read_write',
  },
  dims: {
    n: 'u32', n0: 'u32', weight_decay: 'f32', decay_scale: 'f32', beta1: 'f32', one_minus_beta1: 'f32',
    beta2: 'f32', one_minus_beta2: 'f32', eps: 'f32', step_size0: 'f32', bc2_sqrt0: 'f32', step_size1: 'f32', bc2_sqrt1: 'f32',
  },
  ...perElement,
  overrides: { DECOUPLED: false },
});

/** In-place Adagrad step (torch.optim.Adagrad). */
export const adagrad = /* @__PURE__ */ defineKernel({
  name: 'adagrad',
  wgsl: [wgsl.per_element, wgsl.adagrad],
  bindings: { param: 'read_write', grad: 'read', state_sum: 'read_write' },
  dims: { n: 'u32', clr: 'f32', weight_decay: 'f32', eps: 'f32' },
  ...perElement,
});

/** In-place RMSprop step, optionally centered and with momentum (torch.optim.RMSprop). */
export const rmsprop = /* @__PURE__ */ defineKernel({
  name: 'rmsprop',
  wgsl: [wgsl.per_element, wgsl.rmsprop],
  bindings: { param: 'read_write', grad: 'read', square_avg: 'read_write', buf: 'read_write', grad_avg: 'read_write' },
  dims: { n: 'u32', lr: 'f32', alpha: 'f32', one_minus_alpha: 'f32', eps: 'f32', weight_decay: 'f32', momentum: 'f32' },
  ...perElement,
  overrides: { MOMENTUM: false, CENTERED: false },
});

/** torch.optim.SGD's options; `firstStep` initialises the momentum buffer to the gradient. */
export interface SgdOptions {
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; firstStep: boolean;
}
/** torch.optim.Adam's options (`decoupled`: AdamW; `amsgrad`: the max of v in the denominator); `step` is 1-based. */
export interface AdamOptions {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; decoupled: boolean; amsgrad?: boolean;
}
/** torch.optim.Adagrad's options; `step` is 1-based. */
export interface AdagradOptions { lr: number; lrDecay: number; weightDecay: number; eps: number; step: number }
/** torch.optim.RMSprop's options. */
export interface RmspropOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }

/** p −= lr·d (see sgd.wgsl). `momentumBuf` is required when momentum > 0 and ignored otherwise. */
export function sgdStep(p: Tensor, g: Tensor, momentumBuf: Tensor | null, o: SgdOptions): void {
  checkNumbers('sgd', { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay });
  if (o.momentum < 0) throw new Error(`webrnn: sgd: momentum must be >= 0, got ${o.momentum}`);
  // PyTorch's rule: nesterov needs a momentum and zero dampening.
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new Error(`webrnn: sgd: nesterov needs momentum > 0 and dampening = 0, got momentum ${o.momentum}, dampening ${o.dampening}`);
  }
  const useMomentum = o.momentum !== 0;
  if (useMomentum && !momentumBuf) throw new Error('webrnn: sgd: momentum > 0 needs a momentum buffer');
  const buf = useMomentum ? momentumBuf! : null;
  checkStates('sgd', p, g, { momentumBuf: buf });
  recorder(p.storage.g).dispatch(
    sgd,
    { param: p.buffer, grad: g.buffer, buf: buf?.buffer ?? unused(p.storage.g) },
    {
      n: p.size, lr: o.lr, momentum: o.momentum, one_minus_dampening: 1 - o.dampening,
      weight_decay: o.weightDecay, first_step: o.firstStep ? 1 : 0,
    },
    { MOMENTUM: useMomentum, NESTEROV: o.nesterov },
  );
}

/** Adam (or AdamW when `decoupled`) step `o.step` (1-based), updating p, m and v (and with
 *  `amsgrad` the running max of v, `vMax`, which starts at zero) in place. */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, o: AdamOptions, vMax: Tensor | null = null): void {
  checkAdam(o);
  checkStep('adam', o.step);
  if (o.amsgrad && !vMax) throw new Error('webrnn: adam: amsgrad needs a vMax buffer');
  const vm = o.amsgrad ? vMax! : null;
  checkStates('adam', p, g, { m, v, vMax: vm });
  const { stepSize, bc2Sqrt } = biasCorrections(o, o.step);
  recorder(p.storage.g).dispatch(
    adam,
    { param: p.buffer, grad: g.buffer, exp_avg: m.buffer, exp_avg_sq: v.buffer, max_exp_avg_sq: vm?.buffer ?? unused(p.storage.g) },
    { n: p.size, ...adamHyper(o), step_size: stepSize, bc2_sqrt: bc2Sqrt },
    { DECOUPLED: o.decoupled, AMSGRAD: !!o.amsgrad },
  );
}

/** One parameter of adamPairStep: its tensors and its own step count (1-based). */
export interface AdamSlot { p: Tensor; g: Tensor; m: Tensor; v: Tensor; step: number }

/** adamStep for two parameters in one launch (adam_pair.wgsl), without amsgrad. */
export function adamPairStep(a: AdamSlot, b: AdamSlot, o: Omit<AdamOptions, 'step'>): void {
  checkAdam(o);
  if (o.amsgrad) throw new Error('webrnn: adam: a pair launch has no amsgrad; use adamStep');
  for (const s of [a, b]) {
    checkStep('adam', s.step);
    checkStates('adam', s.p, s.g, { m: s.m, v: s.v });
  }
  for (const x of [a.p, a.m, a.v]) {
    for (const y of [b.p, b.g, b.m, b.v]) {
      if (x.storage === y.storage) throw new Error('webrnn: adam: the two parameters of a pair launch share a buffer');
    }
  }
  const [ca, cb] = [biasCorrections(o, a.step), biasCorrections(o, b.step)];
  recorder(a.p.storage.g).dispatch(
    adamPair,
    { param0: a.p.buffer, grad0: a.g.buffer, m0: a.m.buffer, v0: a.v.buffer, param1: b.p.buffer, grad1: b.g.buffer, m1: b.m.buffer, v1: b.v.buffer },
    {
      n: a.p.size + b.p.size, n0: a.p.size, ...adamHyper(o),
      step_size0: ca.stepSize, bc2_sqrt0: ca.bc2Sqrt, step_size1: cb.stepSize, bc2_sqrt1: cb.bc2Sqrt,
    },
    { DECOUPLED: o.decoupled },
  );
}

function checkAdam(o: Omit<AdamOptions, 'step'>): void {
  checkNumbers('adam', { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay });
  for (const [k, b] of [['beta1', o.beta1], ['beta2', o.beta2]] as const) {
    if (b < 0 || b >= 1) throw new Error(`webrnn: adam: ${k} must be in [0, 1), got ${b}`);
  }
}

/** The dims adam_update.wgsl reads. */
function adamHyper(o: Omit<AdamOptions, 'step'>) {
  return {
    weight_decay: o.decoupled ? 0 : o.weightDecay, decay_scale: 1 - o.lr * o.weightDecay,
    beta1: o.beta1, one_minus_beta1: 1 - o.beta1, beta2: o.beta2, one_minus_beta2: 1 - o.beta2, eps: o.eps,
  };
}

/** lr / (1 − β1^t) and sqrt(1 − β2^t) in float64: β^t and 1 − β are where float32 loses the most. */
function biasCorrections(o: Omit<AdamOptions, 'step'>, step: number): { stepSize: number; bc2Sqrt: number } {
  return { stepSize: o.lr / (1 - o.beta1 ** step), bc2Sqrt: Math.sqrt(1 - o.beta2 ** step) };
}

/** Adagrad step `o.step` (1-based); `sum` starts at initial_accumulator_value (the caller fills it). */
export function adagradStep(p: Tensor, g: Tensor, sum: Tensor, o: AdagradOptions): void {
  checkNumbers('adagrad', { lr: o.lr, lrDecay: o.lrDecay, weightDecay: o.weightDecay, eps: o.eps });
  checkStep('adagrad', o.step);
  checkStates('adagrad', p, g, { sum });
  recorder(p.storage.g).dispatch(
    adagrad,
    { param: p.buffer, grad: g.buffer, state_sum: sum.buffer },
    { n: p.size, clr: o.lr / (1 + (o.step - 1) * o.lrDecay), weight_decay: o.weightDecay, eps: o.eps },
  );
}

/** RMSprop step; `momentumBuf` is required when momentum > 0 and `gradAvg` when centered (both start at zero). */
export function rmspropStep(
  p: Tensor, g: Tensor, squareAvg: Tensor, momentumBuf: Tensor | null, gradAvg: Tensor | null, o: RmspropOptions,
): void {
  checkNumbers('rmsprop', { lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum: o.momentum });
  if (o.alpha < 0 || o.alpha > 1) throw new Error(`webrnn: rmsprop: alpha must be in [0, 1], got ${o.alpha}`);
  if (o.momentum < 0) throw new Error(`webrnn: rmsprop: momentum must be >= 0, got ${o.momentum}`);
  const useMomentum = o.momentum > 0;
  if (useMomentum && !momentumBuf) throw new Error('webrnn: rmsprop: momentum > 0 needs a momentum buffer');
  if (o.centered && !gradAvg) throw new Error('webrnn: rmsprop: centered needs a gradAvg buffer');
  const buf = useMomentum ? momentumBuf! : null;
  const ga = o.centered ? gradAvg! : null;
  checkStates('rmsprop', p, g, { squareAvg, momentumBuf: buf, gradAvg: ga });
  recorder(p.storage.g).dispatch(
    rmsprop,
    {
      param: p.buffer, grad: g.buffer, square_avg: squareAvg.buffer,
      buf: buf?.buffer ?? unused(p.storage.g, 0), grad_avg: ga?.buffer ?? unused(p.storage.g, 1),
    },
    { n: p.size, lr: o.lr, alpha: o.alpha, one_minus_alpha: 1 - o.alpha, eps: o.eps, weight_decay: o.weightDecay, momentum: o.momentum },
    { MOMENTUM: useMomentum, CENTERED: o.centered },
  );
}

// A layout slot must be bound even when an override switches its use off; small kept buffers
// stand in. Two of them, because one buffer may not fill two writable slots of one dispatch.
const scratchBuffers = new WeakMap<Gpu, Tensor[]>();
function unused(g: Gpu, which: 0 | 1 = 0): GPUBuffer {
  let ts = scratchBuffers.get(g);
  if (!ts || ts.some((t) => t.isDisposed)) {
    scratchBuffers.set(g, (ts = [0, 1].map(() => keep(Tensor.empty([1], 'float32', g)))));
  }
  return ts[which]!.buffer;
}

function checkNumbers(op: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new Error(`webrnn: ${op}: ${k} must be a finite number, got ${v}`);
    if (k !== 'momentum' && k !== 'dampening' && v < 0) throw new Error(`webrnn: ${op}: ${k} must be >= 0, got ${v}`);
  }
}

function checkStep(op: string, step: number): void {
  if (!Number.isInteger(step) || step < 1) throw new Error(`webrnn: ${op}: step must be an integer >= 1 (1-based), got ${step}`);
}

/** Every state has the parameter's shape, all are float32, and no two share a buffer. */
function checkStates(op: string, p: Tensor, g: Tensor, states: Record<string, Tensor | null>): void {
  const all: [string, Tensor][] = [['param', p], ['grad', g]];
  for (const [k, t] of Object.entries(states)) if (t) all.push([k, t]);
  for (const [k, t] of all) {
    t.assertAlive();
    if (t.dtype !== 'float32') throw new Error(`webrnn: ${op}: ${k} must be float32, got ${t.dtype}`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new Error(`webrnn: ${op}: ${k} has shape ${shapeStr(t.shape)} but param has shape ${shapeStr(p.shape)}`);
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (all[i]![1].storage === all[j]![1].storage) {
        throw new Error(`webrnn: ${op}: ${all[i]![0]} and ${all[j]![0]} share one buffer; each must be its own tensor`);
      }
    }
  }
}
