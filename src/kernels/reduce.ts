// Descriptor of reduce.wgsl and launchReduce(): sum, mean, max, argmax and sum of squares along one
// axis (x viewed as [outer, len, inner]) or over all elements ([1, size, 1]). Long rows are reduced in
// passes: each pass turns chunks of `CHUNK` elements into partials until one value per row is left.
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, grid1d } from '../gpu/kernel.js';
import { type Shape, shapeStr, sizeOf, Tensor } from '../tensor/tensor.js';
import { opCodes, REDUCE_PASS_OPS } from './op_codes.js';
import * as wgsl from './wgsl.gen.js';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'argmax' | 'sumSquares' | 'meanSquares';

const WG = 256;
/** Elements of a row that one workgroup reduces (16 per invocation); longer rows make partials,
 *  so a few huge rows (a reduction over all) still spread over many workgroups. */
const CHUNK = WG * 16;
/** Rows up to this length get one invocation each: a 256-wide workgroup would mostly idle. */
const SHORT_ROW = 32;
/** From this many outputs, one invocation per output fills the GPU by itself, and workgroups cost
 *  far more than invocations (on lavapipe, a fixed cost each). With inner > 1 neighbouring invocations
 *  read neighbouring addresses, so any row length walks coalesced; with inner = 1 only up to CHUNK. */
const MANY_OUTPUTS = 4096;

/** `OP` override values of reduce.wgsl; mean (meanSquares) is a sum (of squares) divided by the
 *  length in the last pass. */
const OP_CODE = opCodes(REDUCE_PASS_OPS);

/** One pass of a reduction along the middle axis of [outer, len, inner], per chunk of the row. */
export const reduce = /* @__PURE__ */ defineKernel({
  name: 'reduce',
  wgsl: [wgsl.nan, wgsl.op_codes, wgsl.reduce],
  bindings: { x: 'read', x_idx: 'read', out: 'read_write', out_idx: 'read_write' },
  dims: { outer: 'u32', len: 'u32', inner: 'u32', chunk: 'u32', chunks: 'u32', divisor: 'f32' },
  workgroupSize: [WG, 1, 1],
  overrides: { OP: 0, INDEXED: false, PER_THREAD: false },
  dispatch: ({ outer, inner, chunks }, { PER_THREAD }) =>
    PER_THREAD ? grid1d(outer * inner, WG) : grid1d(outer * chunks * inner, 1),
});

/** x as [outer, len, inner] around `axis` (negative counts from the end); throws naming the axis. */
export function axisView(shape: Shape, axis: number, what: string): { axis: number; outer: number; len: number; inner: number } {
  const rank = Math.max(shape.length, 1); // a scalar reduces like a [1] tensor, as in PyTorch
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`webrnn: ${what}: axis ${axis} is out of range for shape ${shapeStr(shape)} (rank ${shape.length})`);
  }
  const a = axis < 0 ? axis + rank : axis;
  return { axis: a, outer: sizeOf(shape.slice(0, a)), len: shape[a] ?? 1, inner: sizeOf(shape.slice(a + 1)) };
}

/** Reduces along `axis` (negative allowed) or over all elements when axis is undefined; keepDims like PyTorch. argmax returns int32. */
export function launchReduce(op: ReduceOp, x: Tensor, axis?: number, keepDims = false): Tensor {
  const what = `reduce(${op})`;
  if (!Object.hasOwn(OP_CODE, op) && op !== 'mean' && op !== 'meanSquares') throw new Error(`webrnn: reduce: unknown op '${op}'`);
  if (x.dtype !== 'float32') throw new Error(`webrnn: ${what}: x must be float32, got ${x.dtype} ${shapeStr(x.shape)}`);
  x.assertAlive();
  let outer = 1, len = x.size, inner = 1;
  let outShape: number[] = keepDims ? x.shape.map(() => 1) : [];
  if (axis !== undefined) {
    const v = axisView(x.shape, axis, what);
    ({ outer, len, inner } = v);
    outShape = x.shape.filter((_, i) => i !== v.axis);
    if (keepDims) outShape.splice(v.axis, 0, 1);
  }
  if ((op === 'max' || op === 'argmax') && len === 0 && outer * inner > 0) {
    throw new Error(`webrnn: ${what}: cannot reduce an empty axis (shape ${shapeStr(x.shape)}, axis ${axis ?? 'all'})`);
  }
  const out = Tensor.empty(outShape, op === 'argmax' ? 'int32' : 'float32');
  if (out.size === 0) return out;
  runPasses(op, x, out, outer, len, inner);
  return out;
}

/** Records the passes: each reduces chunks of the current rows to partials, the last writes `out`. */
function runPasses(op: ReduceOp, x: Tensor, out: Tensor, outer: number, len: number, inner: number): void {
  const rec = recorder(x.storage.g);
  const argmax = op === 'argmax';
  const temps: Tensor[] = [];
  const temp = (n: number, dtype: 'float32' | 'int32') => {
    const t = Tensor.empty([n], dtype);
    temps.push(t);
    return t;
  };
  // Bindings a pass does not use still need a buffer; index outputs of value ops go to a dummy.
  const dummyIdx = argmax ? null : temp(1, 'int32');
  let src = x.buffer;
  let srcIdx = x.buffer; // read-only twice in one dispatch is allowed; not read unless INDEXED
  let rowLen = len;
  for (let pass = 0; ; pass++) {
    const perThread = rowLen <= SHORT_ROW || (outer * inner >= MANY_OUTPUTS && (inner > 1 || rowLen <= CHUNK));
    const chunks = perThread ? 1 : ceilDiv(rowLen, CHUNK);
    const last = chunks === 1;
    const n = outer * chunks * inner;
    const dst = last && !argmax ? out : temp(n, 'float32');
    const dstIdx = argmax ? (last ? out : temp(n, 'int32')) : dummyIdx!;
    // Later passes combine partials: squares were taken in the first pass, indices travel along.
    const squares = op === 'sumSquares' || op === 'meanSquares';
    const code = op === 'mean' || (squares && pass > 0) ? OP_CODE.sum : squares ? OP_CODE.sumSquares : OP_CODE[op];
    rec.dispatch(
      reduce,
      { x: src, x_idx: srcIdx, out: dst.buffer, out_idx: dstIdx.buffer },
      { outer, len: rowLen, inner, chunk: perThread ? rowLen : CHUNK, chunks, divisor: last && (op === 'mean' || op === 'meanSquares') ? len : 1 },
      { OP: code, INDEXED: argmax && pass > 0, PER_THREAD: perThread },
    );
    if (last) break;
    src = dst.buffer;
    srcIdx = argmax ? dstIdx.buffer : dst.buffer; // never the dummy: it is written in the same dispatch
    rowLen = chunks;
  }
  // Safe right away: the pool hands them out again only to work recorded after these passes.
  for (const t of temps) t.dispose();
}
