// Captcha images generated in code: 4 characters of 0–9 and A–Z from the stroke font (font.ts),
// each shifted, rotated, scaled and coloured at random, on a tinted background with noise lines,
// dots and pixel noise, as RGB planes [3, H, W] in 0..1. Image i of a set is drawn from its own
// generator seeded by (set seed, i), so a set is a pure function of its seed: the training set and
// the held-out set come from different seeds and need no storage.
import { Random } from '../../src/util/random.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, GLYPHS } from './font.js';
import { CAPTCHA_ALPHABET, CAPTCHA_CLASSES } from './model.js';

/** How hard the images are: 1 = the demo's default, 0 = clean, centred, black on white. */
export interface Distortion {
  strength: number;
}

/** A batch of images [count, 3, H, W] and their labels [count · length] (class indices). */
export interface CaptchaBatch {
  images: Float32Array;
  labels: Int32Array;
  texts: string[];
  count: number;
}

type Rgb = [number, number, number];

/** A generator for image `index` of the set `seed` (mixed so neighbouring seeds and indices differ). */
export function imageRandom(seed: number, index: number): Random {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return new Random((h ^ (h >>> 15)) >>> 0);
}

/** Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const [dx, dy] = [bx - ax, by - ay];
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const [qx, qy] = [ax + t * dx - px, ay + t * dy - py];
  return qx * qx + qy * qy;
}

/** Draws segments [ax, ay, bx, by, ...] with a round pen of `width` px in `colour`, antialiased (1 px ramp). */
function strokeSegments(img: Float32Array, H: number, W: number, segs: number[], width: number, colour: Rgb): void {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < segs.length; i += 2) {
    x0 = Math.min(x0, segs[i]!); x1 = Math.max(x1, segs[i]!);
    y0 = Math.min(y0, segs[i + 1]!); y1 = Math.max(y1, segs[i + 1]!);
  }
  const r = width / 2 + 1;
  const plane = H * W;
  for (let y = Math.max(0, Math.floor(y0 - r)); y <= Math.min(H - 1, Math.ceil(y1 + r)); y++) {
    for (let x = Math.max(0, Math.floor(x0 - r)); x <= Math.min(W - 1, Math.ceil(x1 + r)); x++) {
      let d2 = Infinity;
      for (let i = 0; i < segs.length; i += 4) d2 = Math.min(d2, segmentDistance2(x + 0.5, y + 0.5, segs[i]!, segs[i + 1]!, segs[i + 2]!, segs[i + 3]!));
      // coverage: 1 inside the pen, falling to 0 over one pixel at its edge
      const a = Math.max(0, Math.min(1, width / 2 + 0.5 - Math.sqrt(d2)));
      if (a === 0) continue;
      const p = y * W + x;
      for (let c = 0; c < 3; c++) img[c * plane + p] = img[c * plane + p]! * (1 - a) + colour[c]! * a;
    }
  }
}

const colour = (rng: Random, lo: number, hi: number): Rgb => [0, 1, 2].map(() => lo + (hi - lo) * rng.uniform()) as Rgb;

/**
 * Renders `text` (characters of CAPTCHA_ALPHABET) into img [3, H, W] (overwritten), with the
 * random choices taken from `rng`. Each character gets a slot of W/len; within it a random
 * scale, rotation and shift (all scaled by `strength`).
 */
export function renderCaptcha(img: Float32Array, H: number, W: number, text: string, rng: Random, { strength }: Distortion = { strength: 1 }): void {
  const plane = H * W;
  // Background: a light tint with a left-to-right gradient.
  const [bg0, bg1] = strength > 0 ? [colour(rng, 0.65, 1), colour(rng, 0.65, 1)] : [[1, 1, 1] as Rgb, [1, 1, 1] as Rgb];
  for (let c = 0; c < 3; c++) {
    for (let x = 0; x < W; x++) {
      const v = bg0[c]! + ((bg1[c]! - bg0[c]!) * x) / Math.max(W - 1, 1);
      for (let y = 0; y < H; y++) img[c * plane + y * W + x] = v;
    }
  }
  const u = (span: number) => (2 * rng.uniform() - 1) * span * strength; // uniform in ±span·strength
  const slot = W / text.length;
  const unit = (0.62 * H) / GLYPH_HEIGHT; // pixels per grid unit at scale 1
  for (let k = 0; k < text.length; k++) {
    const glyph = GLYPHS[CAPTCHA_ALPHABET.indexOf(text[k]!)];
    if (!glyph) throw new Error(`captcha: cannot draw '${text[k]}' (the characters are ${CAPTCHA_ALPHABET})`);
    const s = unit * (1 + u(0.15));
    const angle = u(0.3); // radians, about ±17°
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const cx = slot * (k + 0.5) + u(0.12 * slot);
    const cy = H / 2 + u(0.1 * H);
    const segs: number[] = [];
    for (const stroke of glyph) {
      const pts = stroke.map(([gx, gy]) => {
        const [x, y] = [(gx - GLYPH_WIDTH / 2) * s, (gy - GLYPH_HEIGHT / 2) * s];
        return [cx + cos * x - sin * y, cy + sin * x + cos * y] as const;
      });
      for (let i = 0; i + 1 < pts.length; i++) segs.push(pts[i]![0], pts[i]![1], pts[i + 1]![0], pts[i + 1]![1]);
    }
    const ink = strength > 0 ? colour(rng, 0, 0.45) : ([0, 0, 0] as Rgb);
    strokeSegments(img, H, W, segs, Math.max(1, H / 14) * (1 + u(0.2)), ink);
  }
  if (strength <= 0) return;
  // Noise lines across the image, thinner than the characters.
  const lines = 1 + rng.int(2);
  for (let i = 0; i < lines; i++) {
    const segs = [0, rng.uniform() * H, W * (0.3 + 0.4 * rng.uniform()), rng.uniform() * H];
    segs.push(segs[2]!, segs[3]!, W, rng.uniform() * H);
    strokeSegments(img, H, W, segs, Math.max(0.6, H / 40) * strength, colour(rng, 0.1, 0.7));
  }
  // Dots, then a little noise on every pixel.
  const dots = Math.round((plane / 30) * strength);
  for (let i = 0; i < dots; i++) {
    const [p, col] = [rng.int(plane), colour(rng, 0, 1)];
    for (let c = 0; c < 3; c++) img[c * plane + p] = col[c]!;
  }
  for (let i = 0; i < 3 * plane; i++) img[i] = Math.max(0, Math.min(1, img[i]! + 0.04 * strength * rng.normal()));
}

/** A random text of `length` characters. */
export function randomText(rng: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += CAPTCHA_ALPHABET[rng.int(CAPTCHA_CLASSES)];
  return s;
}

/** The images `indices` of the set `seed`, each with its text and render drawn from imageRandom(seed, i). */
export function captchaBatch(seed: number, indices: ArrayLike<number>, size: { height: number; width: number; length: number }, distortion?: Distortion): CaptchaBatch {
  const { height: H, width: W, length } = size;
  const count = indices.length;
  const images = new Float32Array(count * 3 * H * W);
  const labels = new Int32Array(count * length);
  const texts: string[] = [];
  for (let b = 0; b < count; b++) {
    const rng = imageRandom(seed, indices[b]!);
    const text = randomText(rng, length);
    texts.push(text);
    for (let k = 0; k < length; k++) labels[b * length + k] = CAPTCHA_ALPHABET.indexOf(text[k]!);
    renderCaptcha(images.subarray(b * 3 * H * W, (b + 1) * 3 * H * W), H, W, text, rng, distortion);
  }
  return { images, labels, texts, count };
}

/** Text of predicted class indices [count · length]. */
export function decodeTexts(classes: ArrayLike<number>, length: number): string[] {
  const out: string[] = [];
  for (let b = 0; b * length < classes.length; b++) {
    let s = '';
    for (let k = 0; k < length; k++) s += CAPTCHA_ALPHABET[classes[b * length + k]!] ?? '?';
    out.push(s);
  }
  return out;
}
