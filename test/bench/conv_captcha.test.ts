// CI smoke run of the on-request sections `conv` (with its table against tf.conv2d) on tiny shapes:
// the rows exist, and every tfjs result that was timed agreed with webrnn's first. Nothing here
// depends on a timing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseArgs, runBench, type BenchReport } from '../../bench/bench.js';
import { CONV_TOLERANCE, relDiff } from '../../bench/conv_tfjs.js';

const silent = { log: () => {}, progress: () => {} };

test('relDiff is max |a − b| over max |b|, and infinite for different lengths', () => {
  expect(relDiff([1, 2], [1, 2])).toBe(0);
  expect(relDiff([1, 2.5], [1, -5])).toBeCloseTo(7.5 / 5, 12);
  expect(relDiff([1], [1, 2])).toBe(Infinity);
});

describe('quick conv section', () => {
  let report: BenchReport;
  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));
    report = await runBench({ ...parseArgs(['--quick', '--sections', 'conv', '--out', out]), ...silent }, 'test');
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
});
