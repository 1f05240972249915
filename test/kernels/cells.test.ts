// Every cell kind's simple step kernels (shaders/<kind>_step_*.wgsl) on the GPU vs their float64
// twins (src/reference/cells/), driven over whole sequences with variable lengths.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, tensor, tidy, zeros } from 'webrnn';
import { CELLS } from '../../src/kernels/cells/index.js';
import { launchStep } from '../../src/kernels/cells/launch.js';
import { nanSurvivesExpLog } from '../util/adapter.js';
import {
  allFinite, casesFor, expectSequenceMatchesTwin, KINDS, mixedLengths, randomCase, saturate, stepCases,
} from '../util/cell_sequence.js';

beforeAll(async () => {
  await init();
});
const nanExp = await nanSurvivesExpLog();

for (const kind of KINDS) {
  describe.each(casesFor(kind, stepCases()))(`${kind} steps B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test('forward and backward passes match the twins', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 100 + H);
      await expectSequenceMatchesTwin(kind, dims, inp, grad);
    });
  });

  describe(`${kind} steps, edge cases`, () => {
    const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };
    const GH = CELLS[kind].gates * 5;

    test('a single sequence shorter than T carries its state to slot T; padding is written 0', async () => {
      const d1 = { batch: 1, hidden: 5, steps: 4, dirs: 2 };
      const { inp, grad } = randomCase(kind, d1, [3], 7);
      const { got } = await expectSequenceMatchesTwin(kind, d1, inp, grad);
      expect(Array.from(got.y.subarray(3 * 10))).toEqual(Array(10).fill(0));
      expect(Array.from(got.dxproj.subarray(3 * 2 * GH))).toEqual(Array(2 * GH).fill(0));
    });

    test.each([100, 1e4])('saturated pre-activations (|preact| = %d) stay finite and match the twin', async (scale) => {
      const { inp, grad } = randomCase(kind, dims, [2, 4, 1], 8);
      const { got } = await expectSequenceMatchesTwin(kind, dims, saturate(inp, scale), grad);
      expect(allFinite(got.h_state, got.c_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dc_carry)).toBe(true);
    });

    test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
      const { inp, grad } = randomCase(kind, dims, [2, 4, 1], 9);
      const x = Float64Array.from(inp.xproj);
      const row = 2 * GH; // one time step and batch row: D·G·H values
      // exp(NaN) is the adapter's own (test/util/adapter.ts): SwiftShader's gives +Inf.
      if (nanExp) x[(1 * 3 + 1) * row + 2] = NaN; // t = 1, b = 1, forward direction
      x[(0 * 3 + 0) * row + GH + 3] = Infinity; // t = 0, b = 0, reverse direction
      x[(0 * 3 + 2) * row + 1] = -Infinity; // t = 0, b = 2, forward direction
      const { got } = await expectSequenceMatchesTwin(kind, dims, { ...inp, xproj: x }, grad);
      if (nanExp) expect(got.y.some(Number.isNaN)).toBe(true);
      // Saturating activations turn ±Inf into finite values, so rows 0 and 2 stay finite (relu does not saturate).
      if (kind !== 'rnn_relu') expect(allFinite(got.y.filter((_, i) => Math.floor(i / 10) % 3 !== 1))).toBe(true);
    });
  });
}

test('bad input throws naming the problem, before anything is recorded', () => tidy(() => {
  const B = 3, H = 5, T = 4, D = 2;
  const sd = { batch: B, hidden: H, steps: T, dirs: D, step: 0 };
  const cell = CELLS.lstm;
  const [fwd] = cell.forward.phases;
  const [bwd] = cell.backward.phases;
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
  expect(() => launchStep(cell, fwd!, { ...f, xproj: zeros([T, B, D * 3 * H]) }, sd))
    .toThrow('lstm_step_forward: xproj has shape [4, 3, 30], needs [T, B, D·4H] = [4, 3, 40]');
  expect(() => launchStep(cell, fwd!, { ...f, lengths: zeros([3]) }, sd)).toThrow(/lengths \[3\] is float32, needs int32/);
  expect(() => launchStep(cell, fwd!, { ...f, c_state: f.h_state }, sd)).toThrow(/h_state and c_state share one buffer/);
  expect(() => launchStep(cell, fwd!, { ...f, y: undefined }, sd)).toThrow(/tensor 'y' is missing/);
  expect(() => launchStep(cell, fwd!, f, { ...sd, step: 4 })).toThrow(/step = 4 is outside 0..3/);
  expect(() => launchStep(cell, fwd!, f, { ...sd, dirs: 3 })).toThrow(/dirs = 3 must be 1 or 2/);
  expect(() => launchStep(cell, fwd!, f, { ...sd, hidden: 0 })).toThrow(/hidden = 0 must be a positive integer/);
  expect(() => launchStep(cell, fwd!, f, { ...sd, count: 2 })).toThrow(/count = 2 must be 1 \(one step a launch\)/);
  expect(() => launchStep(cell, fwd!, f, { ...sd, batch: 70000 })).toThrow(/batch = 70000 exceeds 65535/);
  expect(() => launchStep(cell, bwd!, { ...b, dc_carry: zeros([D, B, H + 1]) }, sd))
    .toThrow('lstm_step_backward: dc_carry has shape [2, 3, 6], needs [D, B, H] = [2, 3, 5]');
  expect(() => launchStep(cell, bwd!, { ...b, dxproj: b.dgates_hh.view([T, B, D * 4 * H]) }, sd)).toThrow(/dgates_hh and dxproj share one buffer/);
  const gru = CELLS.gru;
  expect(() => launchStep(gru, gru.forward.phases[0]!, { ...f, xproj: zeros([T, B, D * 3 * H]), w_hh: zeros([D, 3 * H, H]), gates: zeros([D, T, B, 4 * H]), b_hh: zeros([D, 4 * H]) }, sd))
    .toThrow('gru_step_forward: b_hh has shape [2, 20], needs [D, 3H] = [2, 15]');
  expect(launches()).toEqual(before);
  // Leading dimensions may be merged: xproj as [T·B, D·4H] is accepted.
  launchStep(cell, fwd!, { ...f, xproj: zeros([T * B, D * 4 * H]) }, sd);
}));
