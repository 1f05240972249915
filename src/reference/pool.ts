// CPU twins of pool2d.wgsl and pool2d_backward.wgsl in float64: max or average over KH×KW windows
// of each H×W plane (stride, padding; max pads with -Inf and takes the first maximum, a NaN wins;
// average divides by KH·KW with countIncludePad, else by the cells inside the input).
import type { PoolDims } from '../kernels/pool.js';

/** Each output cell's window: the flat in-plane indices of its cells inside the input. */
function windowCells(d: PoolDims, oy: number, ox: number): number[] {
  const cells: number[] = [];
  for (let ky = 0; ky < d.kh; ky++) {
    const iy = oy * d.strideH - d.padH + ky;
    if (iy < 0 || iy >= d.h) continue;
    for (let kx = 0; kx < d.kw; kx++) {
      const ix = ox * d.strideW - d.padW + kx;
      if (ix >= 0 && ix < d.w) cells.push(iy * d.w + ix);
    }
  }
  return cells;
}

/** y and, for max, the in-plane index of each window's first maximum. */
export function pool2dRef(x: ArrayLike<number>, d: PoolDims, mode: 'max' | 'avg', countIncludePad = true): { y: Float64Array; argmax: Int32Array } {
  const n = d.planes * d.oh * d.ow;
  const y = new Float64Array(n);
  const argmax = new Int32Array(n);
  for (let p = 0; p < d.planes; p++) {
    for (let oy = 0; oy < d.oh; oy++) {
      for (let ox = 0; ox < d.ow; ox++) {
        const o = (p * d.oh + oy) * d.ow + ox;
        const cells = windowCells(d, oy, ox);
        const v = (c: number) => x[p * d.h * d.w + c]!;
        if (mode === 'max') {
          let best = cells[0]!;
          for (const c of cells) if (!Number.isNaN(v(best)) && (v(c) > v(best) || Number.isNaN(v(c)))) best = c;
          y[o] = v(best);
          argmax[o] = best;
        } else {
          y[o] = cells.reduce((s, c) => s + v(c), 0) / (countIncludePad ? d.kh * d.kw : cells.length);
        }
      }
    }
  }
  return { y, argmax };
}

/** dx: each window's dy goes to its argmax (max) or spreads evenly as dy / divisor (average). */
export function pool2dBackwardRef(dy: ArrayLike<number>, argmax: ArrayLike<number> | null, d: PoolDims, countIncludePad = true): Float64Array {
  const dx = new Float64Array(d.planes * d.h * d.w);
  for (let p = 0; p < d.planes; p++) {
    for (let oy = 0; oy < d.oh; oy++) {
      for (let ox = 0; ox < d.ow; ox++) {
        const o = (p * d.oh + oy) * d.ow + ox;
        if (argmax) {
          dx[p * d.h * d.w + argmax[o]!]! += dy[o]!;
          continue;
        }
        const cells = windowCells(d, oy, ox);
        const div = countIncludePad ? d.kh * d.kw : cells.length;
        for (const c of cells) dx[p * d.h * d.w + c]! += dy[o]! / div;
      }
    }
  }
  return dx;
}
