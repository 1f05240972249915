// The binary-add demo: its data (bit order, held-out split, Trask's printout) without a GPU, and
// runs through demo.run with test hooks: the default config reaches 100% on held-out pairs, Ctrl-C
// (shouldStop) ends after the step and saves, and a saved run resumes where it stopped.
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from 'webrnn';
import { AdditionData, bit, decode, encode, formatBits } from '../../demos/binary-add/data.js';
import { demo, formatSum, type BinaryAddConfig } from '../../demos/binary-add/main.js';
import { Random } from '../../src/util/random.js';
import { recorder } from '../util/demo_hooks.js';

const config = (c: Partial<BinaryAddConfig>): BinaryAddConfig => ({ ...demo.defaults, ...c });

describe('binary-add data (no GPU)', () => {
  test("numbers print most significant bit first, as Trask's `[0 1 0 1 0 0 0 1]:81`", () => {
    expect(formatBits(81, 8)).toBe('[0 1 0 1 0 0 0 1]:81'); // the line Trask's example prints
    expect(formatBits(0, 4)).toBe('[0 0 0 0]:0');
    expect(formatSum({ a: 81, b: 0 }, 81, 8)).toEqual(['a:   [0 1 0 1 0 0 0 1]:81', 'b:   [0 0 0 0 0 0 0 0]:0', 'Pred:[0 1 0 1 0 0 0 1]:81', 'True:[0 1 0 1 0 0 0 1]:81', '81 + 0 = 81']);
    expect(formatSum({ a: 3, b: 4 }, 6, 8).at(-1)).toBe('3 + 4 = 6  ✗ (should be 7)');
  });

  test('inputs are time-major, least significant bit first; decoding the targets gives the sums', () => {
    const pairs = [{ a: 81, b: 0 }, { a: 127, b: 127 }, { a: 5, b: 3 }];
    const { x, y } = encode(pairs, 8);
    const B = pairs.length;
    // a = 5 = 0b101, b = 3 = 0b011: step 0 sees the low bits (1, 1), step 2 sees (1, 0); 8 = 0b1000
    expect([x[(0 * B + 2) * 2], x[(0 * B + 2) * 2 + 1]]).toEqual([1, 1]);
    expect([x[(2 * B + 2) * 2], x[(2 * B + 2) * 2 + 1]]).toEqual([1, 0]);
    expect(Array.from({ length: 8 }, (_, t) => y[t * B + 2])).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    const logits = Array.from(y, (v) => (v ? 3 : -3));
    expect(decode(logits, 8, B)).toEqual([81, 254, 8]);
    expect(bit(254, 0)).toBe(0);
  });

  test('held-out pairs are never drawn for training, and the split depends only on the seed', () => {
    const data = new AdditionData(8, 1000, 7);
    expect(new Set(data.heldOut.map((p) => `${p.a},${p.b}`)).size).toBe(1000);
    expect(data.heldOut.every((p) => p.a < 128 && p.b < 128 && data.isHeldOut(p))).toBe(true);
    const rng = new Random(1);
    for (let i = 0; i < 50; i++) expect(data.sample(64, rng).some((p) => data.isHeldOut(p))).toBe(false);
    expect(new AdditionData(8, 1000, 7).heldOut).toEqual(data.heldOut);
    expect(new AdditionData(8, 1000, 8).heldOut).not.toEqual(data.heldOut);
  });

  test('bad sizes are refused with the limits', () => {
    expect(() => new AdditionData(1, 10, 0)).toThrow(/bits = 1 must be an integer in 2\.\.24/);
    expect(() => new AdditionData(4, 40, 0)).toThrow(/holdout = 40 must be an integer in 1\.\.32/);
  });
});

describe('binary-add on the GPU', () => {
  beforeAll(async () => {
    await init();
  });

  test('the default config reaches 100% on the held-out pairs (bounded: at most 1000 steps)', async () => {
    const { rec, hooks } = recorder();
    const result = await demo.run(config({ examples: 2 }), hooks);
    expect(result.summary.heldOutAccuracy).toBe(1);
    expect(result.summary.heldOutRight).toBe(1000);
    expect(result.summary.steps as number).toBeLessThanOrEqual(1000);
    const loss = result.plots.find((p) => p.name === 'loss')!.series[0]!.y;
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 10);
    // Trask's printout: operands, Pred/True lines, and `a + b = c` with the right sum
    expect(rec.logs.filter((l) => /^Pred:\[[01]( [01]){7}\]:\d+$/.test(l))).toHaveLength(2);
    expect(rec.logs.filter((l) => /^True:\[[01]( [01]){7}\]:\d+$/.test(l))).toHaveLength(2);
    for (const line of rec.logs.filter((l) => /^\d+ \+ \d+ = /.test(l))) {
      const [a, b, c] = line.match(/\d+/g)!.map(Number);
      expect(a! + b!).toBe(c);
    }
  }, 180_000);

  test('the smoke config reports progress, a falling loss and every summary field', async () => {
    const { rec, hooks } = recorder();
    const result = await demo.run(config({ ...demo.smoke, earlyStop: false }), hooks);
    expect(rec.progress.map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(rec.progress.every((p) => p.totalSteps === 40 && Number.isFinite(p.loss))).toBe(true);
    const loss = result.plots.find((p) => p.name === 'loss')!.series[0]!.y;
    expect(loss.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(loss.slice(0, 5).reduce((a, b) => a + b) / 5);
    for (const key of ['heldOutAccuracy', 'heldOutRight', 'heldOutPairs', 'steps', 'finalLoss', 'trainSeconds', 'stepsPerSecond', 'stopped']) {
      expect(result.summary).toHaveProperty(key);
    }
    expect(result.summary.heldOutPairs).toBe(64);
    expect(rec.saves).toHaveLength(1); // the hooks offer save, so the run writes its checkpoint
  }, 120_000);

  test('shouldStop ends the run after the current step and saves; --load resumes from that step', async () => {
    const small = config({ ...demo.smoke, steps: 20, earlyStop: false });
    const first = recorder({ stopAfter: 3 });
    const stopped = await demo.run(small, first.hooks);
    expect(stopped.summary.steps).toBe(3);
    expect(stopped.summary.stopped).toBe('yes');
    expect(first.rec.saves).toHaveLength(1);

    const second = recorder({ load: first.rec.saves[0]! });
    const resumed = await demo.run(small, second.hooks);
    expect(second.rec.logs).toContain('resumed from a checkpoint at step 3');
    expect(second.rec.progress[0]!.step).toBe(4);
    expect(resumed.summary.steps).toBe(20);

    const other = recorder({ load: first.rec.saves[0]! });
    await expect(demo.run({ ...small, hidden: 4 }, other.hooks)).rejects.toThrow(/hidden 8 \(this run: 4\)/);
  }, 120_000);

  test('a bad config is refused before training', async () => {
    const { rec, hooks } = recorder();
    await expect(demo.run(config({ cell: 'tanh' as 'lstm' }), hooks)).rejects.toThrow(/cell 'tanh' must be one of lstm, gru, rnn, rnn_relu/);
    await expect(demo.run(config({ batch: 0 }), hooks)).rejects.toThrow(/batch = 0 must be a positive integer/);
    expect(rec.progress).toHaveLength(0);
  });
});
