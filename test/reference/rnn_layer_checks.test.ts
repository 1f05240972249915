// The whole-layer float64 reference's defaults and its refusal of bad input. No GPU.
import { describe, expect, test } from 'vitest';
import { initParamsRef, paramShapes, rnnForwardRef, type RnnRefInput } from '../../src/reference/rnn_layer.js';
import { rnnBackwardRef } from '../../src/reference/rnn_layer_backward.js';
import { expectAllClose } from '../util/allclose.js';
import { uniform } from '../util/rng.js';
import { config, makeInput, SAME, stateSize } from '../util/rnn_ref_case.js';

describe('defaults and bad input', () => {
  const cfg = config('lstm', { numLayers: 2, bidirectional: true });
  const params = initParamsRef(cfg, 71);
  const input = makeInput(cfg, 3, 2, 81);

  test('missing h0/c0 mean zeros; missing dhN/dcN mean zeros', () => {
    const n = stateSize(cfg, 2);
    const zeros: RnnRefInput = { ...input, h0: new Float64Array(n), c0: new Float64Array(n) };
    const bare: RnnRefInput = { x: input.x, seqLen: 3, batch: 2 };
    const a = rnnForwardRef(cfg, params, zeros);
    const b = rnnForwardRef(cfg, params, bare);
    expectAllClose(b.y, a.y, SAME);
    expectAllClose(b.cN!, a.cN!, SAME);
    const dy = uniform(a.y.length, 91);
    const ga = rnnBackwardRef(cfg, params, zeros, a, { dy, dhN: new Float64Array(n), dcN: new Float64Array(n) });
    const gb = rnnBackwardRef(cfg, params, bare, b, { dy });
    expectAllClose(gb.dx, ga.dx, SAME);
    expectAllClose(gb.dc0!, ga.dc0!, SAME);
  });

  test('initParamsRef is deterministic, has PyTorch shapes and stays in U(−1/√H, 1/√H)', () => {
    const shapes = paramShapes(cfg);
    expect(shapes['weight_ih_l1_reverse']).toEqual([12, 6]);
    expect(shapes['bias_hh_l0']).toEqual([12]);
    expect(Object.keys(paramShapes({ ...cfg, bias: false }))).toEqual(['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'weight_ih_l1', 'weight_hh_l1', 'weight_ih_l1_reverse', 'weight_hh_l1_reverse']);
    const again = initParamsRef(cfg, 71);
    for (const k of Object.keys(shapes)) {
      expect(Array.from(again[k]!)).toEqual(Array.from(params[k]!));
      expect(params[k]!.every((v) => Math.abs(v) <= 1 / Math.sqrt(3))).toBe(true);
    }
    expect(Array.from(initParamsRef(cfg, 72)['weight_hh_l0']!)).not.toEqual(Array.from(params['weight_hh_l0']!));
  });

  test('errors name the problem', () => {
    expect(() => rnnForwardRef(cfg, params, { ...input, x: new Float64Array(5) })).toThrow(/x has 5 values, expected \[3, 2, 2\]/);
    expect(() => rnnForwardRef(cfg, params, { ...input, h0: new Float64Array(3) })).toThrow(/h0 has 3 values, expected \[4, 2, 3\]/);
    expect(() => rnnForwardRef(cfg, params, { ...input, lengths: [0, 3] })).toThrow(/1\.\.3/);
    expect(() => rnnForwardRef(cfg, params, { ...input, lengths: [4, 3] })).toThrow(/1\.\.3/);
    expect(() => rnnForwardRef(cfg, params, { ...input, lengths: [3] })).toThrow(/lengths has 1 entries, expected batch = 2/);
    const { weight_hh_l1: _dropped, ...missing } = params;
    expect(() => rnnForwardRef(cfg, missing, input)).toThrow(/missing parameter weight_hh_l1 \[12, 3\]/);
    expect(() => rnnForwardRef({ ...cfg, bias: false }, params, input)).toThrow(/unexpected parameter bias_ih_l0/);
    expect(() => rnnForwardRef(config('gru'), initParamsRef(config('gru'), 1), { x: new Float64Array(4), seqLen: 2, batch: 1, c0: new Float64Array(3) })).toThrow(/c0 is only for cells with a cell state/);
    expect(() => rnnForwardRef({ ...cfg, hiddenSize: 0 }, params, input)).toThrow(/hiddenSize must be a positive integer/);
    const out = rnnForwardRef(cfg, params, input);
    expect(() => rnnBackwardRef(cfg, params, input, out, { dy: new Float64Array(7) })).toThrow(/dy has 7 values/);
  });
});
