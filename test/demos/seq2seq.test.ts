// The seq2seq demo: the date formats and held-out split without a GPU, the model's attention and
// decoding against plain references, and a smoke run through demo.run.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory, noGrad, ops, tensor, tidy } from 'webrnn';
import { parseArgs } from '../../demos/common/cli.js';
import { DEMOS } from '../../demos/common/registry.js';
import {
  DateData, daysIn, encodeSources, encodeTargets, FORMATS, iso, ordinalSuffix, ordinalWord, SOURCE_CHARS, TARGET_LENGTH, weekday,
} from '../../demos/seq2seq/data.js';
import { beamDecode, greedyDecode } from '../../demos/seq2seq/decode.js';
import { demo, explain, heatMapLines } from '../../demos/seq2seq/main.js';
import { Seq2Seq } from '../../demos/seq2seq/model.js';
import { Random } from '../../src/util/random.js';
import { recorder } from '../util/demo_hooks.js';

describe('seq2seq data (no GPU)', () => {
  test('the formats of the issue, for 5 December 2026 (a Saturday)', () => {
    const all = FORMATS.map((f) => f({ year: 2026, month: 12, day: 5 }));
    for (const s of ['5 Dec 2026', '12/05/26', 'December fifth, 2026', '2026.12.05', 'Saturday, 5 December 2026']) expect(all).toContain(s);
    expect(new Set(all).size).toBe(FORMATS.length);
    expect(iso({ year: 2026, month: 12, day: 5 })).toBe('2026-12-05');
    expect(weekday({ year: 2000, month: 2, day: 29 })).toBe('Tuesday');
    expect(weekday({ year: 1970, month: 1, day: 1 })).toBe('Thursday');
    expect([1, 2, 3, 11, 12, 13, 21, 22, 23, 31].map(ordinalSuffix)).toEqual(['1st', '2nd', '3rd', '11th', '12th', '13th', '21st', '22nd', '23rd', '31st']);
    expect([1, 12, 20, 21, 30, 31].map(ordinalWord)).toEqual(['first', 'twelfth', 'twentieth', 'twenty-first', 'thirtieth', 'thirty-first']);
    expect([daysIn(2000, 2), daysIn(1900, 2), daysIn(2024, 2), daysIn(2023, 2), daysIn(2023, 4)]).toEqual([29, 28, 29, 28, 30]);
  });

  test('held-out inputs are distinct, never drawn for training, and depend only on the seed', () => {
    const data = new DateData(500, 3);
    expect(new Set(data.heldOut.map((e) => e.source)).size).toBe(500);
    const rng = new Random(1);
    for (let i = 0; i < 20; i++) expect(data.sample(64, rng).some((e) => data.isHeldOut(e.source))).toBe(false);
    expect(new DateData(500, 3).heldOut).toEqual(data.heldOut);
    expect(new DateData(500, 4).heldOut).not.toEqual(data.heldOut);
    expect(() => new DateData(0, 0)).toThrow(/seq2seq: holdout = 0 must be an integer/);
  });

  test('sources are padded time-major; decoder inputs are the targets shifted right after the start token', () => {
    const { ids, T, lengths } = encodeSources(['1 May', '12/05/26']);
    expect(T).toBe(8);
    expect(Array.from(lengths)).toEqual([5, 8]);
    expect(ids[0 * 2 + 0]).toBe(SOURCE_CHARS.indexOf('1'));
    expect(ids[5 * 2 + 0]).toBe(0); // padding
    expect(ids[7 * 2 + 1]).toBe(SOURCE_CHARS.indexOf('6'));
    expect(() => encodeSources(['5 Déc 2026'])).toThrow(/seq2seq: the character 'é' of '5 Déc 2026' is not in the source vocabulary/);
    const { inputs, labels } = encodeTargets(['2026-12-05']);
    expect(inputs[0]).toBe(0);
    expect(Array.from(inputs.slice(1))).toEqual(Array.from(labels.slice(0, TARGET_LENGTH - 1)));
  });

  test('the flags parse and bad values are refused', () => {
    const p = parseArgs(['seq2seq', '--attention', 'dot', '--cell', 'lstm', '--beam', '4'], DEMOS);
    expect(p.overrides).toEqual({ attention: 'dot', cell: 'lstm', beam: 4 });
    expect(() => parseArgs(['seq2seq', '--attention', 'cosine'], DEMOS)).toThrow(/--attention must be one of additive, dot/);
    expect(() => parseArgs(['seq2seq', '--beam', '0'], DEMOS)).toThrow(/--beam must be ≥ 1/);
  });

  test('the heat map shades each input character by its weight', () => {
    const w = [0, 0.5, 1, 0.9, 0.1, 0];
    expect(heatMapLines('abc', 'xy', w, 3)).toEqual(['  abc', 'x  ▒█', 'y █  ']);
  });
});

describe('seq2seq on the GPU', () => {
  beforeAll(async () => {
    await init();
  });

  test('attention weights are a softmax over the real (unpadded) characters and match a CPU computation (dot)', async () => {
    const model = new Seq2Seq({ cell: 'gru', attention: 'dot', embed: 5, hidden: 6, layers: 1 }, 2);
    const sources = ['5 Dec 2026', '2026.12.05x'.slice(0, 4)];
    const src = encodeSources(sources);
    const [mem, w, q] = noGrad(() => tidy(() => {
      const enc = model.encode(tensor(src.ids, [src.T, 2], { dtype: 'int32' }), src.lengths);
      const qq = ops.reshape(ops.tanh(tensor(Float32Array.from({ length: 2 * 3 * 6 }, (_, i) => Math.sin(i)), [2 * 3 * 6])), [2, 3, 6]);
      return [enc.memory, model.attend(qq, enc).weights, qq];
    }));
    const [M, W, Q] = [await mem.data(), await w.data(), await q.data()];
    const T = src.T;
    for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) {
      const scores = Array.from({ length: src.lengths[b]! }, (_, s) => {
        let d = 0;
        for (let h = 0; h < 6; h++) d += Q[(b * 3 + t) * 6 + h]! * M[(b * T + s) * 6 + h]!;
        return d / Math.sqrt(6);
      });
      const mx = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, x) => a + x, 0);
      for (let s = 0; s < T; s++) expect(W[(b * 3 + t) * T + s]!).toBeCloseTo(s < src.lengths[b]! ? e[s]! / z : 0, 5);
    }
    for (const x of [mem, w, q]) x.dispose();
    model.dispose();
  });

  test('beam search with one beam equals greedy decoding; k beams give one 10-character output a source; nothing leaks (untrained models)', async () => {
    for (const attention of ['additive', 'dot'] as const) {
      for (const cell of ['gru', 'lstm'] as const) {
        const before = memory().liveTensors;
        const model = new Seq2Seq({ cell, attention, embed: 4, hidden: 8, layers: 2 }, 5);
        const sources = new DateData(7, 1).heldOut.map((e) => e.source);
        const greedy = await greedyDecode(model, sources);
        const beam1 = await beamDecode(model, sources, 1);
        const beam3 = await beamDecode(model, sources, 3);
        expect(beam1.outputs).toEqual(greedy.outputs);
        expect(beam3.outputs.every((o) => o.length === TARGET_LENGTH)).toBe(true);
        model.dispose();
        expect(memory().liveTensors).toBe(before); // decoding frees what it made
      }
    }
  });

  test('the smoke run trains, decodes with a beam, prints the attention map and frees everything', async () => {
    // a first run makes the library's one-time caches; the second must free all it makes
    await demo.run({ ...demo.defaults, ...demo.smoke, steps: 1, holdout: 2, examples: 0 }, recorder().hooks);
    const before = memory().liveTensors;
    const { rec, hooks } = recorder();
    const result = await demo.run({ ...demo.defaults, ...demo.smoke }, hooks);
    expect(result.summary.steps).toBe(6);
    expect(result.summary.heldOut).toBe(16);
    expect(result.summary.beam).toBe(2);
    expect(rec.progress.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(rec.logs.some((l) => l.startsWith('attention of "Saturday, 5 December 2026"'))).toBe(true);
    expect(rec.logs.at(-1)).toMatch(/^held-out exact match: greedy [\d.]+% \(\d+\/16\), beam 2 [\d.]+% \(\d+\/16\) after 6 steps/);
    expect(rec.saves).toHaveLength(1);
    expect(memory().liveTensors).toBe(before);
    await expect(explain('5 Dec 2026')).rejects.toThrow(/seq2seq: no trained model yet/);
  });

  test('a kept model explains any input: 10 rows of weights over its characters, each summing to 1', async () => {
    const { hooks } = recorder();
    await demo.run({ ...demo.defaults, ...demo.smoke, steps: 2, keepModel: true }, hooks);
    const { output, weights } = await explain('12/05/26');
    expect(output).toHaveLength(TARGET_LENGTH);
    expect(weights).toHaveLength(TARGET_LENGTH);
    for (const row of weights) {
      expect(row).toHaveLength(8);
      expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
    }
    await expect(explain('5 Déc')).rejects.toThrow(/not in the source vocabulary/);
    await expect(explain('')).rejects.toThrow(/seq2seq: type a date first/);
    await expect(demo.run({ ...demo.defaults, show: '' }, hooks)).rejects.toThrow(/seq2seq: show must be a non-empty date/);
  });
});
