// Losses: crossEntropy (fused softmax + NLL with class indices), mseLoss and
// binaryCrossEntropyWithLogits, each with reduction 'mean' | 'sum' | 'none' and an optional
// per-row mask (padding in variable-length batches). 'mean' divides by the rows that count.
import * as ew from '../kernels/elementwise.js';
import { lossWeights } from '../kernels/loss_weights.js';
import { reduce } from '../kernels/reduce.js';
import { softmaxCrossEntropy } from '../kernels/softmax.js';
import { ops } from '../graph/ops/index.js';
import { apply1, type Op } from '../graph/tape.js';
import type { Tensor } from '../graph/tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
  /** Per-row weights (1 = counts, 0 = padding): shape [N] for crossEntropy, or the loss's leading dims. */
  mask?: Tensor;
}

const fmt = (t: Tensor) => `[${t.shape.join(', ')}]`;

type XentSaved = { dlogits: Tensor; w: Tensor | null; count: Tensor | null; n: number };

const crossEntropyOp: Op<{ reduction: Reduction }, XentSaved> = {
  name: 'crossEntropy',
  forward: ([logits, targets, wIn], { reduction }, save) => {
    const w = wIn ? save(wIn) : undefined;
    const { loss, dlogits } = softmaxCrossEntropy(logits!, targets!);
    const n = logits!.shape[0]!;
    const rows = w ? ew.binary('mul', loss, w) : loss;
    if (rows !== loss) loss.dispose();
    if (reduction === 'none') return { outputs: [rows], saved: { dlogits, w: w ?? null, count: null, n }, scratch: [dlogits] };
    const total = reduce('sum', rows);
    rows.dispose();
    if (reduction === 'sum') return { outputs: [total], saved: { dlogits, w: w ?? null, count: null, n }, scratch: [dlogits] };
    const count = w ? reduce('sum', w) : null;
    const mean = count ? ew.binary('div', total, count) : ew.unary('scale', total, { scalar: 1 / Math.max(n, 1) });
    total.dispose();
    return { outputs: [mean], saved: { dlogits, w: w ?? null, count, n }, scratch: count ? [dlogits, count] : [dlogits] };
  },
  backward: ([dy], { dlogits, w, count, n }, { reduction }) => {
    // d loss_i / d logits_i = softmax_i − onehot_i, times the row's weight and the reduction's scale.
    let scale = reduction === 'none' ? dy!.view([n, 1]) : dy!.view([1, 1]);
    if (reduction === 'mean') {
      const s = count ? ew.binary('div', scale, count.view([1, 1])) : ew.unary('scale', scale, { scalar: 1 / Math.max(n, 1) });
      scale.dispose();
      scale = s;
    }
    if (w) {
      const s = ew.binary('mul', scale, w.view([n, 1]));
      scale.dispose();
      scale = s;
    }
    const d = ew.binary('mul', dlogits, scale);
    scale.dispose();
    return [d, null, null];
  },
};

/** Cross-entropy of logits [N, C] against int32 class indices [N] (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: LossOptions & { ignoreIndex?: number } = {}): Tensor {
  if (logits.rank !== 2) throw new Error(`webrnn: crossEntropy: logits must be [N, C], got ${fmt(logits)}`);
  const n = logits.shape[0]!;
  if (targets.dtype !== 'int32') throw new Error(`webrnn: crossEntropy: targets must be int32 class indices, got ${targets.dtype} ${fmt(targets)}`);
  if (targets.rank !== 1 || targets.shape[0] !== n) throw new Error(`webrnn: crossEntropy: targets ${fmt(targets)} do not match logits ${fmt(logits)} (expected [${n}])`);
  const mask = opts.mask;
  if (mask && mask.size !== n) throw new Error(`webrnn: crossEntropy: mask ${fmt(mask)} does not match logits ${fmt(logits)} (expected [${n}])`);
  const w = mask || opts.ignoreIndex !== undefined ? lossWeights(n, targets, opts.ignoreIndex, mask ?? null) : null;
  const out = apply1(crossEntropyOp, w ? [logits, targets, w] : [logits, targets], { reduction: opts.reduction ?? 'mean' });
  return out;
}

/** Applies the reduction to per-element losses, with an optional mask broadcast over them. */
function reduceLoss(what: string, elems: Tensor, opts: LossOptions): Tensor {
  const reduction = opts.reduction ?? 'mean';
  let weighted = elems;
  const mask = opts.mask;
  if (mask) {
    if (mask.rank > elems.rank || mask.shape.some((d, i) => d !== elems.shape[i])) {
      throw new Error(`webrnn: ${what}: mask ${fmt(mask)} must match the leading dims of ${fmt(elems)}`);
    }
    const m = ops.reshape(mask, [...mask.shape, ...elems.shape.slice(mask.rank).map(() => 1)]);
    weighted = ops.mul(elems, m);
    m.dispose();
  }
  if (reduction === 'none') return weighted;
  const total = ops.sum(weighted);
  if (reduction === 'sum') return total;
  if (!mask) return ops.mul(total, 1 / Math.max(elems.size, 1));
  // mean over the elements that count: Σ mask × (elements per mask entry)
  const perRow = elems.size / Math.max(mask.size, 1);
  const count = ops.mul(ops.sum(mask.detach()), perRow);
  return ops.div(total, count);
}

function checkSame(what: string, a: Tensor, b: Tensor): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`webrnn: ${what}: input ${fmt(a)} and target ${fmt(b)} must have the same shape`);
}

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkSame('mseLoss', input, target);
  return reduceLoss('mseLoss', ops.square(ops.sub(input, target)), opts);
}

/** Binary cross-entropy on logits, computed stably as max(x, 0) − x·t + log(1 + e^−|x|). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkSame('binaryCrossEntropyWithLogits', logits, target);
  const softplus = ops.log(ops.add(ops.exp(ops.neg(ops.abs(logits))), 1));
  const elems = ops.add(ops.sub(ops.relu(logits), ops.mul(logits, target)), softplus);
  return reduceLoss('binaryCrossEntropyWithLogits', elems, opts);
}
