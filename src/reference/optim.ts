// CPU twins of the optimizer kernels (sgd, adam, adagrad, rmsprop): torch.optim's update rules as
// plain float64 loops, updating the parameter and state arrays in place, one element at a time.
// Options are the same objects the GPU calls take.
import type { AdagradOptions, AdamOptions, RmspropOptions, SgdOptions } from '../kernels/optim.js';

type Arr = Float64Array;

/** torch.optim.SGD: the momentum buffer is the (decayed) gradient itself on the first step. */
export function sgdRef(p: Arr, g: ArrayLike<number>, buf: Arr | null, o: SgdOptions): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i]!;
    if (o.weightDecay !== 0) d += o.weightDecay * p[i]!;
    if (o.momentum !== 0) {
      const b = o.firstStep ? d : o.momentum * buf![i]! + (1 - o.dampening) * d;
      buf![i] = b;
      d = o.nesterov ? d + o.momentum * b : b;
    }
    p[i] = p[i]! - o.lr * d;
  }
}

/** torch.optim.Adam (L2 weight decay added to the gradient) or AdamW (decoupled), step o.step ≥ 1;
 *  with amsgrad, vMax keeps the running max of v and the denominator uses it. */
export function adamRef(p: Arr, g: ArrayLike<number>, m: Arr, v: Arr, o: AdamOptions, vMax: Arr | null = null): void {
  const bc1 = 1 - Math.pow(o.beta1, o.step);
  const bc2 = 1 - Math.pow(o.beta2, o.step);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.weightDecay);
    else if (o.weightDecay !== 0) gi += o.weightDecay * p[i]!;
    m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
    const mHat = m[i]! / bc1;
    let vd = v[i]!;
    if (o.amsgrad) {
      vd = Number.isNaN(vd) ? NaN : Math.max(vMax![i]!, vd);
      vMax![i] = vd;
    }
    const denom = Math.sqrt(vd) / Math.sqrt(bc2) + o.eps;
    p[i] = p[i]! - o.lr * (mHat / denom);
  }
}

/** torch.optim.Adagrad at step o.step ≥ 1; `sum` starts at initial_accumulator_value. */
export function adagradRef(p: Arr, g: ArrayLike<number>, sum: Arr, o: AdagradOptions): void {
  const clr = o.lr / (1 + (o.step - 1) * o.lrDecay);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.weightDecay !== 0) gi += o.weightDecay * p[i]!;
    sum[i] = sum[i]! + gi * gi;
    p[i] = p[i]! - (clr * gi) / (Math.sqrt(sum[i]!) + o.eps);
  }
}

/** torch.optim.RMSprop; `buf` is used when momentum > 0 and `gradAvg` when centered. */
export function rmspropRef(p: Arr, g: ArrayLike<number>, sq: Arr, buf: Arr | null, gradAvg: Arr | null, o: RmspropOptions): void {
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.weightDecay !== 0) gi += o.weightDecay * p[i]!;
    sq[i] = o.alpha * sq[i]! + (1 - o.alpha) * gi * gi;
    let avg: number;
    if (o.centered) {
      gradAvg![i] = o.alpha * gradAvg![i]! + (1 - o.alpha) * gi;
      avg = Math.sqrt(sq[i]! - gradAvg![i]! ** 2) + o.eps;
    } else {
      avg = Math.sqrt(sq[i]!) + o.eps;
    }
    if (o.momentum > 0) {
      buf![i] = o.momentum * buf![i]! + gi / avg;
      p[i] = p[i]! - o.lr * buf![i]!;
    } else {
      p[i] = p[i]! - (o.lr * gi) / avg;
    }
  }
}
