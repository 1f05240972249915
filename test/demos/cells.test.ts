// --cell rnn / rnn_relu in the demos that take --cell, and seq-mnist's rnn7 preset (the tutorial's
// 7-layer vanilla RNN): the flags parse, pick nn.RNN with the named nonlinearity, and train (smoke-sized).
import { beforeAll, describe, expect, test } from 'vitest';
import { init, nn } from 'webrnn';
import { AdderModel } from '../../demos/binary-add/model.js';
import { demo as binaryAdd } from '../../demos/binary-add/main.js';
import { buildConfig, parseArgs, UsageError } from '../../demos/common/cli.js';
import { recurrentLayer } from '../../demos/common/cell.js';
import { DEMOS } from '../../demos/common/registry.js';
import { applyPreset, demo as seqMnist } from '../../demos/seq-mnist/main.js';
import { RowClassifier } from '../../demos/seq-mnist/model.js';
import { demo as sine } from '../../demos/sine/main.js';
import { recorder } from '../util/demo_hooks.js';

describe('--cell rnn and --preset rnn7 (no GPU)', () => {
  test('every demo with --cell accepts rnn and rnn_relu and refuses other names', () => {
    for (const name of ['binary-add', 'sine', 'seq-mnist']) {
      expect(parseArgs([name, '--cell', 'rnn'], DEMOS).overrides.cell).toBe('rnn');
      expect(parseArgs([name, '--cell=rnn_relu'], DEMOS).overrides.cell).toBe('rnn_relu');
      expect(() => parseArgs([name, '--cell', 'relu'], DEMOS)).toThrow(UsageError);
      expect(() => parseArgs([name, '--cell', 'relu'], DEMOS)).toThrow(/--cell must be one of lstm, gru, rnn, rnn_relu, got 'relu'/);
    }
  });

  test('rnn7 fills the fields left at their defaults; flags the user gave win', () => {
    const c = applyPreset(buildConfig(seqMnist, parseArgs(['seq-mnist', '--preset', 'rnn7'], DEMOS)));
    expect([c.cell, c.hidden, c.layers, c.epochs, c.batch, c.lr]).toEqual(['rnn', 64, 7, 3, 64, 0.001]);
    const d = applyPreset(buildConfig(seqMnist, parseArgs(['seq-mnist', '--preset', 'rnn7', '--epochs', '1', '--cell', 'rnn_relu'], DEMOS)));
    expect([d.cell, d.layers, d.epochs]).toEqual(['rnn_relu', 7, 1]);
    expect(applyPreset(seqMnist.defaults)).toEqual(seqMnist.defaults);
    expect(() => parseArgs(['seq-mnist', '--preset', 'rnn8'], DEMOS)).toThrow(/--preset must be one of none, rnn7, got 'rnn8'/);
    expect(() => applyPreset({ ...seqMnist.defaults, preset: 'x' })).toThrow(/seq-mnist: preset 'x' must be none or one of rnn7/);
  });
});

describe('vanilla RNN cells in the demos', () => {
  beforeAll(async () => {
    await init();
  });

  test('recurrentLayer maps rnn to tanh and rnn_relu to relu (their outputs differ: relu is unbounded and ≥ 0)', async () => {
    const opts = { inputSize: 3, hiddenSize: 5, seed: 1 };
    const tanh = recurrentLayer('rnn', opts);
    const relu = recurrentLayer('rnn_relu', opts);
    expect(tanh).toBeInstanceOf(nn.RNN);
    expect(relu).toBeInstanceOf(nn.RNN);
    expect(tanh.kind).toBe('rnn_tanh');
    expect(relu.kind).toBe('rnn_relu');
    expect(() => recurrentLayer('elman' as never, opts)).toThrow(/webrnn: cell 'elman' must be one of lstm, gru, rnn, rnn_relu/);
    tanh.dispose();
    relu.dispose();
  });

  test('the 7-layer RNN classifier is nn.RNN(28, 64, 7) + Linear(64, 10)', () => {
    const m = new RowClassifier('rnn', 28, 64, 7, 0);
    const names = [...m.namedParameters()].map(([n, t]) => `${n}:${t.shape.join('x')}`);
    expect(names).toContain('rnn.weight_ih_l0:64x28');
    expect(names).toContain('rnn.weight_hh_l6:64x64');
    expect(names).toContain('head.weight:10x64');
    expect(m.rnn.kind).toBe('rnn_tanh');
    // PyTorch's count for this model: 7 layers of (64·in + 64·64 + 2·64) + 64·10 + 10
    expect(m.numParameters()).toBe(64 * 28 + 6 * 64 * 64 + 7 * (64 * 64 + 128) + 650);
    m.dispose();
  });

  test('binary-add and sine train with rnn / rnn_relu (smoke-sized, loss is finite)', async () => {
    for (const [d, cell] of [[binaryAdd, 'rnn'], [sine, 'rnn_relu'], [binaryAdd, 'rnn_relu']] as const) {
      const { rec, hooks } = recorder();
      const result = await (d.run as (c: unknown, h: typeof hooks) => ReturnType<typeof d.run>)({ ...d.defaults, ...d.smoke, cell }, hooks);
      expect(rec.logs.some((l) => l.includes(`${cell.toUpperCase()} 1×`))).toBe(true);
      expect(rec.progress.every((p) => Number.isFinite(p.loss))).toBe(true);
      expect(result.summary).toBeDefined();
    }
    expect(new AdderModel('rnn_relu', 4, 1, 0).rnn.kind).toBe('rnn_relu');
  });

  test('seq-mnist --preset rnn7 --smoke runs the 7-layer RNN', async () => {
    const { rec, hooks } = recorder();
    const result = await seqMnist.run({ ...seqMnist.defaults, ...seqMnist.smoke, preset: 'rnn7' }, hooks);
    expect(rec.logs.find((l) => l.startsWith('model:'))).toMatch(/^model: RNN 7×16 \+ Linear\(16, 10\)/);
    expect(rec.logs).toContain('preset rnn7: cell=rnn hidden=16 layers=7 epochs=1 batch=8 lr=0.001 (the values this run uses)');
    expect(result.summary.layers).toBe(7);
    expect(result.summary.cell).toBe('rnn');
    expect(result.summary.accuracy as number).toBeGreaterThanOrEqual(0);
  });
});
