// conv2d against TensorFlow.js's (a table of the `conv` section), on the captcha layers: the forward
// with bias (tf.fused.conv2d) and the two kernels tfjs's conv2d gradient runs (Conv2DBackpropInput,
// Conv2DBackpropFilter), on webrnn's own choice of kernel per shape, tfjs-webgpu on the same
// adapter and tfjs-wasm. The same numbers on every side: webrnn's NCHW / OIHW tensors go to tfjs
// as they are and tfjs transposes them to its NHWC / HWIO once, outside the timed calls. Before
// timing, every tfjs result is transposed back and compared with webrnn's.
import type * as TF from '@tensorflow/tfjs';
import { randn } from '../src/graph/create.js';
import { launchConv2d, launchConv2dBackwardInput, launchConv2dBackwardWeight } from '../src/kernels/conv.js';
import { planConv2d } from '../src/kernels/conv_plan.js';
import type { BenchRow, RunContext } from './bench.js';
import type { ConvCase } from './conv.js';
import type { TfBackend, TfjsHandle } from './tfjs.js';

/** Largest |tfjs − webrnn| over the largest |webrnn| that still counts as the same result: float32
 *  sums of up to 1152 (forward, dx) or B·OH·OW (dw, tens of thousands) products in another order. */
export const CONV_TOLERANCE = 1e-4;

const PASSES = ['fwd', 'dx', 'dw'] as const;
type Pass = (typeof PASSES)[number];

/** max |a − b| / max |b|: the agreement of a result with the reference `b`. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

interface TfSide {
  ms: Partial<Record<Pass, number>>;
  diff: Partial<Record<Pass, number>>;
  /** Why a pass did not run (a kernel the backend lacks). */
  missing: Partial<Record<Pass, string>>;
}

async function tfjsSide(ctx: RunContext, h: TfjsHandle, backend: TfBackend, c: ConvCase, host: Record<Pass | 'x' | 'w' | 'b' | 'dy', Float32Array>, dyShape: number[]): Promise<TfSide> {
  await h.use(backend);
  const tf = h.tf;
  const keep = <T extends TF.Tensor>(t: T) => tf.keep(t);
  const [x, w, dy] = tf.tidy(() => [
    keep(tf.transpose(tf.tensor4d(host.x, c.x as [number, number, number, number]), [0, 2, 3, 1]) as TF.Tensor4D),
    keep(tf.transpose(tf.tensor4d(host.w, c.w as [number, number, number, number]), [2, 3, 1, 0]) as TF.Tensor4D),
    keep(tf.transpose(tf.tensor4d(host.dy, dyShape as [number, number, number, number]), [0, 2, 3, 1]) as TF.Tensor4D),
  ]);
  const b = tf.tensor1d(host.b);
  const strides: [number, number] = [c.stride, c.stride];
  const conv = { strides, pad: 'valid' as const, dataFormat: 'NHWC' as const };
  // Each pass, and the permutation that brings its result back to webrnn's layout.
  const run: Record<Pass, [() => TF.Tensor, number[]]> = {
    fwd: [() => tf.fused.conv2d({ x, filter: w, bias: b, strides, pad: 'valid' }), [0, 3, 1, 2]],
    dx: [() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...conv, inputShape: x.shape }) as TF.Tensor, [0, 3, 1, 2]],
    dw: [() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: w.shape }) as TF.Tensor, [3, 2, 0, 1]],
  };
  const side: TfSide = { ms: {}, diff: {}, missing: {} };
  try {
    for (const pass of PASSES) {
      const [op, back] = run[pass];
      let out: TF.Tensor;
      try {
        out = op();
      } catch (e) {
        side.missing[pass] = (e as Error).message;
        continue;
      }
      const ours = tf.tidy(() => tf.transpose(out, back));
      side.diff[pass] = relDiff(await ours.data<'float32'>(), host[pass]);
      ours.dispose();
      out.dispose();
      if (!(side.diff[pass]! <= CONV_TOLERANCE)) continue; // a wrong result is not timed (the row says why)
      side.ms[pass] = (await ctx.time(() => op().dispose(), () => h.sync())).seconds * 1e3;
    }
  } finally {
    for (const t of [x, w, dy, b]) t.dispose();
  }
  return side;
}

/** Rows `<case> <pass>`: webrnn's ms against each tfjs backend's, and how far tfjs's result is from webrnn's. */
export async function convTfjsRows(ctx: RunContext, h: TfjsHandle, cases: readonly ConvCase[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const missing = new Set<string>();
  for (const c of cases) {
    ctx.progress(`conv vs tfjs: ${c.name}`);
    const d = planConv2d('bench', c.x, c.w, [c.w[0]!], { stride: c.stride });
    const dyShape = [d.batch, d.cOut, d.oh, d.ow];
    const t = { x: randn(c.x, { seed: 1 }), w: randn(c.w, { seed: 2 }), b: randn([c.w[0]!], { seed: 3 }), dy: randn(dyShape, { seed: 4 }) };
    const ours: Record<Pass, () => { dispose(): void }> = {
      fwd: () => launchConv2d(t.x, t.w, t.b, d),
      dx: () => launchConv2dBackwardInput(t.dy, t.w, d),
      dw: () => launchConv2dBackwardWeight(t.dy, t.x, d),
    };
    const f32 = async (x: { data(): Promise<unknown>; dispose(): void }, dispose = false) => {
      const v = (await x.data()) as Float32Array;
      if (dispose) x.dispose();
      return v;
    };
    const host = {
      x: await f32(t.x), w: await f32(t.w), b: await f32(t.b), dy: await f32(t.dy),
      fwd: await f32(launchConv2d(t.x, t.w, t.b, d), true),
      dx: await f32(launchConv2dBackwardInput(t.dy, t.w, d), true),
      dw: await f32(launchConv2dBackwardWeight(t.dy, t.x, d), true),
    };
    const webrnnMs: Partial<Record<Pass, number>> = {};
    for (const pass of PASSES) webrnnMs[pass] = (await ctx.time(() => ours[pass]().dispose())).seconds * 1e3;
    for (const x of Object.values(t)) x.dispose();
    const tf: Partial<Record<TfBackend, TfSide>> = {};
    for (const b of h.backends) tf[b] = await tfjsSide(ctx, h, b, c, host, dyShape);
    for (const pass of PASSES) {
      const row: BenchRow = { case: `${c.name} ${pass}`, 'webrnn ms': webrnnMs[pass]! };
      for (const b of ['webgpu', 'wasm'] as const) {
        const s = tf[b];
        const why = s?.missing[pass];
        if (why) missing.add(`tfjs-${b} ${pass}: ${why}`);
        row[`tfjs-${b} ms`] = s?.ms[pass] ?? '—';
        row[`vs tfjs-${b}`] = s?.ms[pass] === undefined ? '—' : `${(s.ms[pass] / webrnnMs[pass]!).toFixed(2)}×`;
        row[`rel. diff ${b}`] = s?.diff[pass] ?? '—';
      }
      rows.push(row);
    }
  }
  for (const m of missing) ctx.note(`Not run: ${m}.`);
  return rows;
}
