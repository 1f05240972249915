// Gradient clipping over a set of parameters, on the GPU with no readback (PyTorch's
// clip_grad_norm_ / clip_grad_value_).
import type { Tensor } from '../tensor/tensor.js';
import { clampInPlace, globalNorm, scaleToMaxNorm } from '../kernels/clip.js';

const grads = (params: Iterable<Tensor>) => [...params].map((p) => p.grad).filter((g): g is Tensor => g !== null);

/** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before
 *  clipping as a [1] tensor (read it with `await norm.item()` only when you need it). */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new Error(`webrnn: clipGradNorm: maxNorm = ${maxNorm} must be positive`);
  const gs = grads(params);
  const norm = globalNorm(gs);
  scaleToMaxNorm(gs, norm, maxNorm);
  return norm;
}

/** Clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`webrnn: clipGradValue: clipValue = ${clipValue} must be non-negative`);
  for (const g of grads(params)) clampInPlace(g, -clipValue, clipValue);
}
