// The reset-before GRU's step kernels (gru_reset_before_step_*.wgsl) on the GPU vs their float64
// twins (src/reference/gru_reset_before.ts), driven over whole sequences with variable lengths:
// the simple kernels over the shared shape table, the register-blocked ones (one phase a launch,
// and both phases of all T steps in one launch) over shapes around their blocking.
import { describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, tidy, zeros } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { blockedStepsPossible, launchStep, wholeSequenceLaunch } from '../../src/kernels/cells/launch.js';
import { gruResetBeforeStepBackward, gruResetBeforeStepGates } from '../../src/kernels/gru_reset_before.js';
import { nanSurvivesExpLog } from '../util/adapter.js';
import { allFinite, mixedLengths, saturate, stepCases, type Schedule } from '../util/cell_sequence.js';
import { cell, expectResetBeforeMatchesTwin, randomResetBeforeCase } from '../util/gru_reset_before_sequence.js';

await init();
// Adapters without subgroups of ≥ 8 lanes never run the blocked kernels.
const possible = blockedStepsPossible(gpu(), 8);
// exp(NaN) is the adapter's own (test/util/adapter.ts): SwiftShader's gives +Inf, so σ(NaN) = 0 there.
const nanExp = await nanSurvivesExpLog();
const count = (launches: Map<string, number>, ...names: string[]) => names.map((k) => launches.get(`gru_reset_before_step_${k}`) ?? 0);

describe('simple kernels', () => {
  describe.each(stepCases())('B=%i H=%i D=%i T=%i', (B, H, D, T) => {
    test('forward and backward loops match the twins, two launches a step and pass', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomResetBeforeCase(dims, mixedLengths(B, T), 300 + H);
      const { launches } = await expectResetBeforeMatchesTwin(dims, inp, grad);
      expect(count(launches, 'gates', 'forward', 'backward', 'backward_reset')).toEqual([T, T, T, T]);
    });
  });

  const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };

  test('a single sequence shorter than T carries its state (and dhN) past its end', async () => {
    const d1 = { batch: 1, hidden: 5, steps: 4, dirs: 2 };
    const { inp, grad } = randomResetBeforeCase(d1, [2], 17);
    const { got } = await expectResetBeforeMatchesTwin(d1, inp, grad);
    expect(Array.from(got.y.subarray(2 * 10))).toEqual(Array(20).fill(0));
    expect(Array.from(got.dxproj.subarray(2 * 30))).toEqual(Array(60).fill(0));
  });

  test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
    const { inp, grad } = randomResetBeforeCase(dims, [2, 4, 1], 18);
    const { got } = await expectResetBeforeMatchesTwin(dims, saturate(inp, scale), grad);
    expect(allFinite(...Object.values(got))).toBe(true);
  });

  test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
    const { inp, grad } = randomResetBeforeCase(dims, [2, 4, 1], 19);
    const x = Float64Array.from(inp.xproj);
    if (nanExp) x[(1 * 3 + 1) * 30 + 11] = NaN; // t = 1, b = 1, forward direction, gate n
    x[(0 * 3 + 0) * 30 + 15 + 2] = Infinity; // t = 0, b = 0, reverse direction, gate r
    x[(0 * 3 + 2) * 30 + 6] = -Infinity; // t = 0, b = 2, forward direction, gate z
    const { got } = await expectResetBeforeMatchesTwin(dims, { ...inp, xproj: x }, grad);
    if (nanExp) expect(got.y.some(Number.isNaN)).toBe(true);
    expect(allFinite(got.y.filter((_, i) => Math.floor(i / 10) % 3 !== 1))).toBe(true);
  });

  test('bad input throws naming the problem, before anything is recorded', () => tidy(() => {
    const { batch: B, hidden: H, steps: T, dirs: D } = dims;
    const sd = { ...dims, step: 3 };
    const f = {
      xproj: zeros([T, B, D * 3 * H]), w_hh: zeros([D, 3 * H, H]), lengths: tensor(new Int32Array([1, 2, 3])),
      h_state: zeros([D, T + 1, B, H]), gates: zeros([D, T, B, 4 * H]), y: zeros([T, B, D * H]),
    };
    const b = {
      w_hh: f.w_hh, lengths: f.lengths, gates: f.gates, h_state: f.h_state, dy: zeros([T, B, D * H]),
      dh_carry: zeros([D, B, H]), dgates_hh: zeros([D, T, B, 3 * H]), dxproj: zeros([T, B, D * 3 * H]),
    };
    resetCounters();
    expect(() => launchStep(cell, gruResetBeforeStepGates, { ...f, gates: zeros([D, T, B, 3 * H]) }, sd))
      .toThrow('gru_reset_before_step_gates: gates has shape [2, 4, 3, 15], needs [D, T, B, 4H] = [2, 4, 3, 20]');
    expect(() => launchStep(cell, gruResetBeforeStepGates, { ...f, w_hh: zeros([D, 4 * H, H]) }, sd)).toThrow(/w_hh has shape \[2, 20, 5\], needs \[D, 3H, H\]/);
    expect(() => launchStep(cell, gruResetBeforeStepBackward, { ...b, dgates_hh: zeros([D, T, B, 4 * H]) }, sd))
      .toThrow('gru_reset_before_step_backward: dgates_hh has shape [2, 4, 3, 20], needs [D, T, B, 3H] = [2, 4, 3, 15]');
    expect(() => launchStep(cell, gruResetBeforeStepBackward, { ...b, dh_carry: f.h_state.view([-1, H]) }, sd)).toThrow(/dh_carry has shape \[30, 5\]/);
    expect(counters().dispatches).toBe(0);
  }));
});

// B: small blocks, at and past one row block of 32, and past two; H: one block of 8, odd block
// counts, workgroups narrower than 64, past one forward workgroup (64 units) and past one backward
// workgroup (64 quads = 256 units).
const BLOCKED_CASES: [number, number, number, number][] = [
  [4, 8, 1, 3], [7, 16, 2, 4], [8, 40, 1, 1], [9, 72, 2, 3], [17, 136, 1, 2], [3, 8, 2, 5], [5, 264, 1, 2],
  [32, 16, 1, 2], [33, 24, 2, 2], [65, 8, 1, 3],
];
// Each case with 8 and with 32 rows an invocation, and 16 where the batch spans more than one block of 16.
type Rows = 8 | 16 | 32;
const ROWS_CASES = ([8, 32] as Rows[]).flatMap((rows) => BLOCKED_CASES.map((c) => [rows, ...c] as const))
  .concat(BLOCKED_CASES.filter(([B]) => B > 16).map((c) => [16 as Rows, ...c] as const));

describe.skipIf(!possible)('blocked kernels', () => {
  describe.each(ROWS_CASES)('%i rows an invocation, B=%i H=%i D=%i T=%i', (rows, B, H, D, T) => {
    test('forward and backward loops match the twins, one launch a step and phase', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomResetBeforeCase(dims, mixedLengths(B, T), 600 + H);
      const { launches } = await expectResetBeforeMatchesTwin(dims, inp, grad, { variant: 'blocked', rows, wholeSequence: false });
      expect(count(launches, 'forward_blocked', 'backward_blocked')).toEqual([2 * T, 2 * T]);
    });
  });

  // All T steps and both phases in one launch a pass (CPU adapters, where a workgroup holds every unit of its rows).
  describe.each([[8, 24, 2, 4], [5, 8, 1, 1], [9, 16, 2, 5], [4, 136, 1, 3], [70, 8, 1, 3]])('whole-sequence launch B=%i H=%i D=%i T=%i', (B, H, D, T) => {
    test.skipIf(!wholeSequenceLaunch(gpu(), H, { batch: B, hidden: H, dirs: D }, 3))('forward and backward match the twins in one launch each', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomResetBeforeCase(dims, mixedLengths(B, T), 900 + H);
      const { launches } = await expectResetBeforeMatchesTwin(dims, inp, grad, { variant: 'blocked', wholeSequence: true });
      expect(count(launches, 'forward_blocked', 'backward_blocked')).toEqual([1, 1]);
    });
  });

  const dims = { batch: 9, hidden: 16, steps: 4, dirs: 2 };
  const lengths = [2, 4, 1, 3, 4, 4, 1, 2, 3];
  describe.each([false, true])('edge cases, whole sequence in one launch: %s', (wholeSequence) => {
    const schedule: Schedule = { variant: 'blocked', wholeSequence };
    test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
      const { inp, grad } = randomResetBeforeCase(dims, lengths, 8);
      const { got } = await expectResetBeforeMatchesTwin(dims, saturate(inp, scale), grad, schedule);
      expect(allFinite(...Object.values(got))).toBe(true);
    });

    test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
      const { inp, grad } = randomResetBeforeCase(dims, lengths, 9);
      const x = Float64Array.from(inp.xproj);
      const row = 2 * 3 * 16; // one time step and batch row: D·3H values
      if (nanExp) x[(1 * 9 + 1) * row + 2] = NaN; // t = 1, b = 1, forward direction, gate r
      x[(0 * 9 + 8) * row + 48 + 40] = Infinity; // t = 0, b = 8, reverse direction, gate n
      x[(0 * 9 + 3) * row + 20] = -Infinity; // t = 0, b = 3, forward direction, gate z
      const { got } = await expectResetBeforeMatchesTwin(dims, { ...inp, xproj: x }, grad, schedule);
      if (nanExp) expect(got.y.some(Number.isNaN)).toBe(true);
      // y is [T, B, D·H]: rows other than b = 1 stay finite (a NaN must not leak into other rows' sums).
      expect(allFinite(got.y.filter((_, i) => Math.floor(i / 32) % 9 !== 1))).toBe(true);
    });
  });
});
