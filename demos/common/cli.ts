// Command-line parsing for `webrnn <demo> [flags]`, shared by the Node CLI (demos/cli.ts) and usable by
// a page for URL queries: flags are the demo's OptionSpecs (camelCase names, written --kebab-case)
// plus the host flags below. Pure TypeScript, no Node APIs; bad input throws UsageError (exit 2).
import { CELL_NAMES } from './cell.js';
import type { Demo, OptionSpec } from './demo.js';

/** A command-line mistake: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Limits a value must meet; a demo may add them to its OptionSpecs (`CliOption`). */
export interface OptionRule {
  integer?: boolean;
  min?: number;
  /** min is exclusive: the value must be greater than it. */
  minExclusive?: boolean;
  max?: number;
  choices?: readonly string[];
}

/** An OptionSpec that may carry its own limits. */
export type CliOption = OptionSpec & OptionRule;

/** Limits of the common flags, applied to any demo option of that name. */
export const COMMON_RULES: Readonly<Record<string, OptionRule>> = {
  epochs: { integer: true, min: 0 },
  steps: { integer: true, min: 0 },
  hidden: { integer: true, min: 1 },
  layers: { integer: true, min: 1 },
  batch: { integer: true, min: 1 },
  seed: { integer: true, min: 0 },
  lr: { min: 0, minExclusive: true },
  cell: { choices: CELL_NAMES },
};

/**
 * The options of a TrainingConfig, in its order; a demo says what its steps, batches, learning
 * rate and seed mean.
 */
export function trainingOptions(help: { steps: string; batch: string; lr: string; seed: string }): CliOption[] {
  return [
    { name: 'steps', type: 'number', min: 1, help: help.steps },
    { name: 'batch', type: 'number', help: help.batch },
    { name: 'hidden', type: 'number', help: 'hidden units per layer' },
    { name: 'layers', type: 'number', help: 'stacked recurrent layers' },
    { name: 'cell', type: 'string', help: 'recurrent cell (rnn: tanh, rnn_relu: ReLU)' },
    { name: 'lr', type: 'number', help: help.lr },
    { name: 'clip', type: 'number', min: 0, help: 'gradient-norm clip (0: off)' },
    { name: 'seed', type: 'number', help: help.seed },
  ];
}

/** The options with each one's default taken from the demo's defaults. */
export function withDefaults(options: CliOption[], defaults: Record<string, unknown>): CliOption[] {
  return options.map((o) => ({ ...o, default: defaults[o.name] }) as CliOption);
}

/** What the host (CLI) does with the run, whatever the demo. */
export interface HostFlags {
  save?: string;
  load?: string;
  plot?: string;
  smoke: boolean;
}

/** Flags every demo accepts; the CLI handles them itself. */
export const HOST_OPTIONS: OptionSpec[] = [
  { name: 'save', type: 'string', help: 'write a checkpoint to PATH at the end (also after Ctrl-C, SIGTERM or SIGHUP)' },
  { name: 'load', type: 'string', help: 'resume from a checkpoint written by --save' },
  { name: 'plot', type: 'string', help: 'write the plots (loss curves, ...) to PATH as one SVG file (.svg)' },
  { name: 'smoke', type: 'boolean', help: 'a tiny, quick configuration (what CI runs)' },
  { name: 'help', type: 'boolean', help: 'show this help' },
  { name: 'version', type: 'boolean', help: "print webrnn's version" },
];

/** The parsed command line: which demo, its config overrides and the host flags. */
export interface ParsedArgs {
  demo: string | null;
  help: boolean;
  version: boolean;
  overrides: Record<string, unknown>;
  host: HostFlags;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Splits argv into positionals and [flag, value | null] pairs (`--a=1`, `--a 1`, `--a`, `-h`). */
function tokenize(argv: readonly string[], takesValue: (flag: string) => boolean): { positional: string[]; flags: [string, string | null][] } {
  const positional: string[] = [];
  const flags: [string, string | null][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') flags.push(['help', null]);
    else if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) flags.push([flag, arg.slice(eq + 1)]);
      // a value never starts with `--`; `--lr -1` still reads -1 (and then fails the limit check)
      else if (takesValue(flag) && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.push([flag, argv[++i]!]);
      else flags.push([flag, null]);
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown flag ${arg} (flags are written --name; see --help)`);
    else positional.push(arg);
  }
  return { positional, flags };
}

/** Converts one flag value to the option's type and checks its limits. */
export function coerce(spec: CliOption, raw: string | null, negated = false): unknown {
  const flag = `--${kebab(spec.name)}`;
  if (spec.type === 'boolean') {
    if (raw === null) return !negated;
    if (negated) throw new UsageError(`--no-${kebab(spec.name)} takes no value`);
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new UsageError(`${flag} must be true or false, got '${raw}'`);
  }
  if (negated) throw new UsageError(`unknown flag --no-${kebab(spec.name)} (${flag} is not a true/false flag)`);
  if (raw === null || raw === '') throw new UsageError(`${flag} needs a value (${spec.help})`);
  const rule: OptionRule = { ...COMMON_RULES[spec.name], ...pickRule(spec) };
  if (spec.type === 'string') {
    if (rule.choices && !rule.choices.includes(raw)) throw new UsageError(`${flag} must be one of ${rule.choices.join(', ')}, got '${raw}'`);
    return raw;
  }
  const v = Number(raw);
  if (!Number.isFinite(v) || raw.trim() === '') throw new UsageError(`${flag} must be a number, got '${raw}'`);
  if (rule.integer && !Number.isInteger(v)) throw new UsageError(`${flag} must be an integer, got ${raw}`);
  if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) {
    throw new UsageError(`${flag} must be ${rule.minExclusive ? '>' : '≥'} ${rule.min}, got ${raw}`);
  }
  if (rule.max !== undefined && v > rule.max) throw new UsageError(`${flag} must be ≤ ${rule.max}, got ${raw}`);
  return v;
}

function pickRule(spec: CliOption): OptionRule {
  const out: OptionRule = {};
  for (const k of ['integer', 'min', 'minExclusive', 'max', 'choices'] as const) if (spec[k] !== undefined) (out as Record<string, unknown>)[k] = spec[k];
  return out;
}

/** Parses `<demo> [flags]` against the demos' option lists; throws UsageError naming the problem. */
export function parseArgs(argv: readonly string[], demos: ReadonlyMap<string, Demo>, cmd = 'webrnn'): ParsedArgs {
  // The demo comes first: `webrnn <demo> [flags]`.
  const named = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const demo = named !== undefined ? demos.get(named) : undefined;
  if (named !== undefined && !demo) throw new UsageError(`unknown demo '${named}'; the demos are: ${[...demos.keys()].join(', ')}`);
  const specs = new Map<string, CliOption>();
  for (const s of [...HOST_OPTIONS, ...(demo?.options ?? [])]) specs.set(s.name, s);
  const lookup = (flag: string) => specs.get(camel(flag.replace(/^no-/, ''))) ?? specs.get(camel(flag));
  const { positional, flags } = tokenize(argv, (flag) => {
    const s = specs.get(camel(flag));
    return s !== undefined && s.type !== 'boolean';
  });
  const out: ParsedArgs = { demo: demo?.name ?? null, help: false, version: false, overrides: {}, host: { smoke: false } };
  for (const [flag, raw] of flags) {
    const direct = specs.get(camel(flag));
    const negated = !direct && flag.startsWith('no-');
    const spec = direct ?? lookup(flag);
    if (!spec) {
      const where = demo ? `for ${demo.name}` : `here (name a demo first: ${cmd} <demo> --flag)`;
      throw new UsageError(`unknown flag --${flag} ${where}; see ${cmd} ${demo ? `${demo.name} ` : ''}--help`);
    }
    const value = coerce(spec, raw, negated);
    if (spec.name === 'help') out.help = value as boolean;
    else if (spec.name === 'version') out.version = value as boolean;
    else if (spec.name === 'smoke') out.host.smoke = value as boolean;
    else if (HOST_OPTIONS.includes(spec)) (out.host as unknown as Record<string, unknown>)[spec.name] = value;
    else out.overrides[spec.name] = value;
  }
  const extra = positional.slice(demo ? 1 : 0);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}' (the demo comes first, then --flags: ${cmd} <demo> [flags])`);
  if (!out.help && !out.version && !demo) throw new UsageError(`name a demo: ${cmd} <demo> [flags]; the demos are: ${[...demos.keys()].join(', ')}`);
  return out;
}

/** The config a run uses: the demo's defaults, then its smoke config (with --smoke), then the flags. */
export function buildConfig<C extends Record<string, unknown>>(demo: Demo<C>, parsed: Pick<ParsedArgs, 'overrides' | 'host'>): C {
  return { ...demo.defaults, ...(parsed.host.smoke ? demo.smoke : {}), ...parsed.overrides } as C;
}

/** String options that name a file or folder (the rest show TEXT in --help). */
const PATHS = new Set(['data', 'save', 'load', 'plot']);

function optionLines(specs: readonly OptionSpec[], defaults: Record<string, unknown> = {}): string[] {
  const rows = specs.map((s) => {
    const rule: OptionRule = { ...COMMON_RULES[s.name], ...pickRule(s) };
    const value = s.type === 'boolean' ? '' : rule.choices ? ` ${rule.choices.join('|')}` : s.type === 'number' ? ' N' : PATHS.has(s.name) ? ' PATH' : ' TEXT';
    const def = defaults[s.name] ?? s.default;
    const left = s.type === 'boolean' && def === true ? `--[no-]${kebab(s.name)}` : `--${kebab(s.name)}${value}`;
    const shown = s.type === 'boolean' ? (def === undefined ? '' : def ? 'on' : 'off') : def === '' ? '' : String(def ?? '');
    return [left, shown ? `${s.help} (default ${shown})` : s.help] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
}

/** `webrnn --help`: the demos and the flags every demo takes. */
export function mainHelp(demos: ReadonlyMap<string, Demo>, cmd = 'webrnn'): string {
  const width = Math.max(...[...demos.keys()].map((n) => n.length)) + 2;
  return [
    `Usage: ${cmd} <demo> [flags]`,
    'Trains a recurrent network on WebGPU and prints its result.',
    '',
    'Demos:',
    ...[...demos.values()].map((d) => `  ${d.name.padEnd(width)}${d.description}`),
    '',
    'Flags for every demo:',
    ...optionLines(HOST_OPTIONS),
    '',
    `Each demo's own flags (--steps, --hidden, --cell, --lr, --seed, ...): ${cmd} <demo> --help`,
    'Ctrl-C (or SIGTERM, SIGHUP) stops after the current step, saves (with --save) and prints the result.',
  ].join('\n');
}

/** `webrnn <demo> --help`: the demo's flags with their defaults, then the host flags. */
export function demoHelp(demo: Demo, cmd = 'webrnn'): string {
  return [
    `Usage: ${cmd} ${demo.name} [flags]`,
    demo.description,
    '',
    `Flags of ${demo.name}:`,
    ...optionLines(demo.options, demo.defaults),
    '',
    'Flags for every demo:',
    ...optionLines(HOST_OPTIONS),
  ].join('\n');
}
