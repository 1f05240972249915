// CI smoke run of the on-request sections `conv` (with its table against tf.conv2d) and `captcha`
// on tiny shapes: the rows exist, and every tfjs result that was timed agreed with webrnn's first.
// Nothing here depends on a timing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseArgs, runBench, type BenchReport } from '../../bench/bench.js';
import { CAPTCHA_TOLERANCE } from '../../bench/captcha.js';
import { CONV_TOLERANCE, relDiff } from '../../bench/conv_tfjs.js';

const silent = { log: () => {}, progress: () => {} };

test('relDiff is max |a − b| over max |b|, and infinite for different lengths', () => {
  expect(relDiff([1, 2], [1, 2])).toBe(0);
  expect(relDiff([1, 2.5], [1, -5])).toBeCloseTo(7.5 / 5, 12);
  expect(relDiff([1], [1, 2])).toBe(Infinity);
});

describe('quick conv and captcha sections', () => {
  let report: BenchReport;
  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));
    report = await runBench({ ...parseArgs(['--quick', '--sections', 'conv,captcha', '--out', out]), ...silent }, 'test');
  }, 600_000);

  test('against tf.conv2d: a row per pass, each tfjs result within the tolerance of webrnn\'s before it was timed', () => {
    const rows = report.sections['conv: against tf.conv2d (same data; tfjs in NHWC / HWIO)'];
    if (!report.tfjs) return expect(rows).toBeUndefined(); // TensorFlow.js not installed here
    expect(rows!.map((r) => r.case.split(' ').at(-1))).toEqual(['fwd', 'dx', 'dw']);
    for (const r of rows!) {
      expect(r['webrnn ms']).toBeGreaterThan(0);
      for (const b of ['webgpu', 'wasm']) {
        const ms = r[`tfjs-${b} ms`];
        if (typeof ms !== 'number') continue; // a backend or kernel tfjs lacks here (noted in the report)
        expect(ms).toBeGreaterThan(0);
        expect(r[`rel. diff ${b}`]).toBeLessThanOrEqual(CONV_TOLERANCE);
      }
    }
    // tfjs-webgpu has every kernel: when it loaded, every pass agreed and was timed
    if (!report.notes['conv']!.some((n) => n.startsWith('tfjs webgpu backend unavailable'))) {
      expect(rows!.every((r) => typeof r['tfjs-webgpu ms'] === 'number')).toBe(true);
    }
  });

  test('captcha: a training and an inference row with positive times and counts', () => {
    const rows = report.sections['captcha']!;
    expect(rows.map((r) => r.case)).toEqual(['captcha quick train', 'captcha quick infer']);
    for (const r of rows) {
      for (const col of ['ms (median)', 'ms (min)', 'dispatches', 'submits']) expect(r[col]).toBeGreaterThan(0);
      expect(r['ms (min)']).toBeLessThanOrEqual(r['ms (median)'] as number);
    }
  });

  test('captcha: TensorFlow.js computes the same logits and loss from the same weights', () => {
    const [r] = report.sections['captcha: agreement before timing (same weights and data)'] ?? [];
    expect(Number.isFinite(r!['webrnn loss'])).toBe(true);
    const timed = report.sections['captcha']!;
    for (const b of ['webgpu', 'wasm']) {
      const loss = r![`tfjs-${b} loss`];
      if (typeof loss !== 'number') continue; // that backend did not load here (noted in the report)
      expect(Math.abs(loss - (r!['webrnn loss'] as number))).toBeLessThanOrEqual(CAPTCHA_TOLERANCE * Math.max(1, Math.abs(loss)));
      expect(r![`logits rel. diff ${b}`]).toBeLessThanOrEqual(CAPTCHA_TOLERANCE);
      // agreeing, the inference was timed (wasm's training step needs a kernel it lacks: noted)
      expect(timed.find((x) => x.case.endsWith('infer'))![`tfjs-${b} ms`]).toBeGreaterThan(0);
    }
  });

  test('--captcha-full selects the seed\'s sizes', () => {
    expect(parseArgs(['--captcha-full']).captchaFull).toBe(true);
    expect(parseArgs([]).captchaFull).toBe(false);
  });
});
