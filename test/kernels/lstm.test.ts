// lstm_step_forward / lstm_step_backward on the GPU vs their float64 twins (src/reference/lstm.ts),
// driven over whole sequences (T forward steps, then T backward steps) with variable lengths.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, tensor, tidy, zeros } from 'webrnn';
import { encodeLstmStepBackward, encodeLstmStepForward } from '../../src/kernels/lstm.js';
import { reductionTol } from '../util/allclose.js';
import {
  allFinite, expectSequenceMatchesTwin, mixedLengths, randomCase, saturate, stepCases,
} from '../util/cell_sequence.js';

beforeAll(async () => {
  await init();
});

// Forward outputs are sums of H products; backward ones of 4H (the recurrent gradient).
const tolFor = (H: number) => ({ forward: reductionTol(H), backward: reductionTol(4 * H) });

describe.each(stepCases())('lstm steps B=%i H=%i D=%i T=%i', (B, H, D, T) => {
  test('forward and backward loops match the twins', async () => {
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    const { inp, grad } = randomCase('lstm', dims, mixedLengths(B, T), 100 + H);
    await expectSequenceMatchesTwin('lstm', dims, inp, grad, tolFor(H));
  });
});

describe('lstm steps, edge cases', () => {
  const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };

  test('a single sequence shorter than T carries its state to slot T', async () => {
    const d1 = { batch: 1, hidden: 5, steps: 4, dirs: 2 };
    const { inp, grad } = randomCase('lstm', d1, [3], 7);
    const got = await expectSequenceMatchesTwin('lstm', d1, inp, grad, tolFor(5));
    // y at the padded time position stays as the caller filled it (zero).
    expect(Array.from(got.y.subarray(3 * 10))).toEqual(Array(10).fill(0));
  });

  test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
    const { inp, grad } = randomCase('lstm', dims, [2, 4, 1], 8);
    const got = await expectSequenceMatchesTwin('lstm', dims, saturate(inp, scale), grad, tolFor(5));
    expect(allFinite(got.h_state, got.c_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dc_carry)).toBe(true);
  });

  test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
    const { inp, grad } = randomCase('lstm', dims, [2, 4, 1], 9);
    const x = Float64Array.from(inp.xproj);
    x[(1 * 3 + 1) * 40 + 2] = NaN; // t = 1, b = 1, forward direction, gate i
    x[(0 * 3 + 0) * 40 + 20 + 7] = Infinity; // t = 0, b = 0, reverse direction, gate f
    x[(0 * 3 + 2) * 40 + 13] = -Infinity; // t = 0, b = 2, forward direction, gate g
    const got = await expectSequenceMatchesTwin('lstm', dims, { ...inp, xproj: x }, grad, tolFor(5));
    expect(got.y.some(Number.isNaN)).toBe(true);
    expect(allFinite(got.y.filter((_, i) => Math.floor(i / 10) % 3 !== 1))).toBe(true); // rows 0 and 2 stay finite
  });

  test('bad input throws naming the problem, before anything is recorded', () => tidy(() => {
    const B = 3, H = 5, T = 4, D = 2;
    const sd = { batch: B, hidden: H, steps: T, dirs: D, step: 0 };
    const f = {
      xproj: zeros([T, B, D * 4 * H]), w_hh: zeros([D, 4 * H, H]), lengths: tensor(new Int32Array([1, 2, 3])),
      h_state: zeros([D, T + 1, B, H]), c_state: zeros([D, T + 1, B, H]), gates: zeros([D, T, B, 4 * H]), y: zeros([T, B, D * H]),
    };
    const b = {
      w_hh: f.w_hh, lengths: f.lengths, gates: f.gates, c_state: f.c_state, dy: zeros([T, B, D * H]),
      dh_carry: zeros([D, B, H]), dc_carry: zeros([D, B, H]), dgates_hh: zeros([D, T, B, 4 * H]), dxproj: zeros([T, B, D * 4 * H]),
    };
    const launches = () => ['lstm_step_forward', 'lstm_step_backward'].map((k) => counters().byKernel.get(k) ?? 0);
    const before = launches();
    expect(() => encodeLstmStepForward({ ...f, xproj: zeros([T, B, D * 3 * H]) }, sd))
      .toThrow('lstm_step_forward: xproj has shape [4, 3, 30], needs [T, B, D·4H] = [4, 3, 40]');
    expect(() => encodeLstmStepForward({ ...f, lengths: zeros([3]) }, sd)).toThrow(/lengths \[3\] is float32, needs int32/);
    expect(() => encodeLstmStepForward({ ...f, c_state: f.h_state }, sd)).toThrow(/h_state and c_state share one buffer/);
    expect(() => encodeLstmStepForward(f, { ...sd, step: 4 })).toThrow(/step = 4 is outside 0..3/);
    expect(() => encodeLstmStepForward(f, { ...sd, dirs: 3 })).toThrow(/dirs = 3 must be 1 or 2/);
    expect(() => encodeLstmStepBackward({ ...b, dc_carry: zeros([D, B, H + 1]) }, sd))
      .toThrow('lstm_step_backward: dc_carry has shape [2, 3, 6], needs [D, B, H] = [2, 3, 5]');
    expect(() => encodeLstmStepBackward({ ...b, dxproj: b.dgates_hh.view([T, B, D * 4 * H]) }, sd)).toThrow(/dgates_hh and dxproj share one buffer/);
    expect(launches()).toEqual(before);
    // Leading dimensions may be merged: xproj as [T·B, D·4H] is accepted.
    encodeLstmStepForward({ ...f, xproj: zeros([T * B, D * 4 * H]) }, sd);
  }));
});
