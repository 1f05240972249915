// Benchmark entry (`npm run bench`, bundled by build.mjs into dist/node/bench.js): runs each
// section in turn, prints one Markdown table per section and writes all rows to
// <out>/bench.json and <out>/bench.md. Flags: --quick (tiny sizes, CI smoke run), --only W1,W3,
// --skip-tfjs, --skip-wasm (tfjs's wasm backend), --skip-ort, --infer-only, --profile (per-kernel
// GPU time), --sections matmul,workloads,browser,generation (conv, captcha, schedules: on request;
// run in the order named), --captcha-full (the captcha section at the seed's sizes),
// --torch-device cuda (the PyTorch column on the GPU), --out <dir>.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gpu } from '../src/gpu/device.js';
import { adapterInfo, init, sync, type AdapterInfo } from '../src/index.js';
import { browserSection } from './browser.js';
import { captchaSection } from './captcha.js';
import { convSection } from './conv.js';
import { generationSection } from './generation.js';
import { matmulSection } from './matmul.js';
import { preciseTimestampsGpu } from './gpu_timer.js';
import { profileSection } from './profile.js';
import { schedulesSection } from './schedules.js';
import type { TorchDevice } from './pytorch.js';
import { loadOrt, type OrtHandle } from './ort.js';
import { loadTfjs, type TfjsHandle } from './tfjs.js';
import { measureSteps, type StepTiming } from './timing.js';
import { workloadsSection } from './workloads_section.js';

/** One measured case: a name plus numbers (sizes, times, rates) as table columns. */
export type BenchRow = { case: string } & Record<string, string | number>;

export interface Timing {
  /** Median seconds per call. */
  seconds: number;
  /** Calls per timed run, and timed runs. */
  iters: number;
  runs: number;
}

export interface BenchOptions {
  quick: boolean;
  /** Workload ids to run (W1..W6); null runs W1..W5 (W6 is opt-in, for GPUs). */
  only: string[] | null;
  /** Section names to run; null runs the default ones (profile only with --profile). */
  sections: string[] | null;
  skipTfjs: boolean;
  /** Leave out tfjs's wasm backend (one CPU thread; on a GPU machine its long steps crowd out the rest). */
  skipWasm: boolean;
  /** Leave out ONNX Runtime (the workloads' inference columns). */
  skipOrt: boolean;
  /** Workloads section: time the inference forwards only (no training rows). */
  inferOnly: boolean;
  profile: boolean;
  /** The captcha section at the seed's full sizes instead of the demo's small default. */
  captchaFull: boolean;
  /** Where the PyTorch column runs (--torch-device cpu|cuda; cpu by default). */
  torchDevice: TorchDevice;
  /** Folder for bench.json and bench.md. */
  out: string;
  /** Print tables as they are made (the CLI); the test runs silently. */
  log: (line: string) => void;
  /** Progress lines for long runs (stderr in the CLI). */
  progress: (line: string) => void;
}

export interface BenchContext {
  quick: boolean;
  /** Times `step` (which records GPU work): warm-up, then the median of several runs of N calls
   *  each followed by one `finish()` (webrnn's `sync()` unless given: tfjs passes its own), with N
   *  chosen so a run lasts about `target` seconds. */
  time(step: () => void, finish?: () => Promise<void>): Promise<Timing>;
}

/** What the sections of `npm run bench` get beyond BenchContext. */
export interface RunContext extends BenchContext {
  options: BenchOptions;
  /** Times whole steps that finish their GPU work themselves (a read-back): median and min. */
  measure(step: () => Promise<unknown>): Promise<StepTiming>;
  /** TensorFlow.js with its webgpu and wasm backends, loaded once; null with --skip-tfjs. */
  tfjs(): Promise<TfjsHandle | null>;
  /** ONNX Runtime (onnxruntime-node: WebGPU and CPU providers), loaded once; null with --skip-ort. */
  ort(): Promise<OrtHandle | null>;
  /** Notes printed under the section's table (what a column means, what was skipped). */
  note(text: string): void;
  /** A further table of the section, printed after its main one (numbers to `digits` digits). */
  table(title: string, rows: BenchRow[], digits?: number): void;
  progress(line: string): void;
}

/** A group of related measurements, printed as one table. */
export interface Section {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** A section using the full run context (options, tfjs, notes, further tables). */
export interface RunSection {
  name: string;
  run(ctx: RunContext): Promise<BenchRow[]>;
}

const SECTIONS: RunSection[] = [matmulSection, workloadsSection, browserSection, generationSection, profileSection, convSection, captchaSection, schedulesSection];
/** Sections run only when named in --sections (profile also with --profile). */
const ON_REQUEST = new Set(['profile', 'conv', 'captcha', 'schedules']);

export function parseArgs(argv: readonly string[]): BenchOptions {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string) => value(flag)?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const known = new Set(['--quick', '--only', '--skip-tfjs', '--skip-wasm', '--skip-ort', '--infer-only', '--profile', '--sections', '--out', '--captcha-full', '--torch-device']);
  for (const [i, a] of argv.entries()) {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`bench: unknown flag ${a} (known: ${[...known].join(' ')})`);
    if ((a === '--only' || a === '--sections' || a === '--out' || a === '--torch-device') && !argv[i + 1]) throw new Error(`bench: ${a} needs a value`);
  }
  const torchDevice = value('--torch-device') ?? 'cpu';
  if (torchDevice !== 'cpu' && torchDevice !== 'cuda') throw new Error(`bench: --torch-device must be cpu or cuda, not ${torchDevice}`);
  return {
    quick: argv.includes('--quick'),
    only: list('--only')?.map((s) => s.toUpperCase()) ?? null,
    sections: list('--sections'),
    skipTfjs: argv.includes('--skip-tfjs'),
    skipWasm: argv.includes('--skip-wasm'),
    skipOrt: argv.includes('--skip-ort'),
    inferOnly: argv.includes('--infer-only'),
    profile: argv.includes('--profile'),
    captchaFull: argv.includes('--captcha-full'),
    torchDevice,
    out: resolve(value('--out') ?? join(process.cwd(), 'bench-results')),
    log: (line) => console.log(line),
    progress: (line) => console.error(`[bench ${(performance.now() / 1000).toFixed(0)} s] ${line}`),
  };
}

interface SectionOutput {
  notes: string[];
  tables: { title: string; rows: BenchRow[]; digits: number }[];
}

function makeContext(options: BenchOptions, out: SectionOutput, tfjs: () => Promise<TfjsHandle | null>, ort: () => Promise<OrtHandle | null>): RunContext {
  const { quick } = options;
  const target = quick ? 0.02 : 0.3;
  const runs = quick ? 3 : 5;
  return {
    quick,
    options,
    async time(step, finish = sync) {
      step(); // warm-up: pipeline compilation, pool allocation
      await finish();
      let t0 = performance.now();
      step();
      await finish();
      const once = (performance.now() - t0) / 1000;
      const iters = Math.max(1, Math.min(quick ? 20 : 2000, Math.round(target / Math.max(once, 1e-6))));
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        t0 = performance.now();
        for (let i = 0; i < iters; i++) step();
        await finish();
        times.push((performance.now() - t0) / 1000 / iters);
      }
      times.sort((a, b) => a - b);
      return { seconds: times[Math.floor(runs / 2)]!, iters, runs };
    },
    measure: (step) => measureSteps(step, { quick }),
    tfjs,
    ort,
    note: (text) => out.notes.push(text),
    table: (title, rows, digits = 4) => out.tables.push({ title, rows, digits }),
    progress: options.progress,
  };
}

/** Renders rows as a Markdown table, one column per key seen in any row, numbers to `digits`
 *  significant digits. */
export function markdown(rows: BenchRow[], digits = 4): string {
  if (!rows.length) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(digits)) : String(v ?? ''));
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map((c) => (c === 'case' ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n');
}

export interface BenchReport {
  date: string;
  quick: boolean;
  command: string;
  adapter: AdapterInfo;
  tfjs: string | null;
  /** onnxruntime-node's version, when it was loaded. */
  ort: string | null;
  /** CPUs and the 1-minute load average at the start and end: other work on a shared machine
   *  (and a software adapter runs on the CPU) shows up in every time. */
  host: { cpus: number; loadStart: number; loadEnd: number };
  sections: Record<string, BenchRow[]>;
  notes: Record<string, string[]>;
  markdown: string;
}

function hasDevice(): boolean {
  try {
    gpu();
    return true;
  } catch {
    return false;
  }
}

/** Runs the selected sections and writes bench.json and bench.md into options.out. */
export async function runBench(options: BenchOptions, command: string): Promise<BenchReport> {
  const unknown = options.sections?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`bench: --sections ${unknown.join(',')}: unknown (known: ${SECTIONS.map((s) => s.name).join(', ')})`);
  // Only before the first device exists: webrnn keeps the device it made first.
  const precise = options.profile && !hasDevice() && (await preciseTimestampsGpu());
  await init();
  const info = adapterInfo();
  const date = new Date().toISOString();
  const loadStart = loadavg()[0]!;
  // Named sections run in the order named (a GPU check puts the ones it needs most first).
  const chosen = options.sections
    ? options.sections.map((n) => SECTIONS.find((s) => s.name === n)!)
    : SECTIONS.filter((s) => !ON_REQUEST.has(s.name) || (s.name === 'profile' && options.profile));
  const sections: Record<string, BenchRow[]> = {};
  const notes: Record<string, string[]> = {};
  if (options.profile && !precise) notes.profile = ['Timestamps are as Dawn reports them (possibly quantized to 65.5 µs).'];
  const md: string[] = [];
  const emit = (text: string) => {
    md.push(text);
    options.log(text);
  };
  emit(
    `# webrnn benchmark${options.quick ? ' (quick)' : ''}\n\nAdapter: ${info.name}${info.isSoftware ? ' (software)' : ''}  \n` +
      `Date: ${date}  \nCommand: \`${command}\`  \nHost: ${cpus().length} CPUs, load average ${loadStart.toFixed(1)} at the start\n`,
  );
  let tfjsVersion: string | null = null;
  // Loaded once, on first use, and shared by every section.
  const tfjs: { load?: Promise<TfjsHandle | null> } = {};
  const shared = () => (tfjs.load ??= options.skipTfjs ? Promise.resolve(null) : loadTfjs({ wasm: !options.skipWasm }));
  const ort: { load?: Promise<OrtHandle | null> } = {};
  const sharedOrt = () => (ort.load ??= options.skipOrt ? Promise.resolve(null) : loadOrt());
  for (const s of chosen) {
    const out: SectionOutput = { notes: [], tables: [] };
    const ctx = makeContext(options, out, shared, sharedOrt);
    options.progress(`section ${s.name}`);
    const rows = await s.run(ctx);
    if (tfjs.load) tfjsVersion ??= (await tfjs.load)?.version ?? null;
    sections[s.name] = rows;
    notes[s.name] = [...(notes[s.name] ?? []), ...out.notes];
    const extra = out.tables.map((t) => {
      sections[`${s.name}: ${t.title}`] = t.rows;
      return `\n### ${t.title}\n\n${markdown(t.rows, t.digits)}\n`;
    });
    emit(`## ${s.name}\n\n${markdown(rows)}\n${notes[s.name]!.map((n) => `\n${n}`).join('\n')}\n${extra.join('')}`);
  }
  if (tfjsVersion) emit(`TensorFlow.js ${tfjsVersion} (@tensorflow/tfjs layers; webgpu and wasm backends).\n`);
  const ortVersion = ort.load ? (await ort.load)?.version : undefined;
  if (ortVersion) emit(`ONNX Runtime ${ortVersion} (onnxruntime-node; WebGPU and CPU execution providers).\n`);
  const host = { cpus: cpus().length, loadStart, loadEnd: loadavg()[0]! };
  emit(`Load average ${host.loadEnd.toFixed(1)} at the end (${host.cpus} CPUs).\n`);
  const report: BenchReport = {
    date, quick: options.quick, command, adapter: info, tfjs: tfjsVersion, ort: ortVersion ?? null, host, sections, notes, markdown: md.join('\n'),
  };
  mkdirSync(options.out, { recursive: true });
  const { markdown: text, ...json } = report;
  writeFileSync(join(options.out, 'bench.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(options.out, 'bench.md'), text);
  options.log(`Wrote ${join(options.out, 'bench.json')} and bench.md`);
  return report;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  await runBench(options, ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '));
  process.exit(0); // Dawn's device keeps the event loop alive
}

// Run only as the entry point (the CI test imports runBench instead).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
