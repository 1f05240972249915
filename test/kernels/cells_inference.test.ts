// The inference forward of every cell kind (what the sequence op runs when nothing is recorded):
// the same step kernels with the overrides RING (states and gates in 2 step slots used in turn)
// and SAVE off (no gate stores where only the backward reads them), simple and register-blocked, a
// launch a step or one for the sequence, against the float64 twins run over the same ring layout
// (inferenceSequenceRef). Every output and ring slot 1 start as NaN.
import { describe, expect, test } from 'vitest';
import { init, tidy, zeros } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { CELLS, encodeSequence } from '../../src/kernels/cells/index.js';
import { blockedStepsPossible, inferenceOverrides, wholeSequenceLaunch } from '../../src/kernels/cells/launch.js';
import { casesFor, expectInferenceMatchesTwin, KINDS, mixedLengths, randomCase, saturate } from '../util/cell_sequence.js';

await init();
const possible = blockedStepsPossible(gpu(), 8);

// B, H, D, T: batch 1 and length 1, H odd and past one workgroup of 64 units.
const SIMPLE: [number, number, number, number][] = [[1, 5, 1, 1], [3, 5, 2, 4], [1, 65, 2, 3], [3, 130, 1, 5], [2, 64, 2, 1]];
// Blocked: rows 8 or 32 an invocation; H in blocks of 8, past one workgroup (64 units); B past one
// block of 32 rows.
const BLOCKED: [8 | 32, number, number, number, number][] = [[8, 9, 72, 2, 3], [32, 33, 24, 1, 4], [8, 4, 8, 1, 1], [32, 5, 264, 2, 2]];
const WHOLE: [number, number, number, number][] = [[9, 16, 2, 5], [70, 8, 1, 3], [1, 16, 1, 1]];

for (const kind of KINDS) {
  const cell = CELLS[kind];
  const phases = cell.forward.phases.length;
  describe.each(casesFor(kind, SIMPLE, 3))(`${kind} inference steps B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test('y and the state rings match the twin; gates only the backward reads stay unwritten', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp } = randomCase(kind, dims, mixedLengths(B, T), 300 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, inp);
      for (const k of cell.forward.phases) expect(launches.get(k.name)).toBe(T);
    });
  });

  test(`${kind} inference: saturated pre-activations match the twin`, async () => {
    const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };
    const { inp } = randomCase(kind, dims, [2, 4, 1], 8);
    await expectInferenceMatchesTwin(kind, dims, saturate(inp, 1e4));
  });

  if (!cell.forward.blocked) continue;
  const blocked = cell.forward.blocked.kernel.name;
  describe.skipIf(!possible).each(casesFor(kind, BLOCKED, 2))(`${kind} blocked inference steps, %i rows, B=%i H=%i D=%i T=%i`, (rows, B, H, D, T) => {
    test('match the twin, a launch a step and phase', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp } = randomCase(kind, dims, mixedLengths(B, T), 600 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'blocked', rows, wholeSequence: false });
      expect(launches.get(blocked)).toBe(T * phases);
    });
  });

  describe.skipIf(!possible).each(casesFor(kind, WHOLE, 2))(`${kind} whole-sequence inference B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test.skipIf(!wholeSequenceLaunch(gpu(), H, { batch: B, hidden: H, dirs: D }, cell.gates))('matches the twin in one launch', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp } = randomCase(kind, dims, mixedLengths(B, T), 700 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'blocked', wholeSequence: true });
      expect(launches.get(blocked)).toBe(1);
    });
  });
}

test('inference overrides: a ring always; no gate stores unless a later phase reads them', () => {
  expect(inferenceOverrides(CELLS.lstm)).toEqual({ RING: true, SAVE: false });
  expect(inferenceOverrides(CELLS.gru)).toEqual({ RING: true, SAVE: false });
  expect(inferenceOverrides(CELLS.rnn_tanh)).toEqual({ RING: true }); // saves nothing
  expect(inferenceOverrides(CELLS.gru_reset_before)).toEqual({ RING: true }); // phase 2 reads u
});

test('an inference launch checks the ring shapes, and refuses a backward pass', () => tidy(() => {
  const dims = { batch: 2, hidden: 3, steps: 4, dirs: 1 };
  const t = {
    xproj: zeros([4, 2, 12]), w_hh: zeros([1, 12, 3]), lengths: zeros([2], { dtype: 'int32' }),
    h_state: zeros([1, 5, 2, 3]), c_state: zeros([1, 2, 2, 3]), gates: zeros([1, 2, 2, 12]), y: zeros([4, 2, 3]),
  };
  expect(() => encodeSequence(CELLS.lstm, 'forward', t, dims, true)).toThrow(/webrnn: lstm_step_forward\w*: h_state has shape \[1, 5, 2, 3\], needs \[D, 2, B, H\]/);
  expect(() => encodeSequence(CELLS.lstm, 'backward', t, dims, true)).toThrow(/webrnn: lstm steps: inference is a forward pass/);
}));
