// Differentiable normalisation: batchNorm (PyTorch's F.batch_norm over [B, C, ...], batch or
// running statistics, running-stat updates as a side effect of training) and layerNorm (over the
// last dims). Both run the norm kernels over x viewed as [outer, C, inner].
import * as ew from '../../kernels/elementwise.js';
import { type AffineMode, launchNormBackward, launchNormForward, launchNormStats, type NormView } from '../../kernels/norm.js';
import { launchReduce } from '../../kernels/reduce.js';
import { apply1, type Op } from '../tape.js';
import { shapeStr, sizeOf, type Tensor } from '../../tensor/tensor.js';
import { anyValue, checkOptions } from '../../util/options.js';

interface NormParams {
  view: NormView;
  mode: AffineMode;
  /** mean and invstd are x's own (their dependence on x is part of the gradient). */
  batchStats: boolean;
  /** For layer norm: the shape of weight and bias. */
  affineShape: readonly number[];
}
interface NormSaved {
  x: Tensor;
  mean: Tensor;
  invstd: Tensor;
  weight: Tensor | null;
}

/** Inputs [x, weight?, bias?]; mean and invstd arrive through the params' closure (see below). */
function normOp(mean: Tensor, invstd: Tensor, count?: Tensor): Op<NormParams, NormSaved> {
  return {
    name: 'norm',
    forward: ([x, weight, bias], p, save) => {
      const y = launchNormForward(x!, p.view, mean, invstd, { mode: p.mode, weight, bias }, count);
      return { outputs: [y], saved: { x: save(x!), mean, invstd, weight: weight ? save(weight) : null }, scratch: [mean, invstd] };
    },
    backward: ([dy], s, p, needs) => {
      const g = launchNormBackward(s.x, dy!, p.view, s.mean, s.invstd, { mode: p.mode, weight: s.weight }, {
        batchStats: p.batchStats, product: p.mode === 2 && !!needs[1],
      });
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (p.mode === 1) {
        dw = needs[1] ? g.sumGx : null;
        db = needs[2] ? g.sumG : null;
      } else if (p.mode === 2) {
        // Layer norm's weight and bias are per position: sum dy·x̂ and dy over the rows.
        const n = sizeOf(p.affineShape);
        const rows = (t: Tensor) => t.view([t.size / n, n]);
        if (g.product) {
          const pr = rows(g.product);
          dw = launchReduce('sum', pr, 0);
          pr.dispose();
          g.product.dispose();
        }
        if (needs[2]) {
          const d2 = rows(dy!);
          db = launchReduce('sum', d2, 0);
          d2.dispose();
        }
      }
      if (dw !== g.sumGx) g.sumGx.dispose();
      if (db !== g.sumG) g.sumG.dispose();
      return [needs[0] ? g.dx : (g.dx.dispose(), null), dw, db];
    },
  };
}

function checkFloat(what: string, ts: [string, Tensor | null | undefined][]): void {
  for (const [name, t] of ts) {
    if (!t) continue;
    t.assertAlive();
    if (t.dtype !== 'float32') throw new Error(`webrnn: ${what}: ${name} ${shapeStr(t.shape)} is ${t.dtype}; it must be float32`);
  }
}

/** Options of batchNorm(): training or eval mode, the running-stat momentum, eps and the batch counter. */
export interface BatchNormOptions {
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training?: boolean;
  /** running = (1 − momentum)·running + momentum·batch; null: the cumulative average (needs numBatchesTracked). */
  momentum?: number | null;
  eps?: number;
  /** int32 [] counter, incremented by each training step that updates the running statistics. */
  numBatchesTracked?: Tensor | null;
}

/** PyTorch's F.batch_norm over x [B, C] or [B, C, ...]: per channel (x − mean)/√(var + eps)·weight + bias.
 *  Training mode (or no running statistics) normalises with the batch's biased variance and updates
 *  runningMean/runningVar in place when given (the unbiased variance); eval mode uses them. */
export function batchNorm(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null = null, bias: Tensor | null = null,
  opts: BatchNormOptions = {},
): Tensor {
  const what = 'batchNorm';
  checkOptions(what, opts, { training: 'boolean', momentum: anyValue, eps: anyValue, numBatchesTracked: anyValue }); // values checked below
  checkFloat(what, [['input', x], ['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]]);
  if (x.rank < 2) throw new Error(`webrnn: ${what}: input must be [B, C] or [B, C, ...], got ${shapeStr(x.shape)}`);
  const c = x.shape[1]!;
  const view = { outer: x.shape[0]!, c, inner: sizeOf(x.shape.slice(2)) };
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== c)) throw new Error(`webrnn: ${what}: ${name} ${shapeStr(t.shape)} must be [${c}] (the channels of ${shapeStr(x.shape)})`);
  }
  if (!!runningMean !== !!runningVar) throw new Error(`webrnn: ${what}: give runningMean and runningVar together, or neither`);
  if (!!weight !== !!bias) throw new Error(`webrnn: ${what}: give weight and bias together, or neither`);
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
  if (!(eps >= 0)) throw new Error(`webrnn: ${what}: eps must be ≥ 0, got ${eps}`);
  if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new Error(`webrnn: ${what}: momentum must be in [0, 1] or null, got ${momentum}`);
  const count = opts.numBatchesTracked ?? undefined;
  if (count && (count.dtype !== 'int32' || count.size !== 1)) throw new Error(`webrnn: ${what}: numBatchesTracked must be a one-element int32 tensor, got ${count.dtype} ${shapeStr(count.shape)}`);
  const training = opts.training ?? true;
  const batchStats = training || !runningMean;
  if (batchStats && view.outer * view.inner < 2) {
    throw new Error(`webrnn: ${what}: expected more than 1 value per channel when training, got input ${shapeStr(x.shape)}`);
  }
  let mean: Tensor, invstd: Tensor;
  const update = training && runningMean && runningVar;
  if (update && momentum === null && !count) throw new Error(`webrnn: ${what}: momentum null (cumulative average) needs numBatchesTracked`);
  if (batchStats) {
    const running = update ? { mean: runningMean, var: runningVar!, momentum, batches: count ?? x } : undefined;
    ({ mean, invstd } = launchNormStats(x, view, eps, running));
  } else {
    // Copies: later training steps update the running statistics in place.
    mean = ew.launchUnary('scale', runningMean!, { scalar: 1 });
    const v = ew.launchUnary('addScalar', runningVar!, { scalar: eps });
    invstd = ew.launchUnary('pow', v, { exponent: -0.5 });
    v.dispose();
  }
  const params: NormParams = { view, mode: weight ? 1 : 0, batchStats, affineShape: [c] };
  const inputs = weight ? [x, weight, bias!] : [x];
  return apply1(normOp(mean, invstd, update && count ? count : undefined), inputs, params);
}

/** PyTorch's F.layer_norm: each slice over the last dims (`normalizedShape`) normalised to zero
 *  mean and unit (biased) variance, then · weight + bias (both of `normalizedShape`) when given. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const what = 'layerNorm';
  checkFloat(what, [['input', x], ['weight', weight], ['bias', bias]]);
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || shapeStr(x.shape.slice(x.rank - k)) !== shapeStr(normalizedShape)) {
    throw new Error(`webrnn: ${what}: normalizedShape ${shapeStr(normalizedShape)} must be the last dims of the input ${shapeStr(x.shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && shapeStr(t.shape) !== shapeStr(normalizedShape)) throw new Error(`webrnn: ${what}: ${name} ${shapeStr(t.shape)} must be ${shapeStr(normalizedShape)}`);
  }
  if (!!weight !== !!bias) throw new Error(`webrnn: ${what}: give weight and bias together, or neither`);
  if (!(eps >= 0)) throw new Error(`webrnn: ${what}: eps must be ≥ 0, got ${eps}`);
  const n = sizeOf(normalizedShape);
  const view = { outer: 1, c: x.size / Math.max(n, 1), inner: n };
  const { mean, invstd } = launchNormStats(x, view, eps);
  const params: NormParams = { view, mode: weight ? 2 : 0, batchStats: true, affineShape: normalizedShape };
  return apply1(normOp(mean, invstd), weight ? [x, weight, bias!] : [x], params);
}
