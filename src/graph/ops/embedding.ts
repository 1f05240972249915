// Differentiable embedding lookup: gather rows forward, scatter-add rows backward (repeated
// indices add up). Indices are int32 and get no gradient.
import * as k from '../../kernels/embedding.js';
import { apply1, type Op } from '../tape.js';
import { shapeStr, type Tensor } from '../../tensor/tensor.js';

const embeddingOp: Op<{ paddingIdx: number | null }, { indices: Tensor; num: number }> = {
  name: 'embedding',
  forward: ([weight, indices], _p, save) => ({
    outputs: [k.launchEmbeddingForward(weight!, indices!)],
    saved: { indices: save(indices!), num: weight!.shape[0]! },
  }),
  backward: ([dy], { indices, num }, { paddingIdx }) => [k.launchEmbeddingBackward(dy!, indices, num, paddingIdx), null],
};

/** Rows of `weight` [V, E] at int32 `indices` [...] → [..., E]; row `paddingIdx` (in [0, V)) gets no gradient. */
export function embedding(weight: Tensor, indices: Tensor, paddingIdx: number | null = null): Tensor {
  if (indices.dtype !== 'int32') throw new Error(`webrnn: embedding: indices must be int32, got ${indices.dtype} ${shapeStr(indices.shape)}`);
  if (weight.rank !== 2) throw new Error(`webrnn: embedding: weight must be [V, E], got ${shapeStr(weight.shape)}`);
  return apply1(embeddingOp, [weight, indices], { paddingIdx });
}
