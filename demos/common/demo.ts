// The contract every demo follows: one `Demo` object per folder (demos/<name>/main.ts), run by the
// Node CLI (demos/cli.ts) and by the demo's browser page with the same code and different hooks.
import type { Cell } from './cell.js';


/** One progress report, sent every few steps. */
export interface Progress {
  step: number;
  totalSteps: number;
  loss: number;
  /** Extra numbers to show, e.g. { accuracy: 0.93 }. */
  metrics?: Record<string, number>;
}

/** A named series for a plot (loss curve, true vs predicted). */
export interface Series {
  label: string;
  x: number[];
  y: number[];
}

/** What the host (CLI or page) provides to a running demo. */
export interface DemoHooks {
  progress(p: Progress): void;
  /** A line of output (results, samples like `[0 1 0 1 0 0 0 1]:81`). */
  log(line: string): void;
  /** True once the user asked to stop (Ctrl-C, the stop button): finish the step, save, return. */
  shouldStop(): boolean;
  /** Loads bytes the demo needs (a data file), from disk in Node or by fetch in the browser. */
  readFile?(pathOrUrl: string): Promise<Uint8Array>;
  /** Called when a checkpoint should be written (Node: --save PATH). */
  save?(bytes: Uint8Array): Promise<void>;
  /** A previously saved checkpoint to resume from (Node: --load PATH). */
  load?(): Promise<Uint8Array | null>;
}

/** The demo's result: numbers for the README table and plots for --plot / the page. */
export interface DemoResult {
  summary: Record<string, number | string>;
  plots: { name: string; title: string; series: Series[] }[];
}

/** The settings of a demo that trains one recurrent model for a number of steps (binary-add, sine). */
export type TrainingConfig = {
  steps: number;
  batch: number;
  hidden: number;
  layers: number;
  cell: Cell;
  lr: number;
  /** Global gradient-norm clip (0: off). */
  clip: number;
  seed: number;
};

/** A command-line option of a demo (also used to build --help). */
export interface OptionSpec {
  name: string;
  type: 'number' | 'string' | 'boolean';
  default?: number | string | boolean;
  help: string;
}

export interface Demo<C extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Default config; the CLI overrides fields from flags (--epochs, --hidden, --layers, --cell, --lr, --seed, ...). */
  defaults: C;
  /** A tiny configuration for CI smoke tests (a few steps, tiny sizes). */
  smoke: Partial<C>;
  run(config: C, hooks: DemoHooks): Promise<DemoResult>;
}
