// CPU twin of fill.wgsl, the spec: out[i] = value for every i < n (NaN, ±Inf and −0 included).

/** [n] elements, all `value`. */
export function fillRef(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}
