// CPU twin of dropout: Philox4x32-10 in exact 32-bit integer arithmetic (the same bits as
// philox.wgsl), the uniform it defines per element, and the dropout forward and backward in float64.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO32 = 2 ** 32;

/** [hi, lo] words of the 64-bit product of two u32, exact in doubles: a·b_hi and a·b_lo are < 2^48. */
function mulhilo(a: number, b: number): [number, number] {
  const lowProduct = a * (b & 0xffff);
  const highProduct = a * (b >>> 16);
  // a·b = highProduct·2^16 + lowProduct; the bits of lowProduct below 2^16 cannot carry past 2^32.
  const s = highProduct + Math.floor(lowProduct / 65536);
  return [Math.floor(s / 65536) >>> 0, Math.imul(a, b) >>> 0];
}

/** Philox4x32-10 of a 4-word counter and a 2-word key (all u32). */
export function philox4x32_10(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((x) => x >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((x) => x >>> 0) as [number, number];
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const [h0, l0] = mulhilo(M0, c0);
    const [h1, l1] = mulhilo(M1, c2);
    [c0, c1, c2, c3] = [(h1 ^ c1 ^ k0) >>> 0, l1, (h0 ^ c3 ^ k1) >>> 0, l0];
  }
  return [c0, c1, c2, c3];
}

/** Uniform in [0, 1) for element e of stream `seed`: the top 24 bits of word e mod 4 of the Philox
 *  block e / 4 (counter = (block lo, block hi, 0, 0), key = (seed lo, seed hi)), over 2^24. */
export function philoxUniformRef(seed: number, e: number): number {
  const block = Math.floor(e / 4);
  const bits = philox4x32_10([block % TWO32, Math.floor(block / TWO32), 0, 0], [seed % TWO32, Math.floor(seed / TWO32)]);
  return (bits[e % 4]! >>> 8) / 2 ** 24;
}

/** y = x·mask/(1 − p), mask_i = (philoxUniform(seed, offset + i) >= p). */
export function dropoutRef(x: ArrayLike<number>, p: number, seed: number, offset: number): { y: Float64Array; mask: Float64Array } {
  const mask = Float64Array.from({ length: x.length }, (_, i) => (philoxUniformRef(seed, offset + i) >= p ? 1 : 0));
  const y = Float64Array.from(x, (v, i) => (v * mask[i]!) / (1 - p));
  return { y, mask };
}

/** dx = dy·mask/(1 − p). */
export function dropoutBackwardRef(dy: ArrayLike<number>, mask: ArrayLike<number>, p: number): Float64Array {
  return Float64Array.from(dy, (v, i) => (v * mask[i]!) / (1 - p));
}
