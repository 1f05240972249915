// Gradient clipping over a set of parameters, on the GPU (PyTorch's clip_grad_norm_ /
// clip_grad_value_). The norm stays on the GPU unless errorIfNonfinite asks for it to be checked.
import { checkOperands, shapeStr, Tensor } from '../tensor/tensor.js';
import { clampInPlace, globalNorm, scaleToMaxNorm } from '../kernels/clip.js';
import { checkArg, checkOptions, show } from '../util/options.js';

/** Options of clipGradNorm() beyond the max norm, as torch.nn.utils.clip_grad_norm_. */
export interface ClipGradNormOptions {
  /** The norm's order p (PyTorch's norm_type): 2 (default), 1, Infinity (max |g|) or any p > 0. */
  normType?: number;
  /** Read the norm back and throw, leaving the gradients as they are, when it is NaN or infinite
   *  (PyTorch's error_if_nonfinite); clipGradNorm then returns a Promise. */
  errorIfNonfinite?: boolean;
}

const normTypeRule = (v: unknown) => (typeof v === 'number' && v > 0 ? null : 'a number > 0 or Infinity');

/** The gradients of `params` (a tensor or an iterable of them); parameters without one are skipped. */
function grads(where: string, params: unknown): Tensor[] {
  const list = params instanceof Tensor ? [params] : params !== null && typeof params === 'object' && Symbol.iterator in params ? [...(params as Iterable<unknown>)] : null;
  if (!list) throw new Error(`webrnn: ${where}: params must be a Tensor or an iterable of Tensors (model.parameters()), got ${show(params)}`);
  const gs = list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`webrnn: ${where}: params[${i}] must be a Tensor, got ${show(p)}`);
    if (p.grad && p.grad.dtype !== 'float32') throw new Error(`webrnn: ${where}: params[${i}].grad must be float32, got ${p.grad.dtype} ${shapeStr(p.grad.shape)}`);
    return p.grad ? [p.grad] : [];
  });
  // A gradient of a lost or other device is refused before any dispatch is recorded.
  checkOperands(gs, where);
  return gs;
}

/** Scales all gradients so their global p-norm (L2 by default) is at most maxNorm, by
 *  min(1, maxNorm / (norm + 1e-6)) as PyTorch; returns the norm before clipping as a [1] tensor
 *  (read it with `await norm.item()` only when you need it). The third argument is the normType
 *  or the options; with `errorIfNonfinite: true` the result is a Promise that rejects, with the
 *  gradients untouched, when the norm is NaN or infinite. Finite gradients whose norm is past
 *  float32's Σ g² range (about 1.8e19) still clip: the norm is a scaled sum, as BLAS's nrm2. */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, opts?: number | (ClipGradNormOptions & { errorIfNonfinite?: false })): Tensor;
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, opts: ClipGradNormOptions & { errorIfNonfinite: true }): Promise<Tensor>;
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, opts: number | ClipGradNormOptions = {}): Tensor | Promise<Tensor> {
  const where = 'clipGradNorm';
  checkArg(where, 'maxNorm', maxNorm, 'positive');
  const o: ClipGradNormOptions = typeof opts === 'number' ? { normType: opts } : opts;
  if (typeof opts === 'number') checkArg(where, 'normType', opts, normTypeRule);
  else checkOptions(where, opts, { normType: normTypeRule, errorIfNonfinite: 'boolean' });
  const p = o.normType ?? 2;
  const gs = grads(where, params);
  const norm = globalNorm(gs, p);
  if (!o.errorIfNonfinite) {
    scaleToMaxNorm(gs, norm, maxNorm);
    return norm;
  }
  return norm.item().then((v) => {
    if (!Number.isFinite(v)) {
      norm.dispose();
      throw new Error(
        `webrnn: ${where}: the total norm of order ${p} of the gradients is ${v}, so they cannot be clipped ` +
          '(errorIfNonfinite is set; the gradients are left as they are)',
      );
    }
    scaleToMaxNorm(gs, norm, maxNorm);
    return norm;
  });
}

/** Clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  checkArg('clipGradValue', 'clipValue', clipValue, 'nonNegative');
  for (const g of grads('clipGradValue', params)) clampInPlace(g, -clipValue, clipValue);
}
