// gru_step_forward / gru_step_backward on the GPU vs their float64 twins (src/reference/gru.ts),
// driven over whole sequences (T forward steps, then T backward steps) with variable lengths.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, tensor, tidy, zeros } from 'webrnn';
import { encodeGruStepBackward, encodeGruStepForward } from '../../src/kernels/gru.js';
import { reductionTol } from '../util/allclose.js';
import {
  allFinite, expectSequenceMatchesTwin, mixedLengths, randomCase, saturate, stepCases,
} from '../util/cell_sequence.js';

beforeAll(async () => {
  await init();
});

// Forward outputs are sums of H products; backward ones of 3H (the recurrent gradient).
const tolFor = (H: number) => ({ forward: reductionTol(H), backward: reductionTol(3 * H) });

describe.each(stepCases())('gru steps B=%i H=%i D=%i T=%i', (B, H, D, T) => {
  test('forward and backward loops match the twins', async () => {
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    const { inp, grad } = randomCase('gru', dims, mixedLengths(B, T), 200 + H);
    await expectSequenceMatchesTwin('gru', dims, inp, grad, tolFor(H));
  });
});

describe('gru steps, edge cases', () => {
  const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };

  test('a single sequence shorter than T carries its state (and dhN) past its end', async () => {
    const d1 = { batch: 1, hidden: 5, steps: 4, dirs: 2 };
    const { inp, grad } = randomCase('gru', d1, [2], 17);
    const got = await expectSequenceMatchesTwin('gru', d1, inp, grad, tolFor(5));
    expect(Array.from(got.y.subarray(2 * 10))).toEqual(Array(20).fill(0));
    expect(Array.from(got.dxproj.subarray(2 * 30))).toEqual(Array(60).fill(0));
  });

  test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
    const { inp, grad } = randomCase('gru', dims, [2, 4, 1], 18);
    const got = await expectSequenceMatchesTwin('gru', dims, saturate(inp, scale), grad, tolFor(5));
    expect(allFinite(got.h_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dh_carry)).toBe(true);
  });

  test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
    const { inp, grad } = randomCase('gru', dims, [2, 4, 1], 19);
    const x = Float64Array.from(inp.xproj);
    x[(1 * 3 + 1) * 30 + 11] = NaN; // t = 1, b = 1, forward direction, gate n
    x[(0 * 3 + 0) * 30 + 15 + 2] = Infinity; // t = 0, b = 0, reverse direction, gate r
    x[(0 * 3 + 2) * 30 + 6] = -Infinity; // t = 0, b = 2, forward direction, gate z
    const got = await expectSequenceMatchesTwin('gru', dims, { ...inp, xproj: x }, grad, tolFor(5));
    expect(got.y.some(Number.isNaN)).toBe(true);
    expect(allFinite(got.y.filter((_, i) => Math.floor(i / 10) % 3 !== 1))).toBe(true);
  });

  test('bad input throws naming the problem, before anything is recorded', () => tidy(() => {
    const B = 3, H = 5, T = 4, D = 2;
    const sd = { batch: B, hidden: H, steps: T, dirs: D, step: 3 };
    const f = {
      xproj: zeros([T, B, D * 3 * H]), w_hh: zeros([D, 3 * H, H]), b_hh: zeros([D, 3 * H]), lengths: tensor(new Int32Array([1, 2, 3])),
      h_state: zeros([D, T + 1, B, H]), gates: zeros([D, T, B, 4 * H]), y: zeros([T, B, D * H]),
    };
    const b = {
      w_hh: f.w_hh, lengths: f.lengths, gates: f.gates, h_state: f.h_state, dy: zeros([T, B, D * H]),
      dh_carry: zeros([D, B, H]), dgates_hh: zeros([D, T, B, 3 * H]), dxproj: zeros([T, B, D * 3 * H]),
    };
    const launches = () => ['gru_step_forward', 'gru_step_backward'].map((k) => counters().byKernel.get(k) ?? 0);
    const before = launches();
    expect(() => encodeGruStepForward({ ...f, b_hh: zeros([D, 4 * H]) }, sd))
      .toThrow('gru_step_forward: b_hh has shape [2, 20], needs [D, 3H] = [2, 15]');
    expect(() => encodeGruStepForward({ ...f, gates: zeros([D, T, B, 3 * H]) }, sd)).toThrow(/gates has shape \[2, 4, 3, 15\], needs \[D, T, B, 4H\]/);
    expect(() => encodeGruStepForward(f, { ...sd, batch: 70000 })).toThrow(/batch = 70000 exceeds 65535/);
    expect(() => encodeGruStepBackward({ ...b, dgates_hh: zeros([D, T, B, 4 * H]) }, sd))
      .toThrow('gru_step_backward: dgates_hh has shape [2, 4, 3, 20], needs [D, T, B, 3H] = [2, 4, 3, 15]');
    expect(() => encodeGruStepBackward({ ...b, dh_carry: f.h_state.view([-1, H]) }, sd)).toThrow(/dh_carry has shape \[30, 5\]/);
    expect(launches()).toEqual(before);
  }));
});
