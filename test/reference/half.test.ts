// The twin of to_half.wgsl (float32 → binary16, round to nearest even) on known values, and the
// decoding the f16-weight kernels' twins read their weights through. No GPU.
import { describe, expect, test } from 'vitest';
import { floatToHalfBits, halfValuesRef, roundHalf, toHalfRef } from '../../src/reference/half.js';

describe('floatToHalfBits', () => {
  // [value, bits]: exact values, ties to even (both ways), the largest half and the first value
  // past it that rounds to Inf, subnormals and underflow, signed zero, Inf and NaN.
  const CASES: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [-1e6, 0xfc00], [2 ** -14, 0x0400],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001], [1023.5 * 2 ** -24, 0x0400],
    [-0, 0x8000], [Infinity, 0x7c00], [-Infinity, 0xfc00], [NaN, 0x7e00],
  ];
  test.each(CASES)('%d → %i', (v, bits) => {
    expect(floatToHalfBits(v)).toBe(bits);
  });

  test('every finite half round-trips, and a value between two halves goes to the nearer', () => {
    for (let h = 0; h < 0x7c00; h++) {
      const v = halfValuesRef([h], 1)[0]!;
      expect(floatToHalfBits(v)).toBe(h);
      if (h > 0 && h < 0x7bff) {
        const next = halfValuesRef([h + 1], 1)[0]!;
        expect(floatToHalfBits(v + (next - v) * 0.4)).toBe(h);
        expect(floatToHalfBits(v + (next - v) * 0.6)).toBe(h + 1);
      }
    }
  });
});

test('toHalfRef packs two halves a word, even index low, padded to 8 halves', () => {
  const words = toHalfRef([1, -2, 0.5]);
  expect(Array.from(words)).toEqual([0xc0003c00, 0x3800, 0, 0]);
  expect(toHalfRef(new Float64Array(9)).length).toBe(8);
  expect(Array.from(halfValuesRef(words, 3))).toEqual([1, -2, 0.5]);
  expect(Array.from(roundHalf([0.1, 3]))).toEqual([0.0999755859375, 3]);
});
