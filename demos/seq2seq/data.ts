// The seq2seq task: written dates in a dozen formats ("5 Dec 2026", "12/05/26", "December fifth,
// 2026", "Saturday, 5 December 2026", ...) to ISO "2026-12-05". Day, month and year move to fixed
// places, so the model must reorder, spell out and look up (names, ordinals, two-digit years).
// Generated in code from a seed; held-out strings are never drawn for training.
import { Random } from '../../src/util/random.js';

export const FIRST_YEAR = 1950;
export const LAST_YEAR = 2049;
/** Two-digit years read as 1950–2049 (50–99 → 19xx, 00–49 → 20xx). */
const yy = (y: number) => String(y % 100).padStart(2, '0');
const pad = (n: number) => String(n).padStart(2, '0');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ONES = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];

/** "fifth", "twenty-first", "thirtieth". */
export function ordinalWord(d: number): string {
  if (d < 10) return ONES[d]!;
  if (d < 20) return TEENS[d - 10]!;
  const tens = d < 30 ? 'twent' : 'thirt';
  return d % 10 === 0 ? `${tens}ieth` : `${tens}y-${ONES[d % 10]}`;
}

/** "1st", "2nd", "3rd", "11th", "22nd". */
export function ordinalSuffix(d: number): string {
  const s = d % 100 >= 11 && d % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][d % 10] ?? 'th';
  return `${d}${s}`;
}

export interface CalendarDate {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

/** The formats, each a function of the date; "5 Dec 2026", "12/05/26" (US), "December fifth, 2026", ... */
export const FORMATS: readonly ((d: CalendarDate) => string)[] = [
  ({ year, month, day }) => `${day} ${MONTHS[month - 1]!.slice(0, 3)} ${year}`,
  ({ year, month, day }) => `${pad(month)}/${pad(day)}/${yy(year)}`,
  ({ year, month, day }) => `${MONTHS[month - 1]} ${ordinalWord(day)}, ${year}`,
  ({ year, month, day }) => `${year}.${pad(month)}.${pad(day)}`,
  ({ year, month, day }) => `${weekday({ year, month, day })}, ${day} ${MONTHS[month - 1]} ${year}`,
  ({ year, month, day }) => `${MONTHS[month - 1]!.slice(0, 3)} ${day}, ${year}`,
  ({ year, month, day }) => `${ordinalSuffix(day)} of ${MONTHS[month - 1]} ${year}`,
  ({ year, month, day }) => `${pad(day)}.${pad(month)}.${year}`,
  ({ year, month, day }) => `${year}${pad(month)}${pad(day)}`,
  ({ year, month, day }) => `${day}-${MONTHS[month - 1]!.slice(0, 3).toLowerCase()}-${yy(year)}`,
  ({ year, month, day }) => `the ${ordinalWord(day)} of ${MONTHS[month - 1]!.toLowerCase()}, ${year}`,
  ({ year, month, day }) => `${MONTHS[month - 1]!.toUpperCase()} ${pad(day)} ${year}`,
  ({ year, month, day }) => `${year}-${month}-${day}`,
];

/** Day of the week (Sakamoto's method: a formula, no Date object, no time zone). */
export function weekday({ year, month, day }: CalendarDate): string {
  const t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
  const y = month < 3 ? year - 1 : year;
  return WEEKDAYS[(y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + t[month - 1]! + day) % 7]!;
}

export function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export const iso = ({ year, month, day }: CalendarDate) => `${year}-${pad(month)}-${pad(day)}`;

/** Source characters: everything the formats write; index 0 pads. */
export const SOURCE_CHARS = `\0 ${[...new Set(FORMATS.flatMap((f) => [...MONTHS.keys()].map((m) => f({ year: 2023, month: m + 1, day: 28 }))).join('') + '0123456789' + WEEKDAYS.join('') + [...Array(31).keys()].map((d) => ordinalWord(d + 1) + ordinalSuffix(d + 1)).join(''))]
  .filter((ch) => ch !== ' ').sort().join('')}`;
/** Target tokens: 0 is the start token the decoder reads first, then the ISO characters. */
export const TARGET_CHARS = '^0123456789-';
/** Every ISO date is 10 characters: the decoder runs 10 steps. */
export const TARGET_LENGTH = 10;

export interface Example {
  source: string;
  target: string;
}

/** A random date of 1950–2049 in a random format. */
export function randomExample(rng: Random): Example {
  const year = FIRST_YEAR + rng.int(LAST_YEAR - FIRST_YEAR + 1);
  const month = 1 + rng.int(12);
  const day = 1 + rng.int(daysIn(year, month));
  const date = { year, month, day };
  return { source: FORMATS[rng.int(FORMATS.length)]!(date), target: iso(date) };
}

/** The held-out inputs (distinct strings) and a training sampler that never returns one of them. */
export class DateData {
  readonly heldOut: Example[] = [];
  private readonly held = new Set<string>();

  constructor(holdout: number, seed: number) {
    if (!Number.isInteger(holdout) || holdout < 1 || holdout > 100_000) throw new Error(`seq2seq: holdout = ${holdout} must be an integer in 1..100000`);
    const rng = new Random(seed ^ 0x5eed);
    while (this.heldOut.length < holdout) {
      const ex = randomExample(rng);
      if (this.held.has(ex.source)) continue;
      this.held.add(ex.source);
      this.heldOut.push(ex);
    }
  }

  isHeldOut(source: string): boolean {
    return this.held.has(source);
  }

  /** `n` training examples, none of them held out. */
  sample(n: number, rng: Random): Example[] {
    const out: Example[] = [];
    while (out.length < n) {
      const ex = randomExample(rng);
      if (!this.held.has(ex.source)) out.push(ex);
    }
    return out;
  }
}

/** Source ids, time-major [T, B] padded with 0 to the longest, and each one's length. */
export function encodeSources(sources: readonly string[]): { ids: Int32Array; T: number; lengths: Int32Array } {
  const T = Math.max(...sources.map((s) => s.length));
  const B = sources.length;
  const ids = new Int32Array(T * B);
  sources.forEach((s, b) => {
    for (let t = 0; t < s.length; t++) {
      const id = SOURCE_CHARS.indexOf(s[t]!);
      if (id < 1) throw new Error(`seq2seq: the character '${s[t]}' of '${s}' is not in the source vocabulary`);
      ids[t * B + b] = id;
    }
  });
  return { ids, T, lengths: Int32Array.from(sources, (s) => s.length) };
}

/** Decoder inputs (start token then the target shifted right) and targets, time-major [10, B]. */
export function encodeTargets(targets: readonly string[]): { inputs: Int32Array; labels: Int32Array } {
  const B = targets.length;
  const inputs = new Int32Array(TARGET_LENGTH * B);
  const labels = new Int32Array(TARGET_LENGTH * B);
  targets.forEach((s, b) => {
    for (let t = 0; t < TARGET_LENGTH; t++) {
      labels[t * B + b] = TARGET_CHARS.indexOf(s[t]!);
      inputs[t * B + b] = t === 0 ? 0 : TARGET_CHARS.indexOf(s[t - 1]!);
    }
  });
  return { inputs, labels };
}

export const decodeTarget = (ids: ArrayLike<number>) => Array.from(ids, (i) => TARGET_CHARS[i] ?? '?').join('');
