// CPU twins of the shape ops over row-major data: copyStridedRef mirrors copy_strided.wgsl, and
// transposeRef, sliceRef, concatRef, sliceAssignRef state each op by its multi-indices alone
// (no strides), so they check the stride arithmetic in src/kernels/shape.ts independently.

type Data = ArrayLike<number>;
const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Row-major multi-index of flat index `i` in `shape`. */
export function coords(i: number, shape: readonly number[]): number[] {
  const c = Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    c[k] = i % shape[k]!;
    i = Math.floor(i / shape[k]!);
  }
  return c;
}

/** Flat row-major index of multi-index `c` in `shape`. */
const flat = (c: readonly number[], shape: readonly number[]) => c.reduce((idx, ck, k) => idx * shape[k]! + ck, 0);

/** Twin of copy_strided.wgsl: for each c in `shape`, dst[dstBase + c·dstStrides] = src[srcBase + c·srcStrides]. */
export function copyStridedRef(
  src: Data, dst: Float64Array,
  p: { shape: readonly number[]; srcStrides: readonly number[]; dstStrides: readonly number[]; srcBase: number; dstBase: number },
): void {
  for (let i = 0; i < sizeOf(p.shape); i++) {
    const c = coords(i, p.shape);
    let si = p.srcBase;
    let di = p.dstBase;
    c.forEach((ck, k) => {
      si += ck * p.srcStrides[k]!;
      di += ck * p.dstStrides[k]!;
    });
    dst[di] = src[si]!;
  }
}

/** out[c] = x[c permuted back]: out dim j is x dim perm[j] (default: reversed). */
export function transposeRef(x: Data, shape: readonly number[], perm?: readonly number[]): { data: Float64Array; shape: number[] } {
  const p = perm ?? [...shape.keys()].reverse();
  const outShape = p.map((a) => shape[a]!);
  const data = new Float64Array(x.length);
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, outShape);
    const src = Array<number>(shape.length);
    p.forEach((a, j) => (src[a] = c[j]!));
    data[i] = x[flat(src, shape)]!;
  }
  return { data, shape: outShape };
}

/** Elements [start, end) of `axis` (non-negative arguments). */
export function sliceRef(x: Data, shape: readonly number[], axis: number, start: number, end: number): { data: Float64Array; shape: number[] } {
  const outShape = shape.map((d, i) => (i === axis ? end - start : d));
  const data = new Float64Array(sizeOf(outShape));
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, outShape);
    c[axis]! += start;
    data[i] = x[flat(c, shape)]!;
  }
  return { data, shape: outShape };
}

/** A copy of `dst` with `src` written at [start, start + src's length) along `axis`. */
export function sliceAssignRef(
  dst: Data, dstShape: readonly number[], src: Data, srcShape: readonly number[], axis: number, start: number,
): Float64Array {
  const out = Float64Array.from(dst);
  for (let i = 0; i < src.length; i++) {
    const c = coords(i, srcShape);
    c[axis]! += start;
    out[flat(c, dstShape)] = src[i]!;
  }
  return out;
}

/** Joins `xs` along `axis`: output element c comes from the input whose range holds c[axis]. */
export function concatRef(xs: readonly Data[], shapes: readonly (readonly number[])[], axis: number): { data: Float64Array; shape: number[] } {
  const outShape = [...shapes[0]!];
  outShape[axis] = shapes.reduce((s, sh) => s + sh[axis]!, 0);
  const data = new Float64Array(sizeOf(outShape));
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, outShape);
    let j = 0;
    while (c[axis]! >= shapes[j]![axis]!) c[axis]! -= shapes[j++]![axis]!;
    data[i] = xs[j]![flat(c, shapes[j]!)]!;
  }
  return { data, shape: outShape };
}
