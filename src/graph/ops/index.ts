// All differentiable ops as plain functions (the public `matmul(a, b)`, `add(a, b)`, ...).
import { functional } from './arithmetic.js';
import { linear, matmul } from './linalg.js';
import { reductions } from './reduction.js';
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
};
export type Ops = typeof ops;
