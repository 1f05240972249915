// The sine demo: its windows and split without a GPU, and runs through demo.run with test hooks:
// the smoke config trains both series and returns RMSEs and plots; a slightly longer sin(t) run
// beats the "repeat the last value" forecast; stop + save and resume work.
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from 'webrnn';
import { batch, makeSeries, rmse, targets } from '../../demos/sine/data.js';
import { demo, type SineConfig } from '../../demos/sine/main.js';
import { recorder } from '../util/demo_hooks.js';

const config = (c: Partial<SineConfig>): SineConfig => ({ ...demo.defaults, ...demo.smoke, ...c });
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('sine data (no GPU)', () => {
  test("the series follow their formulas (Géron's x·sin(x)/3 + 2·sin(5x))", () => {
    const s = makeSeries('sin', 100, 10, 0.2);
    const x = makeSeries('xsin', 100, 10, 0.2);
    for (const i of [0, 17, 99]) {
      expect(s.y[i]).toBeCloseTo(Math.sin(s.t[i]!), 12);
      const v = x.t[i]!;
      expect(x.y[i]).toBeCloseTo((v * Math.sin(v)) / 3 + 2 * Math.sin(5 * v), 12);
    }
    expect(s.t[1]! - s.t[0]!).toBeCloseTo(0.1, 12);
    expect(x.t[1]! - x.t[0]!).toBeCloseTo(0.05, 12);
  });

  test('test targets come after every training target; the scale uses the training part only', () => {
    const d = makeSeries('xsin', 400, 12, 0.25);
    const { train, test: testIdx } = targets(d, 12);
    expect(train[0]).toBe(12);
    expect(Math.max(...train)).toBeLessThan(Math.min(...testIdx));
    expect(testIdx).toHaveLength(100);
    expect(testIdx.at(-1)).toBe(399);
    const trainMax = Math.max(...Array.from(d.y.subarray(0, d.split), Math.abs));
    expect(d.scale).toBe(trainMax);
    expect(Math.max(...Array.from(d.y, Math.abs))).toBeGreaterThan(trainMax); // the amplitude grows with x
  });

  test('a batch holds the window before each target, time-major [W, B, 1], divided by the scale', () => {
    const d = makeSeries('xsin', 200, 5, 0.2);
    const idx = [5, 77, 150];
    const { x, y } = batch(d, 5, idx);
    idx.forEach((target, b) => {
      for (let s = 0; s < 5; s++) expect(x[s * 3 + b]).toBeCloseTo(d.y[target - 5 + s]! / d.scale, 6);
      expect(y[b]).toBeCloseTo(d.y[target]! / d.scale, 6);
    });
  });

  test('rmse, and bad sizes are refused', () => {
    expect(rmse([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(rmse([0, 0], [3, 4])).toBeCloseTo(Math.sqrt(12.5), 12);
    expect(() => makeSeries('sin', 10, 9, 0.2)).toThrow(/10 points with window 9 .* leave no training or no test windows/);
  });
});

describe('sine on the GPU', () => {
  beforeAll(async () => {
    await init();
  });

  test('the smoke config trains both series and returns test RMSEs and the plots', async () => {
    const { rec, hooks } = recorder();
    const result = await demo.run(config({}), hooks);
    for (const key of ['sinTestRmse', 'sinPersistenceRmse', 'xsinTestRmse', 'xsinPersistenceRmse', 'steps', 'trainSeconds', 'stepsPerSecond']) {
      expect(result.summary).toHaveProperty(key);
    }
    expect(Number.isFinite(result.summary.sinTestRmse as number)).toBe(true);
    expect(rec.progress).toHaveLength(30);
    const loss = result.plots.find((p) => p.name === 'loss')!;
    expect(loss.series.map((s) => s.label)).toEqual(['sin training MSE (scaled)', 'xsin training MSE (scaled)']);
    for (const s of loss.series) expect(mean(s.y.slice(-5))).toBeLessThan(mean(s.y.slice(0, 5)));
    const test = targets(makeSeries('sin', 120, 8, 0.2), 8).test;
    for (const name of ['sin-prediction', 'xsin-prediction']) {
      const plot = result.plots.find((p) => p.name === name)!;
      expect(plot.series.map((s) => s.label)).toEqual(['true', 'predicted']);
      expect(plot.series.every((s) => s.x.length === test.length && s.y.length === test.length)).toBe(true);
    }
    expect(rec.logs.some((l) => l.startsWith('sin(t): test RMSE'))).toBe(true);
  }, 120_000);

  test('a short sin(t) run predicts better than repeating the last value', async () => {
    const { hooks } = recorder();
    const result = await demo.run(config({ series: 'sin', steps: 150, hidden: 16, window: 10, batch: 32, points: 300, lr: 0.02 }), hooks);
    expect(result.summary).not.toHaveProperty('xsinTestRmse');
    expect(result.summary.sinTestRmse as number).toBeLessThan((result.summary.sinPersistenceRmse as number) / 2);
  }, 180_000);

  test('shouldStop ends the run after the step and saves; loading resumes from that step', async () => {
    const c = config({ steps: 6 });
    const first = recorder({ stopAfter: 2 });
    const stopped = await demo.run(c, first.hooks);
    expect(stopped.summary.steps).toBe(2);
    expect(stopped.summary.stopped).toBe('yes');
    const second = recorder({ load: first.rec.saves[0]! });
    const resumed = await demo.run(c, second.hooks);
    expect(second.rec.logs).toContain('resumed from a checkpoint at step 2');
    expect(second.rec.progress.map((p) => p.step)).toEqual([3, 4, 5, 6]);
    expect(resumed.summary.steps).toBe(6);
    await expect(demo.run({ ...c, series: 'sin' }, recorder({ load: first.rec.saves[0]! }).hooks)).rejects.toThrow(/series "both" \(this run: "sin"\)/);
  }, 120_000);

  test('a bad config is refused before training', async () => {
    const { rec, hooks } = recorder();
    await expect(demo.run(config({ series: 'cos' as 'sin' }), hooks)).rejects.toThrow(/series 'cos' must be both, sin or xsin/);
    await expect(demo.run(config({ testFraction: 1 }), hooks)).rejects.toThrow(/testFraction = 1 must be in/);
    expect(rec.progress).toHaveLength(0);
  });
});
