// CPU twins of conv2d_forward.wgsl, conv2d_backward_input.wgsl, conv2d_backward_weight.wgsl and
// im2col.wgsl: PyTorch's cross-correlation in float64 plain loops. x [B, C_in, H, W],
// w [C_out, C_in/G, KH, KW], y [B, C_out, OH, OW]; output channel oc reads input channels of its
// group g = oc / (C_out/G); input row iy = oy·stride + ky·dilation − padding (zero outside).
import type { ConvDims } from '../kernels/conv_plan.js';

/** Calls fn(y index, w index, x index) for every product term w·x of y whose input lies inside x. */
function eachTerm(d: ConvDims, fn: (yAt: number, wAt: number, xAt: number) => void): void {
  const cg = d.cIn / d.groups;
  const ocg = d.cOut / d.groups;
  for (let b = 0; b < d.batch; b++) {
    for (let oc = 0; oc < d.cOut; oc++) {
      const g = Math.floor(oc / ocg);
      for (let oy = 0; oy < d.oh; oy++) {
        for (let ox = 0; ox < d.ow; ox++) {
          const yAt = ((b * d.cOut + oc) * d.oh + oy) * d.ow + ox;
          for (let ci = 0; ci < cg; ci++) {
            for (let ky = 0; ky < d.kh; ky++) {
              const iy = oy * d.strideH + ky * d.dilH - d.padH;
              if (iy < 0 || iy >= d.h) continue;
              for (let kx = 0; kx < d.kw; kx++) {
                const ix = ox * d.strideW + kx * d.dilW - d.padW;
                if (ix < 0 || ix >= d.w) continue;
                const xAt = ((b * d.cIn + g * cg + ci) * d.h + iy) * d.w + ix;
                fn(yAt, ((oc * cg + ci) * d.kh + ky) * d.kw + kx, xAt);
              }
            }
          }
        }
      }
    }
  }
}

/** y[b, oc, oy, ox] = bias[oc] + Σ_{ci, ky, kx} w[oc, ci, ky, kx] · x[b, g·C_in/G + ci, iy, ix]. */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, d: ConvDims): Float64Array {
  const y = new Float64Array(d.batch * d.cOut * d.oh * d.ow);
  if (bias) {
    const plane = d.oh * d.ow;
    for (let i = 0; i < y.length; i++) y[i] = bias[Math.floor(i / plane) % d.cOut]!;
  }
  eachTerm(d, (yAt, wAt, xAt) => {
    y[yAt]! += w[wAt]! * x[xAt]!;
  });
  return y;
}

/** dx = ∂(Σ dy⊙y)/∂x: every term's dy·w lands on the input it read. */
export function conv2dBackwardInputRef(dy: ArrayLike<number>, w: ArrayLike<number>, d: ConvDims): Float64Array {
  const dx = new Float64Array(d.batch * d.cIn * d.h * d.w);
  eachTerm(d, (yAt, wAt, xAt) => {
    dx[xAt]! += dy[yAt]! * w[wAt]!;
  });
  return dx;
}

/** dw = ∂(Σ dy⊙y)/∂w: every term's dy·x lands on the weight it used. */
export function conv2dBackwardWeightRef(dy: ArrayLike<number>, x: ArrayLike<number>, d: ConvDims): Float64Array {
  const dw = new Float64Array(d.cOut * (d.cIn / d.groups) * d.kh * d.kw);
  eachTerm(d, (yAt, wAt, xAt) => {
    dw[wAt]! += dy[yAt]! * x[xAt]!;
  });
  return dw;
}

/** db[oc] = Σ_{b, oy, ox} dy[b, oc, oy, ox]. */
export function conv2dBackwardBiasRef(dy: ArrayLike<number>, d: ConvDims): Float64Array {
  const db = new Float64Array(d.cOut);
  const plane = d.oh * d.ow;
  for (let i = 0; i < d.batch * d.cOut * plane; i++) db[Math.floor(i / plane) % d.cOut]! += dy[i]!;
  return db;
}

/** cols[b, (ci, ky, kx), (oy, ox)] = x[b, ci, iy, ix], 0 in the padding (groups = 1). */
export function im2colRef(x: ArrayLike<number>, d: ConvDims): Float64Array {
  const k = d.cIn * d.kh * d.kw;
  const p = d.oh * d.ow;
  const cols = new Float64Array(d.batch * k * p);
  for (let b = 0; b < d.batch; b++) {
    for (let ci = 0; ci < d.cIn; ci++) {
      for (let ky = 0; ky < d.kh; ky++) {
        for (let kx = 0; kx < d.kw; kx++) {
          const row = (b * k + (ci * d.kh + ky) * d.kw + kx) * p;
          for (let oy = 0; oy < d.oh; oy++) {
            for (let ox = 0; ox < d.ow; ox++) {
              const iy = oy * d.strideH + ky * d.dilH - d.padH;
              const ix = ox * d.strideW + kx * d.dilW - d.padW;
              const inside = iy >= 0 && iy < d.h && ix >= 0 && ix < d.w;
              cols[row + oy * d.ow + ox] = inside ? x[((b * d.cIn + ci) * d.h + iy) * d.w + ix]! : 0;
            }
          }
        }
      }
    }
  }
  return cols;
}
