// `--profile`: GPU time per kernel of one webrnn training step of each workload, from
// timestamp queries, grouped by phase (forward / backward / optimizer) and kind: the fused
// per-time-step kernels, the hoisted matmuls (input projections, weight gradients, head) and the rest.
import { init, sync } from '../src/index.js';
import type { BenchRow, RunSection } from './bench.js';
import { GpuTimer, type DispatchTime } from './gpu_timer.js';
import { WebrnnModel } from './webrnn_model.js';
import { FULL_WORKLOADS, makeData, QUICK_WORKLOADS, selectWorkloads } from './workloads.js';

/** Kind by kernel name, variants included (e.g. lstm_step_forward_blocked, matmul_blocked). */
const kindOf = (kernel: string): string =>
  /_step_(forward|backward)/.test(kernel) ? 'per-step' : /^matmul/.test(kernel) ? 'hoisted matmul' : 'other';

/** Sums dispatch times by (phase, kernel); rows sorted by phase, then time. */
export function profileRows(id: string, times: DispatchTime[], wallMs: number): BenchRow[] {
  const total = times.reduce((s, t) => s + t.ns, 0);
  const groups = new Map<string, { phase: string; kernel: string; n: number; ns: number }>();
  for (const t of times) {
    const key = `${t.tag}|${t.kernel}`;
    const g = groups.get(key) ?? { phase: t.tag, kernel: t.kernel, n: 0, ns: 0 };
    g.n++;
    g.ns += t.ns;
    groups.set(key, g);
  }
  const order = ['forward', 'backward', 'optimizer'];
  const sorted = [...groups.values()].sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase) || b.ns - a.ns);
  const rows: BenchRow[] = sorted.map((g) => ({
    case: id,
    phase: g.phase,
    kernel: g.kernel,
    kind: kindOf(g.kernel),
    dispatches: g.n,
    'GPU ms': g.ns / 1e6,
    '% of GPU': (100 * g.ns) / Math.max(total, 1),
    'µs/dispatch': g.ns / 1e3 / g.n,
  }));
  rows.push({ case: id, phase: 'step', kernel: '(all)', kind: '', dispatches: times.length, 'GPU ms': total / 1e6, '% of GPU': 100, 'wall ms': wallMs });
  return rows;
}

export const profileSection: RunSection = {
  name: 'profile',
  async run(ctx) {
    const g = await init();
    if (!g.features.timestampQuery) {
      ctx.note(`The adapter (${g.info.name}) has no 'timestamp-query': no per-kernel profile.`);
      return [];
    }
    const all = ctx.quick ? QUICK_WORKLOADS : FULL_WORKLOADS;
    const rows: BenchRow[] = [];
    for (const wl of selectWorkloads(all, ctx.options.only)) {
      const model = new WebrnnModel(wl, makeData(wl));
      await model.trainStep(); // warm-up: compile pipelines, create Adam state
      await model.trainStep();
      await sync();
      const timer = new GpuTimer(g.device);
      timer.install();
      const t0 = performance.now();
      let loss;
      try {
        loss = model.recordTrainStep((phase) => (timer.tag = phase));
        await loss.item();
      } finally {
        timer.uninstall();
      }
      const wallMs = performance.now() - t0;
      loss.dispose();
      rows.push(...profileRows(wl.id, await timer.collect(), wallMs));
      timer.dispose();
      model.dispose();
    }
    ctx.note(
      'One training step per workload with every dispatch in its own timestamped compute pass (so the wall time is a little higher ' +
        "than unprofiled). per-step = the fused *_step_forward/_backward kernels and their variants (each includes h·W_hh), hoisted matmul = the matmul* " +
        'kernels (x·W_ih of all steps, weight gradients, head), other = element-wise, reductions, loss, Adam. ' +
        'The step row adds the wall time of the profiled step (recording, submit, read-back of the loss).',
    );
    return rows;
  },
};
