// Parameter initialisation as in PyTorch: U(−k, k) with k = 1/√fan, seedable.
import { rand } from '../graph/create.js';
import type { Tensor } from '../tensor/tensor.js';

/** U(−bound, bound) of `shape`, from `seed` when given, else from the global generator. */
export function uniform(shape: readonly number[], bound: number, seed?: number): Tensor {
  return rand(shape, { low: -bound, high: bound, seed });
}

/** A seed for the i-th parameter of a module built with `seed` (undefined stays undefined). */
export const subSeed = (seed: number | undefined, i: number): number | undefined =>
  seed === undefined ? undefined : (Math.imul(seed >>> 0, 0x9e3779b1) + i * 0x632be5ab) >>> 0;
