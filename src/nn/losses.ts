// Losses: crossEntropy (fused softmax + NLL with class indices), mseLoss and
// binaryCrossEntropyWithLogits, each with reduction 'mean' | 'sum' | 'none' and an optional
// per-row mask (padding in variable-length batches). 'mean' divides by the rows that count.
import * as ew from '../kernels/elementwise.js';
import { launchLossWeights } from '../kernels/loss_weights.js';
import { launchReduce } from '../kernels/reduce.js';
import { softmaxCrossEntropy } from '../kernels/softmax.js';
import { full } from '../graph/create.js';
import { ops } from '../graph/ops/index.js';
import { apply1, type Op } from '../graph/tape.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { checkOptions, show, type Spec } from '../util/options.js';

/** How a loss reduces its per-row values: their mean (over the rows that count), their sum, or none. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of every loss: the reduction (default 'mean') and an optional per-row mask. */
export interface LossOptions {
  reduction?: Reduction;
  /** Per-row weights (1 = counts, 0 = padding): shape [N] for crossEntropy, or the loss's leading dims. */
  mask?: Tensor;
}

export interface CrossEntropyOptions extends LossOptions {
  /** Rows whose target equals this count for nothing (PyTorch's ignore_index; none by default). */
  ignoreIndex?: number;
  /** Class weights [C] (PyTorch's `weight`): 'mean' divides by the sum of the targets' weights. */
  weight?: Tensor;
  /** PyTorch's label_smoothing ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

export interface BCEWithLogitsOptions extends LossOptions {
  /** Per-element weights broadcast over the loss (PyTorch's `weight`); 'mean' still divides by the element count. */
  weight?: Tensor;
  /** Weight of the positive term, broadcast over the last dim (PyTorch's `pos_weight`, e.g. [C]). */
  posWeight?: Tensor;
}

const isTensor = (v: unknown) => (v instanceof Tensor ? null : 'a Tensor');
const LOSS_OPTIONS: Spec = { reduction: ['mean', 'sum', 'none'], mask: isTensor };

/** Which optional inputs crossEntropyOp got, in this order after logits and targets. */
type XentParams = { reduction: Reduction; ignoreIndex?: number; labelSmoothing: number; rowMul: boolean; weight: boolean; count: boolean };
type XentSaved = { dlogits: Tensor; rowMul: Tensor | null; count: Tensor | null; n: number };

const crossEntropyOp: Op<XentParams, XentSaved> = {
  name: 'crossEntropy',
  forward: ([logits, targets, ...rest], p, save) => {
    const rowMulIn = p.rowMul ? rest.shift()! : null;
    const weight = p.weight ? rest.shift()! : null;
    const countIn = p.count ? rest.shift()! : null;
    const rowMul = rowMulIn ? save(rowMulIn) : null;
    // Ignored rows get loss 0 and a zero gradient row here: their targets may be out of range
    // (−100), which would make the row NaN, and NaN × weight 0 is still NaN.
    const { loss, dlogits } = softmaxCrossEntropy(logits!, targets!, { ignoreIndex: p.ignoreIndex, weight, labelSmoothing: p.labelSmoothing });
    const n = logits!.shape[0]!;
    const rows = rowMul ? ew.launchBinary('mul', loss, rowMul) : loss;
    if (rows !== loss) loss.dispose();
    const saved = { dlogits, rowMul, count: null, n };
    if (p.reduction === 'none') return { outputs: [rows], saved, scratch: [dlogits] };
    const total = launchReduce('sum', rows);
    rows.dispose();
    if (p.reduction === 'sum') return { outputs: [total], saved, scratch: [dlogits] };
    const count = countIn ? save(countIn) : null;
    const mean = count ? ew.launchBinary('div', total, count) : ew.launchUnary('scale', total, { scalar: 1 / Math.max(n, 1) });
    total.dispose();
    return { outputs: [mean], saved: { ...saved, count }, scratch: [dlogits] };
  },
  backward: ([dy], { dlogits, rowMul, count, n }, p) => {
    const reduction = p.reduction;
    // d loss_i / d logits_i (the kernel's, class weights and smoothing included), times the row's
    // mask and the reduction's scale.
    let scale = reduction === 'none' ? dy!.view([n, 1]) : dy!.view([1, 1]);
    if (reduction === 'mean') {
      const c = count?.view([1, 1]);
      const s = c ? ew.launchBinary('div', scale, c) : ew.launchUnary('scale', scale, { scalar: 1 / Math.max(n, 1) });
      c?.dispose(); // views hold the storage: an undisposed one would keep count alive
      scale.dispose();
      scale = s;
    }
    if (rowMul) {
      const wc = rowMul.view([n, 1]);
      const s = ew.launchBinary('mul', scale, wc);
      wc.dispose();
      scale.dispose();
      scale = s;
    }
    const d = ew.launchBinary('mul', dlogits, scale);
    scale.dispose();
    // No gradient for the targets and the optional inputs (PyTorch's class weights get none either).
    return [d, ...new Array<null>(1 + Number(p.rowMul) + Number(p.weight) + Number(p.count)).fill(null)];
  },
};

/** Cross-entropy of logits [N, C] against int32 class indices [N] (PyTorch's F.cross_entropy),
 *  with class weights, label smoothing and an ignore index as PyTorch's; a mask multiplies rows. */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', opts, { ...LOSS_OPTIONS, ignoreIndex: 'integer', weight: isTensor, labelSmoothing: 'unitInterval' });
  checkTensor('crossEntropy', 'logits', logits);
  checkTensor('crossEntropy', 'targets', targets);
  if (logits.rank !== 2) throw new Error(`webrnn: crossEntropy: logits must be [N, C], got ${shapeStr(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (targets.dtype !== 'int32') throw new Error(`webrnn: crossEntropy: targets must be int32 class indices, got ${targets.dtype} ${shapeStr(targets.shape)}`);
  if (targets.rank !== 1 || targets.shape[0] !== n) throw new Error(`webrnn: crossEntropy: targets ${shapeStr(targets.shape)} do not match logits ${shapeStr(logits.shape)} (expected [${n}])`);
  const { mask, weight, ignoreIndex } = opts;
  if (mask && mask.size !== n) throw new Error(`webrnn: crossEntropy: mask ${shapeStr(mask.shape)} does not match logits ${shapeStr(logits.shape)} (expected [${n}])`);
  if (weight && (weight.dtype !== 'float32' || weight.rank !== 1 || weight.shape[0] !== c)) {
    throw new Error(`webrnn: crossEntropy: weight must be float32 [C] = [${c}], got ${weight.dtype} ${shapeStr(weight.shape)}`);
  }
  const reduction = opts.reduction ?? 'mean';
  const rowMul = mask || ignoreIndex !== undefined ? launchLossWeights(n, targets, ignoreIndex, mask ?? null) : null;
  // 'mean' divides by Σ over the rows that count of mask · weight[target] (PyTorch's weighted mean).
  let count: Tensor | null = null;
  if (reduction === 'mean' && (rowMul || weight)) {
    const w = weight ? launchLossWeights(n, targets, ignoreIndex, mask ?? null, weight) : rowMul!;
    count = launchReduce('sum', w);
    if (w !== rowMul) w.dispose();
  }
  const inputs = [logits, targets, ...[rowMul, weight, count].filter((t): t is Tensor => t !== null && t !== undefined)];
  const params = { reduction, ignoreIndex, labelSmoothing: opts.labelSmoothing ?? 0, rowMul: !!rowMul, weight: !!weight, count: !!count };
  const out = apply1(crossEntropyOp, inputs, params);
  rowMul?.dispose(); // the op saved its own views for the backward
  count?.dispose();
  return out;
}

function checkTensor(what: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`webrnn: ${what}: ${name} must be a Tensor, got ${show(t)}`);
  t.assertAlive();
}

/** Checks a mask against the per-element loss shape (its leading dims), before any dispatch. */
function checkMask(what: string, mask: Tensor | undefined, shape: readonly number[]): void {
  if (mask && mask.dtype !== 'float32') throw new Error(`webrnn: ${what}: mask must be float32, got ${mask.dtype} ${shapeStr(mask.shape)}`);
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
  for (const [name, t] of [['input', a], ['target', b]] as const) {
    if (t.dtype !== 'float32') throw new Error(`webrnn: ${what}: ${name} must be float32, got ${t.dtype} ${shapeStr(t.shape)}`);
  }
  if (a.shape.join() !== b.shape.join()) throw new Error(`webrnn: ${what}: input ${shapeStr(a.shape)} and target ${shapeStr(b.shape)} must have the same shape`);
}

/** mseLoss reduced to a scalar without a mask, in two launches each way instead of four: d = input
 *  − target, then Σd² (/ n) in the reduction's own squaring pass; backward d input = d·g·2/n, and
 *  d target its negation. */
const mseOp: Op<{ mean: boolean }, { d: Tensor }> = {
  name: 'mseLoss',
  forward: ([input, target], { mean }) => {
    const d = ew.launchBinary('sub', input!, target!);
    return { outputs: [launchReduce(mean ? 'meanSquares' : 'sumSquares', d)], saved: { d }, scratch: [d] };
  },
  backward: ([dy], { d }, { mean }, needs) => {
    const gd = ew.launchBinary('mul', d, dy!);
    const dx = ew.launchUnary('scale', gd, { scalar: mean ? 2 / d.size : 2 });
    gd.dispose();
    const dt = needs[1] ? ew.launchUnary('neg', dx) : null;
    if (needs[0]) return [dx, dt];
    dx.dispose();
    return [null, dt];
  },
};

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions('mseLoss', opts, LOSS_OPTIONS);
  checkTensor('mseLoss', 'input', input);
  checkTensor('mseLoss', 'target', target);
  checkSame('mseLoss', input, target);
  checkMask('mseLoss', opts.mask, input.shape);
  const reduction = opts.reduction ?? 'mean';
  if (!opts.mask && reduction !== 'none' && input.size > 0) return apply1(mseOp, [input, target], { mean: reduction === 'mean' });
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

/** Throws unless `t` broadcasts to `shape` (NumPy's rule, aligned at the last dim) without growing it. */
function checkBroadcast(what: string, name: string, t: Tensor, shape: readonly number[]): void {
  const ok = t.rank <= shape.length && t.shape.every((d, i) => d === 1 || d === shape[shape.length - t.rank + i]);
  if (!ok || t.dtype !== 'float32') {
    throw new Error(`webrnn: ${what}: ${name} must be float32 and broadcast to ${shapeStr(shape)}, got ${t.dtype} ${shapeStr(t.shape)}`);
  }
}

/** Binary cross-entropy on logits, computed stably as max(x, 0) − x·t + log(1 + e^−|x|); with
 *  PyTorch's pos_weight p: (1 − t)·x + (1 + (p − 1)·t)·log(1 + e^−x), and its per-element weight. */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const what = 'binaryCrossEntropyWithLogits';
  checkOptions(what, opts, { ...LOSS_OPTIONS, weight: isTensor, posWeight: isTensor });
  checkTensor(what, 'logits', logits);
  checkTensor(what, 'target', target);
  checkSame(what, logits, target);
  checkMask(what, opts.mask, logits.shape);
  const { weight, posWeight } = opts;
  if (weight) checkBroadcast(what, 'weight', weight, logits.shape);
  if (posWeight) checkBroadcast(what, 'posWeight', posWeight, logits.shape);
  let elems = apply1(bceWithLogitsOp, [logits, target], null);
  if (posWeight) {
    // (p − 1)·t·softplus(−x) added to the p = 1 loss; softplus(−x) is the same op with t = 1.
    const ones = full(logits.shape, 1);
    const sp = apply1(bceWithLogitsOp, [logits, ones], null);
    const pm1 = ops.sub(posWeight, 1);
    const pt = ops.mul(pm1, target);
    const extra = ops.mul(pt, sp);
    const sum = ops.add(elems, extra);
    for (const t of [ones, sp, pm1, pt, extra, elems]) t.dispose();
    elems = sum;
  }
  if (weight) {
    const w = ops.mul(elems, weight);
    elems.dispose();
    elems = w;
  }
  return reduceLoss(elems, opts);
}
