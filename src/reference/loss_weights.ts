// CPU twin of loss_weights.wgsl, the spec: the per-row weights of a masked and/or ignore-index
// loss over N rows. w[i] = mask[i] (1 without a mask), and exactly 0 where targets[i] equals the
// ignore index, whatever mask[i] holds (NaN included).

/** w [N] from int targets [N] (read only with an ignoreIndex or class weights), a float mask [N]
 *  and class weights [C] (w[i] is multiplied by classWeight[targets[i]], NaN for a target outside [0, C)). */
export function lossWeightsRef(
  n: number, targets: ArrayLike<number> | null, ignoreIndex: number | undefined, mask: ArrayLike<number> | null,
  classWeight: ArrayLike<number> | null = null,
): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ignored = targets !== null && ignoreIndex !== undefined && targets[i] === ignoreIndex;
    let v = mask ? mask[i]! : 1;
    if (classWeight) {
      const t = targets![i]!;
      v = t >= 0 && t < classWeight.length ? v * classWeight[t]! : NaN;
    }
    w[i] = ignored ? 0 : v;
  }
  return w;
}
