// Benchmark section: matmul GFLOP/s on square, tall-skinny and RNN-sized products (forward
// x·Wᵀ and the weight-gradient Aᵀ·B accumulated in place), against tf.matMul on TensorFlow.js's
// webgpu backend (same adapter), plus the cost of an empty dispatch.
import { recorder } from '../src/gpu/encoder.js';
import { randn, zeros } from '../src/graph/create.js';
import { fill } from '../src/kernels/fill.js';
import { gpu, withTuning } from '../src/gpu/device.js';
import { blockedMatmulPossible, launchMatmul, type MatmulVariant } from '../src/kernels/matmul.js';
import type { BenchRow, RunContext, RunSection } from './bench.js';
import type { TfjsHandle } from './tfjs.js';
import { median } from './timing.js';

interface MatmulCase {
  name: string;
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

const FULL: MatmulCase[] = [
  { name: '256³', m: 256, k: 256, n: 256 },
  { name: '1024³', m: 1024, k: 1024, n: 1024 },
  { name: 'tall-skinny', m: 4096, k: 64, n: 256 },
  { name: 'RNN h·W', m: 64, k: 128, n: 512 },
  { name: 'RNN x·Wᵀ', m: 64, k: 128, n: 512, transB: true },
  { name: 'RNN dW += dgᵀ·h', m: 512, k: 64, n: 128, transA: true, accumulate: true },
  { name: 'GEMV', m: 1, k: 1024, n: 1024 },
];

const QUICK: MatmulCase[] = [
  { name: '64³', m: 64, k: 64, n: 64 },
  { name: 'tall-skinny', m: 256, k: 16, n: 64 },
  { name: 'RNN x·Wᵀ', m: 16, k: 32, n: 128, transB: true },
];

/** Seconds per tf.matMul on the webgpu backend, timed like ctx.time: runs of N calls, each
 *  run ending when the GPU has finished (tfjs's queue drained, no read-back). */
async function timeTfMatmul(ctx: RunContext, h: TfjsHandle, c: MatmulCase): Promise<number> {
  await h.use('webgpu');
  const tf = h.tf;
  const a = tf.randomNormal(c.transA ? [c.k, c.m] : [c.m, c.k], 0, 1, 'float32', 1);
  const b = tf.randomNormal(c.transB ? [c.n, c.k] : [c.k, c.n], 0, 1, 'float32', 2);
  const run = async (iters: number) => {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) tf.matMul(a, b, c.transA, c.transB).dispose();
    await h.sync();
    return (performance.now() - t0) / 1000 / iters;
  };
  await run(1); // compiles the program
  const once = await run(1);
  const iters = Math.max(1, Math.min(ctx.quick ? 20 : 2000, Math.round((ctx.quick ? 0.02 : 0.3) / Math.max(once, 1e-6))));
  const times: number[] = [];
  for (let r = 0; r < (ctx.quick ? 3 : 5); r++) times.push(await run(iters));
  a.dispose();
  b.dispose();
  return median(times);
}

async function timeMatmul(ctx: RunContext, c: MatmulCase): Promise<BenchRow> {
  const a = randn(c.transA ? [c.k, c.m] : [c.m, c.k], { seed: 1 });
  const b = randn(c.transB ? [c.n, c.k] : [c.k, c.n], { seed: 2 });
  const acc = c.accumulate ? zeros([c.m, c.n]) : undefined;
  const opts = { transA: c.transA, transB: c.transB, accumulate: acc };
  const timeAs = (variant: MatmulVariant | undefined) =>
    withTuning(gpu(), { matmulVariant: variant }, () =>
      ctx.time(() => {
        const out = launchMatmul(a, b, opts);
        if (!acc) out.dispose(); // back to the pool: the next call reuses the buffer
      }),
    );
  const t = await timeAs(undefined);
  // Each variant forced in turn, to check the default's choice on a new adapter.
  const simple = await timeAs('simple');
  const blocked = blockedMatmulPossible(gpu()) ? await timeAs('blocked') : undefined;
  for (const x of [a, b, acc]) x?.dispose();
  const flops = 2 * c.m * c.n * c.k;
  const h = await ctx.tfjs();
  const tfSeconds = h?.backends.includes('webgpu') ? await timeTfMatmul(ctx, h, c) : undefined;
  return {
    case: c.name,
    M: c.m, K: c.k, N: c.n,
    'ms/call': t.seconds * 1e3,
    'GFLOP/s': flops / t.seconds / 1e9,
    iters: `${t.runs}×${t.iters}`,
    'tf.matMul ms': tfSeconds ? tfSeconds * 1e3 : '—',
    'tf.matMul GFLOP/s': tfSeconds ? flops / tfSeconds / 1e9 : '—',
    'vs tf.matMul': tfSeconds ? `${(tfSeconds / t.seconds).toFixed(2)}×` : '—',
    'simple ms': simple.seconds * 1e3,
    'blocked ms': blocked ? blocked.seconds * 1e3 : '—',
  };
}

/** Per-dispatch overhead: a fill kernel with n = 0, so every invocation returns at once. */
async function timeEmptyDispatch(ctx: RunContext): Promise<BenchRow> {
  const out = zeros([1]);
  const perStep = 100;
  const t = await ctx.time(() => {
    for (let i = 0; i < perStep; i++) recorder().dispatch(fill, { out: out.buffer }, { n: 0, value: 0 });
  });
  out.dispose();
  return { case: 'empty dispatch', 'µs/dispatch': (t.seconds / perStep) * 1e6, iters: `${t.runs}×${t.iters}×${perStep}` };
}

export const matmulSection: RunSection = {
  name: 'matmul',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const c of ctx.quick ? QUICK : FULL) rows.push(await timeMatmul(ctx, c));
    rows.push(await timeEmptyDispatch(ctx));
    ctx.note(
      "tf.matMul: TensorFlow.js's webgpu backend on the same adapter, timed the same way (runs of N calls ending when its queue has drained); " +
        'it has no accumulate-into mode, so the "+=" case is a plain product there. "vs tf.matMul" = tfjs time / webrnn time. ' +
        'simple / blocked ms: the same call with each matmul kernel forced (Tuning.matmulVariant; blocked needs subgroups), ms/call being the default\'s choice.',
    );
    return rows;
  },
};
