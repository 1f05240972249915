// The captcha's stroke font: each of the 36 characters as polylines on a 4 × 6 grid (x right, y
// down), drawn with a round pen. Look-alikes are kept apart on purpose: the zero is narrower than
// O and slashed, I has serifs, 1 a flag and a foot, Z a crossbar that 2 lacks.
import { CAPTCHA_ALPHABET } from './model.js';

/** One character: its strokes, each a list of [x, y] points. */
export type Glyph = readonly (readonly (readonly [number, number])[])[];

/** Strokes as text: points "x,y" separated by spaces, strokes by '|'. */
const STROKES: Record<string, string> = {
  '0': '1.2,0 2.8,0 3.6,1 3.6,5 2.8,6 1.2,6 0.4,5 0.4,1 1.2,0|0.6,5 3.4,1',
  '1': '0.8,1.5 2,0 2,6|0.8,6 3.2,6',
  '2': '0,1 1,0 3,0 4,1 4,2 0,6 4,6',
  '3': '0,0 4,0 2,2.5 3,2.5 4,3.5 4,5 3,6 1,6 0,5',
  '4': '3,6 3,0 0,4 4,4',
  '5': '4,0 0,0 0,2.5 3,2.5 4,3.5 4,5 3,6 0,6',
  '6': '4,0.5 3,0 1,0 0,1 0,5 1,6 3,6 4,5 4,3.5 3,2.5 1,2.5 0,3.5',
  '7': '0,0 4,0 1.5,6',
  '8': '1,0 3,0 4,1 4,2 3,3 1,3 0,4 0,5 1,6 3,6 4,5 4,4 3,3|1,3 0,2 0,1 1,0',
  '9': '0,5.5 1,6 3,6 4,5 4,1 3,0 1,0 0,1 0,2.5 1,3.5 3,3.5 4,2.5',
  A: '0,6 2,0 4,6|0.7,4 3.3,4',
  B: '0,0 0,6 3,6 4,5 4,4 3,3 0,3|0,0 3,0 4,1 4,2 3,3',
  C: '4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5',
  D: '0,0 0,6 2.5,6 4,4.5 4,1.5 2.5,0 0,0',
  E: '4,0 0,0 0,6 4,6|0,3 3,3',
  F: '4,0 0,0 0,6|0,3 3,3',
  G: '4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5 4,3.5 2,3.5',
  H: '0,0 0,6|4,0 4,6|0,3 4,3',
  I: '1,0 3,0|2,0 2,6|1,6 3,6',
  J: '1,0 4,0|3,0 3,5 2,6 1,6 0,5',
  K: '0,0 0,6|4,0 0,4|1.5,2.5 4,6',
  L: '0,0 0,6 4,6',
  M: '0,6 0,0 2,3.5 4,0 4,6',
  N: '0,6 0,0 4,6 4,0',
  O: '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0',
  P: '0,6 0,0 3,0 4,1 4,2 3,3 0,3',
  Q: '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0|2.5,4.5 4,6',
  R: '0,6 0,0 3,0 4,1 4,2 3,3 0,3|2,3 4,6',
  S: '4,1 3,0 1,0 0,1 0,2 1,3 3,3 4,4 4,5 3,6 1,6 0,5',
  T: '0,0 4,0|2,0 2,6',
  U: '0,0 0,5 1,6 3,6 4,5 4,0',
  V: '0,0 2,6 4,0',
  W: '0,0 1,6 2,2.5 3,6 4,0',
  X: '0,0 4,6|4,0 0,6',
  Y: '0,0 2,3 4,0|2,3 2,6',
  Z: '0,0 4,0 0,6 4,6|1,3 3,3',
};

const parse = (s: string): Glyph =>
  s.split('|').map((stroke) => stroke.trim().split(/\s+/).map((p) => {
    const [x, y] = p.split(',').map(Number) as [number, number];
    return [x, y] as const;
  }));

/** The glyph of every class, in CAPTCHA_ALPHABET's order. */
export const GLYPHS: readonly Glyph[] = [...CAPTCHA_ALPHABET].map((ch) => parse(STROKES[ch]!));

/** Grid size of a glyph. */
export const GLYPH_WIDTH = 4;
export const GLYPH_HEIGHT = 6;
