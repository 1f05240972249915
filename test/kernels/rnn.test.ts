// rnn_step_forward / rnn_step_backward (tanh and relu) on the GPU vs their float64 twins
// (src/reference/rnn.ts), driven over whole sequences with variable lengths.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, tensor, tidy, zeros } from 'webrnn';
import { encodeRnnStepBackward, encodeRnnStepForward, type Nonlinearity } from '../../src/kernels/rnn.js';
import { reductionTol } from '../util/allclose.js';
import {
  allFinite, expectSequenceMatchesTwin, mixedLengths, randomCase, saturate, stepCases,
} from '../util/cell_sequence.js';

beforeAll(async () => {
  await init();
});

// Every output is a sum of H products (forward: W_hh·h, backward: the recurrent gradient).
const tolFor = (H: number) => ({ forward: reductionTol(H), backward: reductionTol(H) });

for (const cell of ['rnn_tanh', 'rnn_relu'] as const) {
  describe.each(stepCases())(`${cell} steps B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test('forward and backward loops match the twins', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(cell, dims, mixedLengths(B, T), 300 + H);
      await expectSequenceMatchesTwin(cell, dims, inp, grad, tolFor(H));
    });
  });

  describe(`${cell} steps, edge cases`, () => {
    const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };

    test('a single sequence shorter than T carries its state past its end', async () => {
      const d1 = { batch: 1, hidden: 5, steps: 4, dirs: 2 };
      const { inp, grad } = randomCase(cell, d1, [3], 27);
      const got = await expectSequenceMatchesTwin(cell, d1, inp, grad, tolFor(5));
      expect(Array.from(got.y.subarray(3 * 10))).toEqual(Array(10).fill(0));
    });

    test.each([100, 1e4])('saturated pre-activations (|preact| = %d) stay finite and match the twin', async (scale) => {
      const { inp, grad } = randomCase(cell, dims, [2, 4, 1], 28);
      const got = await expectSequenceMatchesTwin(cell, dims, saturate(inp, scale), grad, tolFor(5));
      expect(allFinite(got.h_state, got.y, got.dgates_hh, got.dxproj)).toBe(true);
    });

    test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
      const { inp, grad } = randomCase(cell, dims, [2, 4, 1], 29);
      const x = Float64Array.from(inp.xproj);
      x[(1 * 3 + 1) * 10 + 2] = NaN; // t = 1, b = 1, forward direction
      x[(0 * 3 + 0) * 10 + 5 + 3] = Infinity; // t = 0, b = 0, reverse direction
      x[(0 * 3 + 2) * 10 + 1] = -Infinity; // t = 0, b = 2, forward direction
      const got = await expectSequenceMatchesTwin(cell, dims, { ...inp, xproj: x }, grad, tolFor(5));
      expect(got.y.some(Number.isNaN)).toBe(true);
    });
  });
}

test('bad input throws naming the problem, before anything is recorded', () => tidy(() => {
  const B = 2, H = 3, T = 2, D = 1;
  const sd = { batch: B, hidden: H, steps: T, dirs: D, step: 0 };
  const f = { xproj: zeros([T, B, D * H]), w_hh: zeros([D, H, H]), lengths: tensor(new Int32Array([1, 2])), h_state: zeros([D, T + 1, B, H]), y: zeros([T, B, D * H]) };
  const b = { w_hh: f.w_hh, lengths: f.lengths, h_state: f.h_state, dy: zeros([T, B, D * H]), dh_carry: zeros([D, B, H]), dgates_hh: zeros([D, T, B, H]), dxproj: zeros([T, B, D * H]) };
  const launches = () => ['rnn_step_forward', 'rnn_step_backward'].map((k) => counters().byKernel.get(k) ?? 0);
  const before = launches();
  expect(() => encodeRnnStepForward({ ...f, w_hh: zeros([D, H, H + 1]) }, sd)).toThrow('rnn_step_forward: w_hh has shape [1, 3, 4], needs [D, H, H] = [1, 3, 3]');
  expect(() => encodeRnnStepForward(f, sd, 'sigmoid' as Nonlinearity)).toThrow(/nonlinearity 'sigmoid' must be 'tanh' or 'relu'/);
  expect(() => encodeRnnStepForward(f, { ...sd, hidden: 0 })).toThrow(/hidden = 0 must be a positive integer/);
  expect(() => encodeRnnStepBackward({ ...b, dxproj: b.dy }, sd)).toThrow(/dy and dxproj share one buffer/);
  expect(() => encodeRnnStepBackward({ ...b, lengths: tensor(new Int32Array([1, 2, 2])) }, sd)).toThrow('rnn_step_backward: lengths has shape [3], needs [B] = [2]');
  expect(launches()).toEqual(before);
}));
