// The split step kernels (step_split.wgsl): KS invocations share a unit's recurrent sums (forward:
// W_hh·h_prev; backward: the gradient through W_hh), added in workgroup memory. Against the
// float64 twins, training passes and the inference forward (ring slots, no gate stores), with KS
// from 2 to 64: H of 1, odd, not a multiple of a workgroup's units (64 / KS) and past one
// workgroup; batch 1, length 1, mixed lengths, both directions. Outputs start as NaN, so an
// unwritten element fails.
import { describe, expect, test } from 'vitest';
import { init } from 'webrnn';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import { splitKernel } from '../../src/kernels/cells/split.js';
import { casesFor, expectInferenceMatchesTwin, expectSequenceMatchesTwin, KINDS, mixedLengths, randomCase } from '../util/cell_sequence.js';

await init();

type KS = 2 | 4 | 8 | 16 | 32 | 64;
// KS, B, H, D, T.
const CASES: [KS, number, number, number, number][] = [
  [2, 1, 1, 1, 1], [8, 3, 13, 2, 4], [64, 2, 5, 1, 3], [4, 5, 70, 2, 2], [2, 1, 130, 1, 3], [16, 4, 24, 2, 5], [32, 2, 65, 1, 2],
];
const SPLIT = KINDS.filter((k: CellKind) => CELLS[k].forward.split);

test('every single-phase cell has split kernels both ways (the reset-before GRU takes two phases: not yet)', () => {
  expect(KINDS.filter((k) => !SPLIT.includes(k))).toEqual(['gru_reset_before', 'gru_reset_before_hard_sigmoid']);
  for (const k of SPLIT) expect(CELLS[k].backward.split).toBeDefined();
});

test('split kernels derive from the simple ones (name, overrides); a kernel without step.wgsl is refused', () => {
  expect(CELLS.rnn_relu.forward.split!.name).toBe('rnn_step_forward_split');
  expect(CELLS.lstm.backward.split!.name).toBe('lstm_step_backward_split');
  expect(CELLS.rnn_tanh.forward.split).toBe(CELLS.rnn_relu.forward.split); // one kernel, RELU set by the cell
  expect((CELLS.rnn_relu.forward.split as unknown as { overrides: object }).overrides).toEqual({ KS: 8, RELU: false });
  expect(() => splitKernel(CELLS.lstm.forward.blocked!.kernel)).toThrow(/lstm_step_forward_blocked is not a simple step kernel/);
});

for (const kind of SPLIT) {
  const cell = CELLS[kind];
  const [fwd, bwd] = [cell.forward.split!.name, cell.backward.split!.name];
  describe.each(casesFor(kind, CASES, 3))(`${kind} split steps, KS=%i B=%i H=%i D=%i T=%i`, (splitK, B, H, D, T) => {
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    test('forward and backward passes match the twins, a split launch a step each way', async () => {
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 700 + H);
      const { launches } = await expectSequenceMatchesTwin(kind, dims, inp, grad, { variant: 'split', splitK });
      expect([launches.get(fwd), launches.get(bwd)]).toEqual([T, T]);
    });
    test('the inference forward matches the twin', async () => {
      const { inp } = randomCase(kind, dims, mixedLengths(B, T), 800 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'split', splitK });
      expect(launches.get(fwd)).toBe(T);
    });
  });
}
