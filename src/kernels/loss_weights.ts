// Descriptor of loss_weights.wgsl: row weights for losses with a mask and/or an ignore index.
import { recorder } from '../gpu/encoder.js';
import { defineKernel, perElement } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

export const lossWeights = /* @__PURE__ */ defineKernel({
  name: 'loss_weights',
  wgsl: [wgsl.per_element, wgsl.loss_weights],
  bindings: { targets: 'read', mask: 'read', class_weight: 'read', w: 'read_write' },
  dims: { n: 'u32', ignore_index: 'i32', has_ignore: 'u32', has_mask: 'u32', c: 'u32', has_class_weight: 'u32' },
  ...perElement,
});

/** w [N]: mask (or 1) times classWeight[targets] (when given), zeroed where targets == ignoreIndex.
 *  At least one of targets/mask is given; an absent one is bound to the other's buffer, which the
 *  shader then never reads. Class weights need targets. */
export function launchLossWeights(n: number, targets: Tensor | null, ignoreIndex: number | undefined, mask: Tensor | null, classWeight: Tensor | null = null): Tensor {
  checkLossWeights(n, targets, ignoreIndex, mask, classWeight);
  const w = Tensor.empty([n]);
  const anyBuf = (targets ?? mask)!.buffer;
  recorder(w.storage.g).dispatch(
    lossWeights,
    { targets: targets?.buffer ?? anyBuf, mask: mask?.buffer ?? anyBuf, class_weight: classWeight?.buffer ?? anyBuf, w: w.buffer },
    {
      n, ignore_index: ignoreIndex ?? 0, has_ignore: targets && ignoreIndex !== undefined ? 1 : 0, has_mask: mask ? 1 : 0,
      c: classWeight?.size ?? 0, has_class_weight: classWeight ? 1 : 0,
    },
  );
  return w;
}

/** Refuses bad arguments, naming them, before anything is allocated or dispatched. */
function checkLossWeights(n: number, targets: Tensor | null, ignoreIndex: number | undefined, mask: Tensor | null, classWeight: Tensor | null): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`webrnn: lossWeights: n = ${n} must be a non-negative integer`);
  if (!targets && !mask) throw new Error('webrnn: lossWeights: needs targets (with an ignoreIndex) or a mask');
  if (targets && (targets.dtype !== 'int32' || targets.size !== n)) {
    throw new Error(`webrnn: lossWeights: targets must be int32 with ${n} elements, got ${targets.dtype} ${shapeStr(targets.shape)}`);
  }
  if (mask && (mask.dtype !== 'float32' || mask.size !== n)) {
    throw new Error(`webrnn: lossWeights: mask must be float32 with ${n} elements, got ${mask.dtype} ${shapeStr(mask.shape)}`);
  }
  if (ignoreIndex !== undefined && !(Number.isInteger(ignoreIndex) && ignoreIndex >= -(2 ** 31) && ignoreIndex < 2 ** 31)) {
    throw new Error(`webrnn: lossWeights: ignoreIndex ${ignoreIndex} is not an int32`);
  }
  if (classWeight && (!targets || classWeight.dtype !== 'float32' || classWeight.rank !== 1)) {
    throw new Error(`webrnn: lossWeights: classWeight must be float32 [C] and needs targets, got ${classWeight.dtype} ${shapeStr(classWeight.shape)}`);
  }
  targets?.assertAlive();
  mask?.assertAlive();
  classWeight?.assertAlive();
}
