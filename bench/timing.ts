// Timing of whole steps (a training step, an inference forward) that end with a read-back, so
// each run includes all its GPU work. Warm-up first (pipeline compilation, pools, optimizer
// state), then as many runs as fit a time budget, at least 3: median and min in ms, and CPU ms.

export interface StepTiming {
  medianMs: number;
  minMs: number;
  runs: number;
  warmup: number;
  /** CPU time of this process (JS, and a software adapter's worker threads) per timed run, mean:
   *  what a step costs the host, barely moved by other load, unlike wall time. NaN in a browser
   *  page (no process CPU clock there). */
  cpuMs: number;
}

export interface MeasureOptions {
  quick: boolean;
}

/** "theirs / ours" as a speed-up column ("2.50×": webrnn is 2.5× faster), or '—' without theirs. */
export const ratio = (theirs: number | undefined, ours: number): string => (theirs === undefined ? '—' : `${(theirs / ours).toFixed(2)}×`);

/** Median of sorted or unsorted numbers (the lower middle for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** Times `step` after warm-up: runs until the budget is spent, between 3 and 20 runs. */
export async function measureSteps(step: () => Promise<unknown>, opts: MeasureOptions): Promise<StepTiming> {
  // Steps of seconds (W2, W5) get the minimum of 3 runs; W3's few ms get 20.
  const budgetMs = opts.quick ? 200 : 4_000;
  const minRuns = opts.quick ? 2 : 3;
  const maxRuns = opts.quick ? 3 : 20;
  let t0 = performance.now();
  await step(); // compiles pipelines, fills pools
  let once = performance.now() - t0;
  let warmup = 1;
  if (once < 1000 && !opts.quick) {
    // A cheap step: one more warm-up (Adam's first step allocates its state, tfjs caches programs).
    t0 = performance.now();
    await step();
    once = performance.now() - t0;
    warmup++;
  }
  const runs = Math.max(minRuns, Math.min(maxRuns, Math.round(budgetMs / Math.max(once, 1e-3))));
  const times: number[] = [];
  // The browser section runs this in a page, where there is no process.
  const cpuUsage = typeof process === 'undefined' ? null : (since?: NodeJS.CpuUsage) => process.cpuUsage(since);
  const cpu0 = cpuUsage?.();
  for (let r = 0; r < runs; r++) {
    t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const cpu = cpuUsage?.(cpu0);
  return { medianMs: median(times), minMs: Math.min(...times), runs, warmup, cpuMs: cpu ? (cpu.user + cpu.system) / 1e3 / runs : NaN };
}

/** Times two steps interleaved (A, B, A, B, …) after warming each up, so load drifts hit both
 *  alike: an A/B comparison. Runs as many pairs as fit the budget, between 3 and 20. */
export async function measureInterleaved(a: () => Promise<unknown>, b: () => Promise<unknown>, opts: MeasureOptions): Promise<[StepTiming, StepTiming]> {
  const budgetMs = opts.quick ? 400 : 8_000;
  const warmup = opts.quick ? 1 : 2;
  let once = 0;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await a();
    await b();
    once = performance.now() - t0;
  }
  const pairs = Math.max(opts.quick ? 2 : 3, Math.min(20, Math.round(budgetMs / Math.max(once, 1e-3))));
  const times: [number[], number[]] = [[], []];
  const cpu: [number, number] = [0, 0];
  const cpuUsage = typeof process === 'undefined' ? null : (since?: NodeJS.CpuUsage) => process.cpuUsage(since);
  for (let r = 0; r < pairs; r++) {
    for (const [i, step] of [a, b].entries()) {
      const c0 = cpuUsage?.();
      const t0 = performance.now();
      await step();
      times[i]!.push(performance.now() - t0);
      const c = cpuUsage?.(c0);
      cpu[i] += c ? (c.user + c.system) / 1e3 : NaN;
    }
  }
  const timing = (i: 0 | 1): StepTiming => ({ medianMs: median(times[i]), minMs: Math.min(...times[i]), runs: pairs, warmup, cpuMs: cpu[i] / pairs });
  return [timing(0), timing(1)];
}
