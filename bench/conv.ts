// Benchmark section `conv` (not run by default: `npm run bench -- --sections conv`): conv2d on the
// layers of the captcha CNN (B = 32, 3×60×160 input, four 3×3 convolutions), each pass both ways:
// the implicit kernels against im2col/col2im + the matmul (Tuning.convVariant forces one). The
// measurements behind the per-shape choice in src/kernels/conv.ts. A second table times the same
// shapes against tf.conv2d (bench/conv_tfjs.ts) unless --skip-tfjs.
import { gpu } from '../src/gpu/device.js';
import { randn } from '../src/graph/create.js';
import { launchConv2d, launchConv2dBackwardInput, launchConv2dBackwardWeight } from '../src/kernels/conv.js';
import { planConv2d } from '../src/kernels/conv_plan.js';
import type { BenchRow, RunContext, RunSection } from './bench.js';
import { CONV_TOLERANCE, convTfjsRows } from './conv_tfjs.js';

export interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  stride: number;
}

const FULL: ConvCase[] = [
  { name: 'captcha L1 3→16 s1', x: [32, 3, 60, 160], w: [16, 3, 3, 3], stride: 1 },
  { name: 'captcha L2 16→64 s2', x: [32, 16, 58, 158], w: [64, 16, 3, 3], stride: 2 },
  { name: 'captcha L3 64→128 s2', x: [32, 64, 28, 78], w: [128, 64, 3, 3], stride: 2 },
  { name: 'captcha L4 128→256 s2', x: [32, 128, 13, 38], w: [256, 128, 3, 3], stride: 2 },
];
const QUICK: ConvCase[] = [{ name: 'tiny 3→8 s2', x: [2, 3, 12, 20], w: [8, 3, 3, 3], stride: 2 }];

async function timeCase(ctx: RunContext, c: ConvCase): Promise<BenchRow> {
  const d = planConv2d('bench', c.x, c.w, [c.w[0]!], { stride: c.stride });
  const x = randn(c.x, { seed: 1 });
  const w = randn(c.w, { seed: 2 });
  const b = randn([c.w[0]!], { seed: 3 });
  const dy = randn([d.batch, d.cOut, d.oh, d.ow], { seed: 4 });
  const ms = async (step: () => { dispose(): void }) => (await ctx.time(() => step().dispose())).seconds * 1e3;
  const tuning = gpu().tuning;
  const both = async (step: () => { dispose(): void }) => {
    const out: number[] = [];
    for (const v of ['implicit', 'im2col'] as const) {
      tuning.convVariant = v;
      out.push(await ms(step));
    }
    delete tuning.convVariant;
    return out;
  };
  const [fwdImplicit, fwdIm2col] = await both(() => launchConv2d(x, w, b, d));
  const [dxImplicit, dxCol2im] = await both(() => launchConv2dBackwardInput(dy, w, d));
  const [dwImplicit, dwIm2col] = await both(() => launchConv2dBackwardWeight(dy, x, d));
  for (const t of [x, w, b, dy]) t.dispose();
  const flops = 2 * d.batch * d.cOut * d.oh * d.ow * (d.cIn / d.groups) * d.kh * d.kw;
  return {
    case: c.name,
    'out [C, OH, OW]': `${d.cOut}×${d.oh}×${d.ow}`,
    'fwd implicit ms': fwdImplicit!,
    'fwd im2col ms': fwdIm2col!,
    'dx implicit ms': dxImplicit!,
    'dx col2im ms': dxCol2im!,
    'dw implicit ms': dwImplicit!,
    'dw im2col ms': dwIm2col!,
    'best fwd GFLOP/s': flops / Math.min(fwdImplicit!, fwdIm2col!) / 1e6,
  };
}

export const convSection: RunSection = {
  name: 'conv',
  async run(ctx) {
    const rows: BenchRow[] = [];
    for (const c of ctx.quick ? QUICK : FULL) {
      ctx.progress(`conv: ${c.name}`);
      rows.push(await timeCase(ctx, c));
    }
    ctx.note('All on the same adapter, timed as the matmul section (runs of N calls ending with one sync); im2col materialises [B, C_in·9, OH·OW]; the implicit weight gradient sums chunks of rows, then the chunks.');
    const h = await ctx.tfjs();
    if (!h) return rows;
    ctx.note(
      'Against tf.conv2d: webrnn with its own per-shape choice of kernel; tfjs fwd = tf.fused.conv2d with bias, dx / dw = the ' +
        'Conv2DBackpropInput / Conv2DBackpropFilter kernels its conv2d gradient runs. Each side timed as above (tfjs-webgpu runs end with ' +
        `its queue drained; wasm runs synchronously). rel. diff = max |tfjs − webrnn| / max |webrnn| before timing; a pass is timed only if ≤ ${CONV_TOLERANCE}. ` +
        '"vs tfjs" = tfjs ms / webrnn ms (> 1: webrnn is faster).',
    );
    for (const [b, why] of Object.entries(h.errors)) ctx.note(`tfjs ${b} backend unavailable: ${why}`);
    ctx.table('against tf.conv2d (same data; tfjs in NHWC / HWIO)', await convTfjsRows(ctx, h, ctx.quick ? QUICK : FULL));
    return rows;
  },
};
