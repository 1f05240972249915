// Token sampling as an op: int32 ids have no gradient, so it runs outside the tape (like argmax).
import { launchSample, type SampleOptions } from '../../kernels/sample.js';
import type { Tensor } from '../../tensor/tensor.js';

export type { SampleOptions };

/** int32 ids [B] drawn on the GPU from logits [B, V]: greedy (temperature 0), or softmax(x/τ) over
 *  the top-k logits with Philox uniforms of elements offset + b (reproducible from seed and offset). */
export function sample(logits: Tensor, opts: SampleOptions = {}): Tensor {
  return launchSample(logits, opts);
}
