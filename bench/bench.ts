// Benchmark entry (`npm run bench`, bundled by build.mjs into dist/node/bench.js): runs each
// section in turn, prints one Markdown table per section and writes all rows to
// bench-results/bench.json. `--quick`: tiny sizes and few iterations (CI smoke run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterInfo, init } from '../src/gpu/device.js';
import { sync } from '../src/gpu/memory.js';
import { matmulSection } from './matmul.js';

/** One measured case: a name plus numbers (sizes, times, rates) as table columns. */
export type BenchRow = { case: string } & Record<string, string | number>;

export interface Timing {
  /** Median seconds per call. */
  seconds: number;
  /** Calls per timed run, and timed runs. */
  iters: number;
  runs: number;
}

export interface BenchContext {
  quick: boolean;
  /** Times `step` (which records GPU work): warm-up, then the median of several runs of N calls
   *  each followed by one `sync()`, with N chosen so a run lasts about `target` seconds. */
  time(step: () => void): Promise<Timing>;
}

/** A group of related measurements, printed as one table. */
export interface Section {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

const sections: Section[] = [matmulSection];

function makeContext(quick: boolean): BenchContext {
  const target = quick ? 0.02 : 0.3;
  const runs = quick ? 3 : 5;
  return {
    quick,
    async time(step) {
      step(); // warm-up: pipeline compilation, pool allocation
      await sync();
      let t0 = performance.now();
      step();
      await sync();
      const once = (performance.now() - t0) / 1000;
      const iters = Math.max(1, Math.min(quick ? 20 : 2000, Math.round(target / Math.max(once, 1e-6))));
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        t0 = performance.now();
        for (let i = 0; i < iters; i++) step();
        await sync();
        times.push((performance.now() - t0) / 1000 / iters);
      }
      times.sort((a, b) => a - b);
      return { seconds: times[Math.floor(runs / 2)]!, iters, runs };
    },
  };
}

function markdown(rows: BenchRow[]): string {
  if (!rows.length) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v ?? ''));
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map((c) => (c === 'case' ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  await init();
  const info = adapterInfo();
  console.log(`# webrnn benchmark${quick ? ' (quick)' : ''}\n\nAdapter: ${info.name}${info.isSoftware ? ' (software)' : ''}\n`);
  const results: Record<string, BenchRow[]> = {};
  const ctx = makeContext(quick);
  for (const s of sections) {
    const rows = await s.run(ctx);
    results[s.name] = rows;
    console.log(`## ${s.name}\n\n${markdown(rows)}\n`);
  }
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bench.json');
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, adapter: info, sections: results }, null, 2) + '\n');
  console.log(`Wrote ${file}`);
  process.exit(0); // Dawn's device keeps the event loop alive
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
