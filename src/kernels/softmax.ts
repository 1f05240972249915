// Descriptors of softmax.wgsl, softmax_backward.wgsl and softmax_xent.wgsl, and their entry points:
// softmax / log-softmax along any axis (x viewed as [outer, len, inner]) with their backward, and the
// fused softmax cross-entropy over logits [N, C] with int32 class indices.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d, type Overrides } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { axisView } from './reduce.js';
import * as wgsl from './wgsl.gen.js';

const WG = 128;
/** Rows up to this length get one invocation each: a 128-wide workgroup would mostly idle. */
const SHORT_ROW = 32;
/** From this many rows, one invocation per row fills the GPU by itself (rows up to LONG_ROW). */
const MANY_ROWS = 4096;
const LONG_ROW = 1024;

/** How a softmax kernel covers its rows: an invocation each (PER_THREAD), or a workgroup each
 *  whose max and sum are tree reductions. */
export type RowVariant = 'invocation' | 'workgroup';

// Tests force a variant: every softmax kernel covers its rows this way (unset: perThread decides).
declare module '../gpu/device.js' { interface Tuning { softmaxRowVariant?: RowVariant } }

/** Long rows (classes, vocabulary) get a workgroup each on a GPU; short or very many rows an
 *  invocation each, as a 128-wide workgroup would mostly idle. On a software adapter every row up
 *  to LONG_ROW gets an invocation: there each workgroup has a fixed cost however little it does,
 *  which dwarfs a row's work (figures: bench/RESULTS.md, "Measurements behind the kernel design").
 *  Both grids fold into y past 65535 workgroups. */
function perThread(g: Gpu, rows: number, len: number): boolean {
  const forced = g.tuning.softmaxRowVariant;
  if (forced) return forced === 'invocation';
  return len <= SHORT_ROW || (len <= LONG_ROW && (rows >= MANY_ROWS || g.info.isSoftware));
}
const rowGrid = (rows: number, ov: Overrides): [number, number, number] => grid1d(rows, ov.PER_THREAD ? WG : 1);

/** Descriptor parts of softmax and its backward: rows along the middle axis of [outer, len, inner]. */
const alongAxis = {
  dims: { outer: 'u32', len: 'u32', inner: 'u32' },
  workgroupSize: [WG, 1, 1],
  overrides: { LOG: false, PER_THREAD: false },
  dispatch: ({ outer, inner }: { readonly outer: number; readonly inner: number }, ov: Overrides) => rowGrid(outer * inner, ov),
} as const;

/** softmax (LOG = false) or log-softmax (LOG = true) along the middle axis of [outer, len, inner]. */
export const softmax = /* @__PURE__ */ defineKernel({
  name: 'softmax',
  wgsl: [wgsl.nan, wgsl.row_reduce, wgsl.softmax],
  bindings: { x: 'read', y: 'read_write' },
  ...alongAxis,
});

/** dx of softmax (LOG = false) or log-softmax (LOG = true) from the forward output y and dy. */
export const softmaxBackward = /* @__PURE__ */ defineKernel({
  name: 'softmax_backward',
  wgsl: [wgsl.nan, wgsl.row_reduce, wgsl.softmax_backward],
  bindings: { y: 'read', dy: 'read', dx: 'read_write' },
  ...alongAxis,
});

/** Per-row cross-entropy loss and its gradient wrt the logits, in one pass. */
export const softmaxXent = /* @__PURE__ */ defineKernel({
  name: 'softmax_xent',
  wgsl: [wgsl.nan, wgsl.row_reduce, wgsl.softmax_xent],
  bindings: { logits: 'read', targets: 'read', weight: 'read', loss: 'read_write', dlogits: 'read_write' },
  dims: { n: 'u32', c: 'u32', ignore_index: 'i32', has_ignore: 'u32', has_weight: 'u32', smoothing: 'f32' },
  workgroupSize: [WG, 1, 1],
  overrides: { PER_THREAD: false },
  dispatch: ({ n }, ov) => rowGrid(n, ov),
});

function checkFloat(what: string, name: string, t: Tensor): void {
  t.assertAlive();
  if (t.dtype !== 'float32') throw new Error(`webrnn: ${what}: ${name} must be float32, got ${t.dtype} ${shapeStr(t.shape)}`);
}

function forward(what: string, x: Tensor, axis: number, log: boolean): Tensor {
  checkFloat(what, 'x', x);
  const { outer, len, inner } = axisView(x.shape, axis, what);
  const y = Tensor.empty(x.shape, 'float32');
  if (y.size === 0) return y;
  const overrides = { LOG: log, PER_THREAD: perThread(x.storage.g, outer * inner, len) };
  recorder(x.storage.g).dispatch(softmax, { x: x.buffer, y: y.buffer }, { outer, len, inner }, overrides);
  return y;
}

function backward(what: string, y: Tensor, dy: Tensor, axis: number, log: boolean): Tensor {
  checkFloat(what, 'y', y);
  checkFloat(what, 'dy', dy);
  if (y.shape.length !== dy.shape.length || y.shape.some((d, i) => d !== dy.shape[i])) {
    throw new Error(`webrnn: ${what}: y ${shapeStr(y.shape)} and dy ${shapeStr(dy.shape)} must have the same shape`);
  }
  const { outer, len, inner } = axisView(y.shape, axis, what);
  const dx = Tensor.empty(y.shape, 'float32');
  if (dx.size === 0) return dx;
  recorder(y.storage.g).dispatch(
    softmaxBackward,
    { y: y.buffer, dy: dy.buffer, dx: dx.buffer },
    { outer, len, inner },
    { LOG: log, PER_THREAD: perThread(y.storage.g, outer * inner, len) },
  );
  return dx;
}

/** Numerically stable softmax along `axis` (default: the last). A row with a NaN comes out all NaN. */
export function launchSoftmax(x: Tensor, axis = -1): Tensor {
  return forward('softmax', x, axis, false);
}

/** log(softmax(x)) along `axis` (default: the last), computed as (x − max) − log Σ e^(x − max). */
export function launchLogSoftmax(x: Tensor, axis = -1): Tensor {
  return forward('logSoftmax', x, axis, true);
}

/** dx = y ⊙ (dy − Σ dy⊙y) for softmax (y = the forward output). */
export function launchSoftmaxBackward(y: Tensor, dy: Tensor, axis = -1): Tensor {
  return backward('softmaxBackward', y, dy, axis, false);
}

/** dx = dy − softmax(x)·Σ dy for log-softmax, with softmax(x) = e^y (y = the forward output). */
export function launchLogSoftmaxBackward(y: Tensor, dy: Tensor, axis = -1): Tensor {
  return backward('logSoftmaxBackward', y, dy, axis, true);
}

export interface XentOptions {
  /** Rows whose target equals this get loss 0 and a zero gradient row. */
  ignoreIndex?: number;
  /** Class weights [C] (PyTorch's `weight`), float32. */
  weight?: Tensor | null;
  /** PyTorch's label_smoothing ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

/** logits [N, C], targets int32 [N]. Returns per-row loss [N] (0 for ignored rows) and dlogits [N, C]
 *  = softmax − onehot with class weights and label smoothing as in softmax_xent.wgsl (0 rows for
 *  ignored), unscaled: the caller applies the reduction's scale. One dispatch. A target outside [0, C) that is not ignored gives that row a NaN loss and NaN gradient
 *  (the GPU cannot throw without a readback; the kernel never reads out of bounds). */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, opts: XentOptions = {}): { loss: Tensor; dlogits: Tensor } {
  const what = 'softmaxCrossEntropy';
  checkFloat(what, 'logits', logits);
  targets.assertAlive();
  if (logits.rank !== 2) throw new Error(`webrnn: ${what}: logits must be [N, C], got ${shapeStr(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (targets.dtype !== 'int32') throw new Error(`webrnn: ${what}: targets must be int32 class indices, got ${targets.dtype} ${shapeStr(targets.shape)}`);
  if (targets.rank !== 1 || targets.shape[0] !== n) {
    throw new Error(`webrnn: ${what}: targets ${shapeStr(targets.shape)} must be [N] = [${n}] for logits ${shapeStr(logits.shape)}`);
  }
  if (c === 0 && n > 0) throw new Error(`webrnn: ${what}: logits ${shapeStr(logits.shape)} have no classes`);
  const ignore = opts.ignoreIndex;
  if (ignore !== undefined && (!Number.isInteger(ignore) || ignore < -(2 ** 31) || ignore >= 2 ** 31)) {
    throw new Error(`webrnn: ${what}: ignoreIndex ${ignore} is not an int32`);
  }
  const w = opts.weight ?? null;
  if (w) {
    checkFloat(what, 'weight', w);
    if (w.rank !== 1 || w.shape[0] !== c) throw new Error(`webrnn: ${what}: weight ${shapeStr(w.shape)} must be [C] = [${c}] for logits ${shapeStr(logits.shape)}`);
  }
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`webrnn: ${what}: labelSmoothing = ${eps} must be in [0, 1]`);
  const loss = Tensor.empty([n], 'float32');
  const dlogits = Tensor.empty([n, c], 'float32');
  if (n === 0) return { loss, dlogits };
  recorder(logits.storage.g).dispatch(
    softmaxXent,
    { logits: logits.buffer, targets: targets.buffer, weight: (w ?? logits).buffer, loss: loss.buffer, dlogits: dlogits.buffer },
    { n, c, ignore_index: ignore ?? 0, has_ignore: ignore === undefined ? 0 : 1, has_weight: w ? 1 : 0, smoothing: eps },
    { PER_THREAD: perThread(logits.storage.g, n, c) },
  );
  return { loss, dlogits };
}
