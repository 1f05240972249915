// Options objects checked in one place: every public constructor or function that takes options
// calls checkOptions, so a misspelled or foreign key (`num_layers`, TF.js's `learningRate`) or a
// value of the wrong kind is refused with a `webrnn:` error naming it, never silently ignored.
// No imports: any layer may use it.

/** What a value must be: a named kind, one of a list of literals, or a test that returns what the
 *  value must be (a phrase for the error message) when it fails, and null when it passes. */
export type Rule = Kind | readonly (string | number | boolean)[] | ((v: unknown) => string | null);

export type Kind =
  | 'boolean' | 'string' | 'number' | 'integer' | 'positiveInteger' | 'nonNegativeInteger'
  | 'positive' | 'nonNegative' | 'probability' | 'unitInterval' | 'seed';

/** [test, what the value must be] for each kind; numbers must also be finite. */
const KINDS: Record<Kind, [(v: unknown) => boolean, string]> = {
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  string: [(v) => typeof v === 'string', 'a string'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  integer: [(v) => Number.isInteger(v), 'an integer'],
  positiveInteger: [(v) => Number.isInteger(v) && (v as number) >= 1, 'a positive integer'],
  nonNegativeInteger: [(v) => Number.isInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  positive: [(v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a finite number > 0'],
  nonNegative: [(v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a finite number >= 0'],
  probability: [(v) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1)'],
  unitInterval: [(v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number in [0, 1]'],
  // Generators use the seed modulo 2³², so any safe integer (negative too) is a seed.
  seed: [(v) => Number.isSafeInteger(v), 'an integer'],
};

export type Spec = Readonly<Record<string, Rule>>;

/** A rule for a key whose value the caller checks itself where it reads it. */
export const anyValue = (): null => null;

/** Other libraries' names for our options (TF.js / Keras, PyTorch spellings that snake→camel
 *  does not fix), with a hint where there is no equivalent. */
const ALIASES: Readonly<Record<string, string>> = {
  learningRate: 'lr',
  units: 'hiddenSize',
  inputDim: 'inputSize',
  outputDim: 'embeddingDim',
  useBias: 'bias',
  epsilon: 'eps',
  rho: 'alpha',
  decay: 'weightDecay',
  recurrentDropout: 'dropout',
  timeMajor: 'batchFirst (its inverse)',
  maskZero: 'paddingIdx',
  clipnorm: 'clipGradNorm() before step()',
  clipvalue: 'clipGradValue() before step()',
  returnSequences: 'nothing: forward() always returns the whole sequence and the final state (in nn.Sequential, nn.LastStep after the layer keeps the last step)',
  returnState: 'nothing: forward() always returns the whole sequence and the final state',
};

const snakeToCamel = (k: string) => k.replace(/[_-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known option a mistyped key most likely meant, or null. */
export function suggest(key: string, known: readonly string[]): string | null {
  const alias = ALIASES[key] ?? ALIASES[snakeToCamel(key)];
  if (alias && (known.includes(alias) || alias.includes(' '))) return alias;
  const camel = snakeToCamel(key);
  const lower = camel.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  // A shortened spelling (train → training); not a longer one, which is often another option
  // (PyTorch's padding_mode is not padding).
  const prefix = lower.length >= 3 ? known.find((k) => k.toLowerCase().startsWith(lower)) : undefined;
  if (prefix) return prefix;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(Math.min(lower.length, best.length) / 3)) ? best : null;
}

/** Prints a value as an error message shows it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** What `v` fails to be under `rule`, or null when it passes. */
export function failure(v: unknown, rule: Rule): string | null {
  if (typeof rule === 'function') return rule(v);
  if (Array.isArray(rule)) return rule.includes(v as never) ? null : `one of ${rule.map(show).join(', ')}`;
  const [ok, what] = KINDS[rule as Kind];
  return ok(v) ? null : what;
}

/** Throws `webrnn: <where>: …` unless `opts` is undefined or a plain object whose every key is in
 *  `spec` with a value its rule accepts. An undefined value counts as absent (the default). */
export function checkOptions(where: string, opts: unknown, spec: Spec): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new Error(`webrnn: ${where}: options must be an object, got ${show(opts)}`);
  }
  const known = Object.keys(spec);
  for (const [key, v] of Object.entries(opts)) {
    if (!Object.hasOwn(spec, key)) {
      const s = suggest(key, known);
      const hint = s === null ? '' : s.includes(' ') ? ` (use ${s})` : ` (did you mean '${s}'?)`;
      throw new Error(`webrnn: ${where}: unknown option '${key}'${hint}; known options: ${known.join(', ') || 'none'}`);
    }
    if (v === undefined) continue;
    const f = failure(v, spec[key]!);
    if (f !== null) throw new Error(`webrnn: ${where}: option ${key} = ${show(v)} must be ${f}`);
  }
}

/** Throws `webrnn: <where>: <name> = … must be …` unless `v` passes `rule` (positional arguments). */
export function checkArg(where: string, name: string, v: unknown, rule: Rule): void {
  const f = failure(v, rule);
  if (f !== null) throw new Error(`webrnn: ${where}: ${name} = ${show(v)} must be ${f}`);
}
