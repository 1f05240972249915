// CPU twin of to_half.wgsl (float32 → binary16, round to nearest even) and the decoding of that
// storage, which gives the f16-weight kernels' twins their weights: they are the float32 twins
// run on exactly the values the GPU reads.
import { halfToFloat } from '../io/half.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits of `v` rounded to float32 first (as the GPU sees it), then to nearest even;
 *  past 65504 it rounds to ±Inf, NaN stays a (quiet) NaN. */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const mag = u & 0x7fffffff;
  if (mag > 0x7f800000) return sign | 0x7e00;
  const x = Math.abs(f32[0]!);
  if (x >= 65520) return sign | 0x7c00;
  // Scale so the half's last place is 1 (exact: float32 values times powers of two), round half to
  // even, then rebuild the bits. Below 2^-14 the half is subnormal: its last place is 2^-24.
  const near = (m: number) => {
    const r = Math.floor(m);
    const frac = m - r;
    return frac > 0.5 || (frac === 0.5 && r % 2 === 1) ? r + 1 : r;
  };
  if (x < 2 ** -14) return sign | near(x / 2 ** -24); // 1024 is 2^-14, the smallest normal's bits
  let e = ((u >>> 23) & 0xff) - 127;
  let m = near(x / 2 ** (e - 10)); // in 1024 .. 2048
  if (m === 2048) [e, m] = [e + 1, 1024];
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** to_half's output for `values`: two halves a word (the even index low), padded with zeros to 8 halves. */
export function toHalfRef(values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(Math.max(4 * Math.ceil(values.length / 8), 4));
  for (let i = 0; i < values.length; i++) out[i >> 1] = out[i >> 1]! | (floatToHalfBits(values[i]!) << (16 * (i & 1)));
  return out;
}

/** The `n` values a binary16 storage holds, as float64 (exact). */
export function halfValuesRef(words: ArrayLike<number>, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => halfToFloat((words[i >> 1]! >>> (16 * (i & 1))) & 0xffff));
}

/** `values` rounded to binary16 and back: what a kernel reading f16 weights sees. */
export const roundHalf = (values: ArrayLike<number>): Float64Array => halfValuesRef(toHalfRef(values), values.length);
