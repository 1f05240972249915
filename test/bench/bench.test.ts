// CI smoke run of `npm run bench -- --quick --profile`: every section runs on tiny shapes and
// writes its files. Nothing here depends on a timing: only that the numbers exist, that webrnn
// and TensorFlow.js start from the same loss, and that the profile saw every dispatch of a step.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseArgs, runBench, type BenchReport, type BenchRow } from '../../bench/bench.js';
import { ONNX_GATE_ORDER, reorderGateRows } from '../../bench/onnx_model.js';
import { LOGIT_TOLERANCE } from '../../bench/ort_workloads.js';
import { pytorchAvailable, pytorchFile, runPytorchScript } from '../../bench/pytorch.js';
import { SCHEDULES, schedulesFor } from '../../bench/schedules.js';
import { FULL_WORKLOADS, makeData, QUICK_WORKLOADS as ALL_QUICK, selectWorkloads } from '../../bench/workloads.js';

/** What a run without --only measures: every workload but the opt-in ones (W6, sized for GPUs). */
const QUICK_WORKLOADS = selectWorkloads(ALL_QUICK, null);

const silent = { log: () => {}, progress: () => {} };

describe('bench arguments', () => {
  test('flags are parsed; unknown flags and missing values throw', () => {
    const o = parseArgs(['--quick', '--only', 'w1,W3', '--skip-tfjs', '--skip-ort', '--profile', '--out', '/tmp/x']);
    expect(o).toMatchObject({ quick: true, only: ['W1', 'W3'], skipTfjs: true, skipOrt: true, profile: true, out: '/tmp/x', sections: null });
    expect(parseArgs([]).only).toBeNull();
    expect(parseArgs([]).skipOrt).toBe(false);
    expect(parseArgs(['--infer-only']).inferOnly).toBe(true);
    expect(parseArgs([])).toMatchObject({ skipWasm: false, torchDevice: 'cpu' });
    expect(parseArgs(['--skip-wasm', '--torch-device', 'cuda'])).toMatchObject({ skipWasm: true, torchDevice: 'cuda' });
    expect(() => parseArgs(['--torch-device', 'gpu'])).toThrow(/--torch-device must be cpu or cuda, not gpu/);
    expect(() => parseArgs(['--torch-device'])).toThrow(/--torch-device needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown flag --fast/);
    expect(() => parseArgs(['--only'])).toThrow(/--only needs a value/);
  });

  test('an unknown workload or section is named with the known ones', async () => {
    const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));
    const opts = { ...parseArgs(['--quick', '--skip-tfjs', '--sections', 'workloads', '--only', 'W9', '--out', out]), ...silent };
    await expect(runBench(opts, 'test')).rejects.toThrow(/W9.*known: W1, W2, W3, W4, W5, W6/);
    const bad = { ...parseArgs(['--quick', '--sections', 'matmul,nope', '--out', out]), ...silent };
    await expect(runBench(bad, 'test')).rejects.toThrow(/--sections nope: unknown \(known: matmul, workloads, browser, generation, profile, conv, captcha, schedules\)/);
  });
});

test('--infer-only: inference rows only, with the ONNX Runtime columns', async () => {
  const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));
  const opts = { ...parseArgs(['--quick', '--infer-only', '--skip-tfjs', '--sections', 'workloads', '--only', 'W3', '--out', out]), ...silent };
  const rows = (await runBench(opts, 'test')).sections['workloads']!;
  expect(rows.map((r) => r.case)).toEqual(['W3 infer']);
  expect(rows[0]!['ORT-cpu×2 ms']).toBeGreaterThan(0);
}, 120_000);

test('schedules: named sections run in the order named; every schedule of W3 and of generation timed', async () => {
  const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));
  const opts = { ...parseArgs(['--quick', '--infer-only', '--skip-tfjs', '--skip-ort', '--sections', 'schedules,matmul', '--only', 'W3', '--out', out]), ...silent };
  const report = await runBench(opts, 'test');
  expect(Object.keys(report.sections).filter((k) => !k.includes(':'))).toEqual(['schedules', 'matmul']);
  const rows = report.sections['schedules']!;
  // W3 is an LSTM: every schedule applies, the split ones too; generation (batch 1) takes the default and the split ones.
  const split = Object.keys(SCHEDULES).filter((n) => SCHEDULES[n]!.stepVariant === 'split');
  expect(rows.map((r) => `${r.case}|${r.schedule}`)).toEqual([
    ...Object.keys(SCHEDULES).map((n) => `W3 infer|${n}`),
    ...['default', ...split].map((n) => `generation (8 tokens)|${n}`),
  ]);
  for (const r of rows) {
    expect(r['ms (median)']).toBeGreaterThan(0);
    expect(r.dispatches).toBeGreaterThan(0);
  }
  expect(rows[0]!['vs default']).toBe('1.00×');
  // One launch for all steps takes fewer dispatches than one a step (T = 6 in the quick W3).
  const d = (c: string, n: string) => rows.find((r) => r.case === c && r.schedule === n)!.dispatches as number;
  expect(d('W3 infer', 'blocked, whole sequence')).toBeLessThan(d('W3 infer', 'blocked 8 rows, a launch a step'));
}, 600_000); // a cold shader cache compiles every schedule's pipelines (> 120 s in a fresh-clone CI run)

test('schedules: without the blocked kernels (no subgroups) the simple and split ones are still compared', () => {
  const all = Object.keys(SCHEDULES);
  expect(schedulesFor(true, true)).toEqual(all);
  expect(schedulesFor(false, true)).toEqual(['default', 'simple', 'split, 8 invocations a unit', 'split, 32 invocations a unit']);
  expect(schedulesFor(true, false)).toEqual(all.filter((n) => SCHEDULES[n]!.stepVariant !== 'split'));
  expect(schedulesFor(false, false)).toEqual(['default', 'simple']);
});

test('the GPU-sized workload runs only when --only names it; named workloads run in the order named', () => {
  expect(selectWorkloads(FULL_WORKLOADS, null).map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4', 'W5']);
  expect(selectWorkloads(FULL_WORKLOADS, ['W6', 'W1', 'W6']).map((w) => w.id)).toEqual(['W6', 'W1']);
});

test('ONNX gate order: PyTorch i,f,g,o → i,o,f,c and r,z,n → z,r,h, whole rows moved', () => {
  // 4 gate blocks of H = 2 rows, K = 3 columns: value = 100·block + 10·row + column.
  const v = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => 100 * Math.floor(i / 6) + 10 * (Math.floor(i / 3) % 2) + (i % 3));
  const out = reorderGateRows(v, 2, 3, ONNX_GATE_ORDER.lstm);
  expect([0, 1, 2, 3].map((j) => out[j * 6])).toEqual([0, 300, 100, 200]);
  expect(Array.from(out.subarray(6, 12))).toEqual([300, 301, 302, 310, 311, 312]);
  const gru = reorderGateRows(Float32Array.from([0, 1, 10, 11, 20, 21]), 2, 1, ONNX_GATE_ORDER.gru);
  expect(Array.from(gru)).toEqual([10, 11, 0, 1, 20, 21]);
  expect(() => reorderGateRows(v, 3, 3, ONNX_GATE_ORDER.lstm)).toThrow(/24 values/);
});

test("PyTorch's input file: bench/pytorch.py reads every tensor webrnn wrote, with its shape and values", () => {
  const wl = ALL_QUICK.find((w) => w.id === 'W2')!; // two layers, one-hot inputs, int targets
  const data = makeData(wl);
  const seq = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7 + k) % 13) - 6);
  const G = 4, H = wl.hidden;
  const layers = [0, 1].map((l) => ({
    wIh: seq(G * H * (l ? H : wl.input), l), wHh: seq(G * H * H, l + 2), bIh: seq(G * H, l + 4), bHh: seq(G * H, l + 6),
  }));
  const logits = seq(wl.steps * wl.batch * wl.outputs, 9);
  const file = pytorchFile(wl, data, { layers, head: { w: seq(wl.outputs * H, 10), b: seq(wl.outputs, 11) } }, logits);
  const got = runPytorchScript(file, ['--check'], 60_000) as { tensors: Record<string, { dtype: string; shape: number[]; sum: number }>; workload: unknown };
  const sum = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0);
  expect(got.workload).toEqual(wl);
  expect(got.tensors['x']).toEqual({ dtype: 'F32', shape: [wl.steps, wl.batch, wl.input], sum: sum(data.x) });
  expect(got.tensors['targets']).toEqual({ dtype: 'I32', shape: [wl.steps * wl.batch], sum: sum(data.targets) });
  expect(got.tensors['rnn.weight_ih_l1']).toEqual({ dtype: 'F32', shape: [G * H, H], sum: sum(layers[1]!.wIh) });
  expect(got.tensors['rnn.bias_hh_l0']!.sum).toBe(sum(layers[0]!.bHh));
  expect(got.tensors['head.weight']!.shape).toEqual([wl.outputs, H]);
  expect(got.tensors['webrnn_logits']!.sum).toBe(sum(logits));
  expect(Object.keys(got.tensors)).toHaveLength(3 + 2 + 8);
});

describe('quick bench', () => {
  let report: BenchReport;
  const out = mkdtempSync(join(tmpdir(), 'webrnn-bench-'));

  test('runs every section and writes bench.json and bench.md', async () => {
    report = await runBench({ ...parseArgs(['--quick', '--profile', '--out', out]), ...silent }, 'test');
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(Object.keys(json.sections)).toEqual(Object.keys(report.sections));
    expect(json.adapter.name).toBe(report.adapter.name);
    const md = readFileSync(join(out, 'bench.md'), 'utf8');
    for (const title of ['## matmul', '## workloads', '### initial loss', '## browser', '## generation', '## profile']) expect(md).toContain(title);
  }, 600_000);

  test('every workload has a train and an infer row with positive times and counts', () => {
    const rows = report.sections['workloads']!;
    for (const wl of QUICK_WORKLOADS) {
      for (const mode of ['train', 'infer']) {
        const r = rows.find((x) => x.case === `${wl.id} ${mode}`);
        expect(r, `${wl.id} ${mode}`).toBeDefined();
        for (const col of ['ms (median)', 'ms (min)', 'GFLOP/s', 'dispatches', 'submits']) expect(r![col]).toBeGreaterThan(0);
        expect(r!['ms (min)']).toBeLessThanOrEqual(r!['ms (median)'] as number);
      }
    }
    const matmul = report.sections['matmul']!;
    expect(matmul.find((r) => r.case === 'empty dispatch')?.['µs/dispatch']).toBeGreaterThan(0);
  });

  test('f16 weights: every infer row times both models A/B, their logits within 1e-3', () => {
    const rows = report.sections['workloads']!;
    for (const wl of QUICK_WORKLOADS) {
      const r = rows.find((x) => x.case === `${wl.id} infer`)!;
      expect(r['A/B f32 ms']).toBeGreaterThan(0);
      expect(r['A/B f16w ms']).toBeGreaterThan(0);
      expect(r['f16w vs f32 (A/B)']).toMatch(/^\d+\.\d\d×$/);
      expect(r['f16w max |Δ|']).toBeGreaterThan(0); // f16 rounding moves some logit
      expect(r['f16w max |Δ|']).toBeLessThan(1e-3);
    }
  });

  test('generation: tokens per second for webrnn (one submit a token, and one in all) and each tfjs backend that loaded', () => {
    const rows = report.sections['generation']!;
    const perToken = rows.find((r) => r.case === 'webrnn, one submit a token')!;
    expect(perToken.submits).toBe((perToken.tokens as number) + 1); // and the read-back's
    expect(perToken['dispatches/token']).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r['tokens/s']).toBeGreaterThan(0);
      expect(r['ms/token (min)']).toBeLessThanOrEqual(r['ms/token (median)'] as number);
    }
    expect(rows.some((r) => r.case === 'webrnn, one submit for all')).toBe(true);
  });

  test('TensorFlow.js starts from the same loss on the LSTM workloads', () => {
    const losses = report.sections['workloads: initial loss (same data and weights, before any update)']!;
    expect(losses).toHaveLength(QUICK_WORKLOADS.length);
    for (const r of losses) {
      expect(Number.isFinite(r['webrnn'])).toBe(true);
      const wl = QUICK_WORKLOADS.find((w) => w.id === r.case)!;
      for (const b of ['webgpu', 'wasm']) {
        const theirs = r[`tfjs-${b}`];
        if (typeof theirs !== 'number') continue; // that backend did not load here (noted in the report)
        if (wl.cell === 'gru') expect(r[`Δ ${b}`]).toBe('n/a'); // tfjs has no reset-after GRU
        // float32 sums in a different order: a few ulps of the loss
        else expect(Math.abs(theirs - (r['webrnn'] as number))).toBeLessThan(1e-4 * Math.max(1, Math.abs(theirs)));
      }
    }
  });

  test('ONNX Runtime runs the same models: logits agree with webrnn, each loaded provider is timed', () => {
    const title = 'workloads: ONNX Runtime logits vs webrnn (same weights and inputs)';
    const agreement = report.sections[title]!;
    expect(agreement, report.notes['workloads']!.join('\n')).toHaveLength(QUICK_WORKLOADS.length);
    expect(report.ort).toMatch(/^\d+\.\d+/);
    const rows = report.sections['workloads']!;
    for (const a of agreement) {
      const infer = rows.find((r) => r.case === `${a.case} infer`)!;
      // The CPU provider is always in onnxruntime-node; WebGPU may be missing (then noted).
      expect(a['ORT-cpu max Δ']).toBeLessThanOrEqual(LOGIT_TOLERANCE);
      expect(infer['ORT-cpu×2 ms']).toBeGreaterThan(0);
      if (a['ORT-webgpu max Δ'] === '—') {
        expect(report.notes['workloads']!.some((n) => n.startsWith('ONNX Runtime webgpu provider unavailable'))).toBe(true);
        continue;
      }
      expect(a['ORT-webgpu max Δ']).toBeLessThanOrEqual(LOGIT_TOLERANCE);
      expect(infer['ORT-webgpu ms']).toBeGreaterThan(0);
      expect(infer['vs ORT-webgpu']).toMatch(/^\d+\.\d\d×$/);
    }
  });

  test('PyTorch: a column where torch imports, a note naming why where it does not', () => {
    const torch = pytorchAvailable();
    const rows = report.sections['workloads']!;
    const notes = report.notes['workloads']!;
    if ('error' in torch) {
      expect(notes).toContain(`PyTorch column skipped: ${torch.error}.`);
      expect(rows.every((r) => !('PyTorch ms' in r))).toBe(true);
      return;
    }
    for (const r of rows) expect(r['PyTorch ms'], notes.join('\n')).toBeGreaterThan(0);
  });

  test('browser: webrnn and onnxruntime-web in one Chromium page on SwiftShader agree and are timed', () => {
    const rows = report.sections['browser']!;
    const notes = report.notes['browser']!.join('\n');
    expect(rows.map((r) => r.case), notes).toEqual(QUICK_WORKLOADS.flatMap((w) => [`${w.id} infer`, `${w.id} train`]));
    expect(notes).toMatch(/on swiftshader/i);
    const agreement = report.sections['browser: onnxruntime-web logits vs webrnn in the page']!;
    for (const r of rows) {
      expect(r['webrnn ms (median)']).toBeGreaterThan(0);
      if (r.case.endsWith(' train')) continue;
      const a = agreement.find((x) => `${x.case} infer` === r.case)!;
      for (const [p, col] of [['webgpu', 'ORT-webgpu'], ['wasm', 'ORT-wasm×2']]) {
        const diff = a[`ORT-${p} max Δ`];
        if (diff === '—') {
          expect(notes).toContain(`onnxruntime-web ${p} provider unavailable`);
          continue;
        }
        expect(diff).toBeLessThanOrEqual(LOGIT_TOLERANCE);
        expect(r[`${col} ms`]).toBeGreaterThan(0);
      }
    }
  });

  test('the profile times every dispatch of a training step', () => {
    const rows = report.sections['profile']!;
    if (!rows.length) return; // no timestamp-query on this adapter (noted in the report)
    const byStep = (id: string) => rows.filter((r: BenchRow) => r.case === id);
    for (const wl of QUICK_WORKLOADS) {
      const all = byStep(wl.id).find((r) => r.kernel === '(all)')!;
      const train = report.sections['workloads']!.find((r) => r.case === `${wl.id} train`)!;
      expect(all.dispatches).toBe(train.dispatches);
      const perKernel = byStep(wl.id).filter((r) => r.kernel !== '(all)');
      expect(perKernel.reduce((s, r) => s + (r.dispatches as number), 0)).toBe(all.dispatches);
      // A renamed step kernel would land in 'other' and the per-step/hoisted split would lie.
      expect(perKernel.some((r) => r.kind === 'per-step' && r.phase === 'forward')).toBe(true);
      expect(perKernel.some((r) => r.kind === 'per-step' && r.phase === 'backward')).toBe(true);
      expect(perKernel.some((r) => r.phase === 'optimizer')).toBe(true);
    }
  });
});
