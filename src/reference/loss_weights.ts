// CPU twin of loss_weights.wgsl, the spec: the per-row weights of a masked and/or ignore-index
// loss over N rows. w[i] = mask[i] (1 without a mask), and exactly 0 where targets[i] equals the
// ignore index, whatever mask[i] holds (NaN included).

/** w [N] from int targets [N] (read only with an ignoreIndex) and/or a float mask [N]. */
export function lossWeightsRef(
  n: number, targets: ArrayLike<number> | null, ignoreIndex: number | undefined, mask: ArrayLike<number> | null,
): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ignored = targets !== null && ignoreIndex !== undefined && targets[i] === ignoreIndex;
    w[i] = ignored ? 0 : mask ? mask[i]! : 1;
  }
  return w;
}
