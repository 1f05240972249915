// Losses: crossEntropy (fused softmax + NLL with class indices), mseLoss and
// binaryCrossEntropyWithLogits, each with reduction 'mean' | 'sum' | 'none' and an optional
// per-row mask (padding in variable-length batches). 'mean' divides by the rows that count.
import * as ew from '../kernels/elementwise.js';
import { launchLossWeights } from '../kernels/loss_weights.js';
import { launchReduce } from '../kernels/reduce.js';
import { softmaxCrossEntropy } from '../kernels/softmax.js';
import { ops } from '../graph/ops/index.js';
import { apply1, type Op } from '../graph/tape.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';

/** How a loss reduces its per-row values: their mean (over the rows that count), their sum, or none. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of every loss: the reduction (default 'mean') and an optional per-row mask. */
export interface LossOptions {
  reduction?: Reduction;
  /** Per-row weights (1 = counts, 0 = padding): shape [N] for crossEntropy, or the loss's leading dims. */
  mask?: Tensor;
}

type XentSaved = { dlogits: Tensor; w: Tensor | null; count: Tensor | null; n: number };

const crossEntropyOp: Op<{ reduction: Reduction; ignoreIndex?: number }, XentSaved> = {
  name: 'crossEntropy',
  forward: ([logits, targets, wIn], { reduction, ignoreIndex }, save) => {
    const w = wIn ? save(wIn) : undefined;
    // Ignored rows get loss 0 and a zero gradient row here: their targets may be out of range
    // (−100), which would make the row NaN, and NaN × weight 0 is still NaN.
    const { loss, dlogits } = softmaxCrossEntropy(logits!, targets!, { ignoreIndex });
    const n = logits!.shape[0]!;
    const rows = w ? ew.launchBinary('mul', loss, w) : loss;
    if (rows !== loss) loss.dispose();
    if (reduction === 'none') return { outputs: [rows], saved: { dlogits, w: w ?? null, count: null, n }, scratch: [dlogits] };
    const total = launchReduce('sum', rows);
    rows.dispose();
    if (reduction === 'sum') return { outputs: [total], saved: { dlogits, w: w ?? null, count: null, n }, scratch: [dlogits] };
    const count = w ? launchReduce('sum', w) : null;
    const mean = count ? ew.launchBinary('div', total, count) : ew.launchUnary('scale', total, { scalar: 1 / Math.max(n, 1) });
    total.dispose();
    return { outputs: [mean], saved: { dlogits, w: w ?? null, count, n }, scratch: count ? [dlogits, count] : [dlogits] };
  },
  backward: ([dy], { dlogits, w, count, n }, { reduction }) => {
    // d loss_i / d logits_i = softmax_i − onehot_i, times the row's weight and the reduction's scale.
    let scale = reduction === 'none' ? dy!.view([n, 1]) : dy!.view([1, 1]);
    if (reduction === 'mean') {
      const c = count?.view([1, 1]);
      const s = c ? ew.launchBinary('div', scale, c) : ew.launchUnary('scale', scale, { scalar: 1 / Math.max(n, 1) });
      c?.dispose(); // views hold the storage: an undisposed one would keep count alive
      scale.dispose();
      scale = s;
    }
    if (w) {
      const wc = w.view([n, 1]);
      const s = ew.launchBinary('mul', scale, wc);
      wc.dispose();
      scale.dispose();
      scale = s;
    }
    const d = ew.launchBinary('mul', dlogits, scale);
    scale.dispose();
    return [d, null, null];
  },
};

/** Cross-entropy of logits [N, C] against int32 class indices [N] (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: LossOptions & { ignoreIndex?: number } = {}): Tensor {
  if (logits.rank !== 2) throw new Error(`webrnn: crossEntropy: logits must be [N, C], got ${shapeStr(logits.shape)}`);
  const n = logits.shape[0]!;
  if (targets.dtype !== 'int32') throw new Error(`webrnn: crossEntropy: targets must be int32 class indices, got ${targets.dtype} ${shapeStr(targets.shape)}`);
  if (targets.rank !== 1 || targets.shape[0] !== n) throw new Error(`webrnn: crossEntropy: targets ${shapeStr(targets.shape)} do not match logits ${shapeStr(logits.shape)} (expected [${n}])`);
  const mask = opts.mask;
  if (mask && mask.size !== n) throw new Error(`webrnn: crossEntropy: mask ${shapeStr(mask.shape)} does not match logits ${shapeStr(logits.shape)} (expected [${n}])`);
  const w = mask || opts.ignoreIndex !== undefined ? launchLossWeights(n, targets, opts.ignoreIndex, mask ?? null) : null;
  const out = apply1(crossEntropyOp, w ? [logits, targets, w] : [logits, targets], { reduction: opts.reduction ?? 'mean', ignoreIndex: opts.ignoreIndex });
  w?.dispose(); // the op saved its own view of w for the backward
  return out;
}

/** Checks a mask against the per-element loss shape (its leading dims), before any dispatch. */
function checkMask(what: string, mask: Tensor | undefined, shape: readonly number[]): void {
  if (mask && (mask.rank > shape.length || mask.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(`webrnn: ${what}: mask ${shapeStr(mask.shape)} must match the leading dims of ${shapeStr(shape)}`);
  }
}

/** Applies the reduction to per-element losses (which it takes over), with an optional mask
 *  broadcast over them. Intermediates are disposed: the tape keeps what backward needs. */
function reduceLoss(elems: Tensor, opts: LossOptions): Tensor {
  const reduction = opts.reduction ?? 'mean';
  let weighted = elems;
  const mask = opts.mask;
  if (mask) {
    const m = ops.reshape(mask, [...mask.shape, ...elems.shape.slice(mask.rank).map(() => 1)]);
    weighted = ops.mul(elems, m);
    m.dispose();
    elems.dispose();
  }
  if (reduction === 'none') return weighted;
  const total = ops.sum(weighted);
  weighted.dispose();
  if (reduction === 'sum') return total;
  let out: Tensor;
  if (!mask) out = ops.mul(total, 1 / Math.max(elems.size, 1));
  else {
    // mean over the elements that count: Σ mask × (elements per mask entry)
    const perRow = elems.size / Math.max(mask.size, 1);
    const m = mask.detach();
    const masked = ops.sum(m);
    const count = ops.mul(masked, perRow);
    out = ops.div(total, count);
    for (const t of [m, masked, count]) t.dispose();
  }
  total.dispose();
  return out;
}

function checkSame(what: string, a: Tensor, b: Tensor): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`webrnn: ${what}: input ${shapeStr(a.shape)} and target ${shapeStr(b.shape)} must have the same shape`);
}

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkSame('mseLoss', input, target);
  checkMask('mseLoss', opts.mask, input.shape);
  const diff = ops.sub(input, target);
  const elems = ops.square(diff);
  diff.dispose();
  return reduceLoss(elems, opts);
}

/** Element-wise BCE on logits x, max(x, 0) − x·t + log(1 + e^−|x|), with its smooth derivative
 *  dx = σ(x) − t (the composed ops' subgradients at x = 0 would give −t instead of ½ − t), dt = −x. */
const bceWithLogitsOp: Op<null, { x: Tensor; t: Tensor }> = {
  name: 'binaryCrossEntropyWithLogits',
  forward: ([x, t], _p, save) => {
    const steps: Tensor[] = [];
    const step = (v: Tensor) => (steps.push(v), v);
    const e = step(ew.launchUnary('exp', step(ew.launchUnary('neg', step(ew.launchUnary('abs', x!))))));
    const softplus = step(ew.launchUnary('log', step(ew.launchUnary('addScalar', e, { scalar: 1 }))));
    const linear = step(ew.launchBinary('sub', step(ew.launchUnary('relu', x!)), step(ew.launchBinary('mul', x!, t!))));
    const out = ew.launchBinary('add', linear, softplus);
    for (const v of steps) v.dispose();
    return { outputs: [out], saved: { x: save(x!), t: save(t!) } };
  },
  backward: ([dy], { x, t }, _p, needs) => {
    let dx: Tensor | null = null;
    if (needs[0]) {
      const s = ew.launchUnary('sigmoid', x);
      const d = ew.launchBinary('sub', s, t);
      dx = ew.launchBinary('mul', d, dy!);
      s.dispose();
      d.dispose();
    }
    let dt: Tensor | null = null;
    if (needs[1]) {
      const n = ew.launchUnary('neg', x);
      dt = ew.launchBinary('mul', n, dy!);
      n.dispose();
    }
    return [dx, dt];
  },
};

/** Binary cross-entropy on logits, computed stably as max(x, 0) − x·t + log(1 + e^−|x|). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkSame('binaryCrossEntropyWithLogits', logits, target);
  checkMask('binaryCrossEntropyWithLogits', opts.mask, logits.shape);
  return reduceLoss(apply1(bceWithLogitsOp, [logits, target], null), opts);
}
