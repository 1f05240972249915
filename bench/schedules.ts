// Benchmark section, on request (`--sections schedules`): each workload's inference forward and
// training step under every step schedule the launcher can take on this adapter (the simple
// kernels, the blocked ones at 2 to 32 rows an invocation launched a step at a time, one launch
// for the whole sequence, and the split kernels of the cells that have them), and the generation
// section's batch-1 char model under the default and the split kernels, timed round-robin call by
// call so load drifts hit all alike. It checks the launcher's defaults (src/kernels/cells/launch.ts)
// on an adapter they were not tuned on: the first GPU run put ~160 µs on every recurrent step
// (bench/RESULTS.md).
import { counters, init, nn, resetCounters } from '../src/index.js';
import { withTuning, type Gpu, type Tuning } from '../src/gpu/device.js';
import { CELLS } from '../src/kernels/cells/index.js';
import { blockedStepsPossible } from '../src/kernels/cells/launch.js';
import type { BenchRow, RunContext, RunSection } from './bench.js';
import { CharLM } from './generation.js';
import { median, ratio } from './timing.js';
import { WebrnnModel } from './webrnn_model.js';
import { FULL_WORKLOADS, makeData, QUICK_WORKLOADS, selectWorkloads, shapeOf } from './workloads.js';

type Schedule = Pick<Tuning, 'stepVariant' | 'blockRows' | 'splitK' | 'wholeSequence'>;

/** The schedules compared, by name; 'default' is the launcher's own choice. */
export const SCHEDULES: Record<string, Schedule> = {
  default: {},
  simple: { stepVariant: 'simple' },
  'blocked 2 rows, a launch a step': { stepVariant: 'blocked', blockRows: 2, wholeSequence: false },
  'blocked 4 rows, a launch a step': { stepVariant: 'blocked', blockRows: 4, wholeSequence: false },
  'blocked 8 rows, a launch a step': { stepVariant: 'blocked', blockRows: 8, wholeSequence: false },
  'blocked 16 rows, a launch a step': { stepVariant: 'blocked', blockRows: 16, wholeSequence: false },
  'blocked 32 rows, a launch a step': { stepVariant: 'blocked', blockRows: 32, wholeSequence: false },
  'blocked, whole sequence': { stepVariant: 'blocked', wholeSequence: true },
  'split, 8 invocations a unit': { stepVariant: 'split', splitK: 8 },
  'split, 32 invocations a unit': { stepVariant: 'split', splitK: 32 },
};

/** The schedules that apply where the blocked and the split kernels can run or not. */
export function schedulesFor(blocked: boolean, split: boolean): string[] {
  return Object.keys(SCHEDULES).filter((n) => {
    const v = SCHEDULES[n]!.stepVariant;
    return v === 'split' ? split : v === 'blocked' ? blocked : true;
  });
}

/** Median and min ms of each step, run round-robin (every step once a round, each round starting
 *  one step later, so every step takes every place in the order) after two warm-up rounds; as
 *  many rounds as fit the budget, between 3 and 15. */
async function roundRobin(steps: (() => Promise<unknown>)[], quick: boolean): Promise<{ medianMs: number; minMs: number }[]> {
  const times: number[][] = steps.map(() => []);
  let round = 0;
  for (let w = 0; w < 2; w++) {
    const t0 = performance.now();
    for (const s of steps) await s();
    round = performance.now() - t0;
  }
  const rounds = quick ? 2 : Math.max(3, Math.min(15, Math.round(8_000 / Math.max(round, 1e-3))));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < steps.length; k++) {
      const i = (k + r) % steps.length;
      const t0 = performance.now();
      await steps[i]!();
      times[i]!.push(performance.now() - t0);
    }
  }
  return times.map((t) => ({ medianMs: median(t), minMs: Math.min(...t) }));
}

/** The generation section's char model generating N tokens under the default (at batch 1 the
 *  simple kernels, the input projection fused into each single step) and the split kernels (fused
 *  the same way). */
async function generationSchedules(ctx: RunContext, g: Gpu): Promise<BenchRow[]> {
  const N = ctx.quick ? 8 : 100;
  const m = new CharLM().eval();
  const names = Object.keys(SCHEDULES).filter((n) => n === 'default' || SCHEDULES[n]!.stepVariant === 'split');
  const step = (s: Schedule) => () => withTuning<unknown>(g, s, () => nn.generate(m, [0], { length: N, seed: 7 }));
  ctx.progress(`generation: ${names.length} schedules, round-robin`);
  const timed = await roundRobin(names.map((n) => step(SCHEDULES[n]!)), ctx.quick);
  const rows: BenchRow[] = [];
  for (const [i, name] of names.entries()) {
    resetCounters();
    await step(SCHEDULES[name]!)();
    rows.push({
      case: `generation (${N} tokens)`,
      shape: 'B1 2×LSTM H256',
      schedule: name,
      'ms (median)': timed[i]!.medianMs,
      'ms (min)': timed[i]!.minMs,
      dispatches: counters().dispatches,
      'vs default': ratio(timed[i]!.medianMs, timed[0]!.medianMs),
    });
  }
  m.dispose();
  return rows;
}

export const schedulesSection: RunSection = {
  name: 'schedules',
  async run(ctx) {
    const g = await init();
    const rows: BenchRow[] = [];
    for (const wl of selectWorkloads(ctx.quick ? QUICK_WORKLOADS : FULL_WORKLOADS, ctx.options.only)) {
      // The split kernels exist for some cells only, the blocked ones need subgroups and H % 8 == 0
      // (elsewhere the launcher would take its default under those names).
      const blocked = blockedStepsPossible(g, wl.hidden);
      const split = CELLS[wl.cell].forward.split !== undefined;
      if (!blocked) ctx.note(`${wl.id}: the blocked kernels cannot run here (subgroups, or H % 8): ${split ? 'simple and split compared' : 'not compared'}.`);
      if (!blocked && !split) continue;
      const names = schedulesFor(blocked, split);
      const model = new WebrnnModel(wl, makeData(wl));
      for (const mode of ctx.options.inferOnly ? (['infer'] as const) : (['infer', 'train'] as const)) {
        ctx.progress(`${wl.id} ${mode}: ${names.length} schedules, round-robin`);
        const step = (s: Schedule) => () => withTuning<unknown>(g, s, () => (mode === 'infer' ? model.infer() : model.trainStep()));
        const timed = await roundRobin(names.map((n) => step(SCHEDULES[n]!)), ctx.quick);
        const base = timed[0]!.medianMs;
        for (const [i, name] of names.entries()) {
          resetCounters();
          await step(SCHEDULES[name]!)();
          const { dispatches } = counters();
          rows.push({
            case: `${wl.id} ${mode}`,
            shape: shapeOf(wl),
            schedule: name,
            'ms (median)': timed[i]!.medianMs,
            'ms (min)': timed[i]!.minMs,
            dispatches,
            'vs default': ratio(timed[i]!.medianMs, base),
          });
        }
        ctx.progress(`${wl.id} ${mode}: ${names.map((n, i) => `${n} ${timed[i]!.medianMs.toFixed(2)}`).join(', ')} ms`);
      }
      model.dispose();
    }
    rows.push(...(await generationSchedules(ctx, g)));
    ctx.note(
      `Adapter: ${g.info.name}${g.info.isSoftware ? ' (software)' : ''}. Each row: one workload's step under one schedule (Tuning.stepVariant, blockRows, wholeSequence, splitK; ` +
        "'default' = the launcher's own choice here), all of a workload's schedules timed round-robin (each round starting one schedule later) after two warm-up rounds. " +
        '"vs default" = this schedule\'s median / the default\'s (below 1: faster than the default). Training steps update the weights, ' +
        'so each schedule trains from slightly different ones: the times, not the losses, are compared.',
    );
    return rows;
  },
};
