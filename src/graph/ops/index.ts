// All differentiable ops as plain functions (the public `matmul(a, b)`, `add(a, b)`, ...).
import { functional } from './arithmetic.js';
import { conv1d, conv2d } from './conv.js';
import { batchNorm, layerNorm } from './norm.js';
import { avgPool2d, maxPool2d } from './pool.js';
import { linear, matmul } from './linalg.js';
import { reductions } from './reduction.js';
import { sample } from './sample.js';
import { shapeOps } from './shape.js';

/** Every differentiable op as a plain function, e.g. `ops.add(a, b)`; each is also exported at the top level (`add`) and most are Tensor methods (`a.add(b)`). */
export const ops = {
  ...functional,
  ...reductions,
  ...shapeOps,
  /** a·b over the last two dims, batched over the leading ones: [..., n, k]·[..., k, m] (or a shared [k, m]) → [..., n, m]. */
  matmul,
  /** y = x·Wᵀ + b: x [..., in], W [out, in], b [out] (PyTorch's nn.Linear layout) → [..., out]. */
  linear,
  /** int32 ids [B] drawn on the GPU from logits [B, V]: greedy (temperature 0), or softmax(x/τ) over the top-k logits. */
  sample,
  /** y [B, C_out, OL] = conv1d(x [B, C_in, L], weight [C_out, C_in/groups, K]) + bias [C_out]. */
  conv1d,
  /** y [B, C_out, OH, OW] = conv2d(x [B, C_in, H, W], weight [C_out, C_in/groups, KH, KW]) + bias [C_out]. */
  conv2d,
  /** PyTorch's F.batch_norm over x [B, C] or [B, C, ...]: per channel (x − mean)/√(var + eps)·weight + bias; same shape. */
  batchNorm,
  /** PyTorch's F.layer_norm: each slice over the last dims (`normalizedShape`) normalised, then · weight + bias; same shape. */
  layerNorm,
  /** Max over kernelSize windows of x [B, C, H, W] or [C, H, W]; stride defaults to the kernel → [..., OH, OW]. */
  maxPool2d,
  /** Mean over kernelSize windows of x [B, C, H, W] or [C, H, W] (countIncludePad by default) → [..., OH, OW]. */
  avgPool2d,
};
export type Ops = typeof ops;
