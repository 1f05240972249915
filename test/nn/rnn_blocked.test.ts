// Whole layers (forward + BPTT through the graph) on the shapes that take the register-blocked
// step kernels (batch ≥ 4, H % 8 == 0) and the blocked matmul, against the float64 reference model.
import { describe, expect, test } from 'vitest';
import { counters, init } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { CELLS } from '../../src/kernels/cells/index.js';
import { blockedStepsPossible, wholeSequenceLaunch } from '../../src/kernels/cells/launch.js';
import { checkLayerAgainstReference, layerCaseName, type LayerCase } from '../util/layer_check.js';

await init();

const base = { layers: 1, bidirectional: false, bias: true, batchFirst: false, T: 5, B: 9, I: 6, H: 16, h0: true };
const CASES: LayerCase[] = [
  { ...base, mode: 'lstm' },
  { ...base, mode: 'lstm', layers: 2, bidirectional: true, B: 8, H: 8, T: 4, lengths: [4, 1, 3, 4, 2, 4, 4, 1] },
  { ...base, mode: 'lstm', bidirectional: true, batchFirst: true, B: 5, H: 24, T: 3, lengths: [3, 1, 2, 3, 3], h0: false },
  { ...base, mode: 'lstm', bias: false, B: 17, H: 40, T: 2 },
  { ...base, mode: 'gru', bidirectional: true, lengths: [5, 2, 1, 5, 3, 4, 5, 5, 2] },
  { ...base, mode: 'gru_reset_before', layers: 2, bidirectional: true, B: 8, H: 8, T: 4, lengths: [4, 1, 3, 4, 2, 4, 4, 1] },
  { ...base, mode: 'rnn_tanh', layers: 2 },
];

describe.each(CASES.map((c) => [layerCaseName(c), c] as const))('%s', (_n, c) => {
  test('forward and every gradient match the float64 reference', async () => {
    await checkLayerAgainstReference(c, () => {
      const cell = CELLS[c.mode];
      if (cell.forward.blocked && blockedStepsPossible(gpu(), c.H)) {
        // One launch a step and phase, or one a layer where a workgroup holds a whole row block.
        const launches = (units: number, phases: number) =>
          c.layers * (wholeSequenceLaunch(gpu(), c.H / units, { batch: c.B, hidden: c.H, dirs: c.bidirectional ? 2 : 1 }, cell.gates) ? 1 : c.T * phases);
        for (const pass of [cell.forward, cell.backward]) {
          expect(counters().byKernel.get(pass.blocked!.kernel.name)).toBe(launches(pass.blocked!.units, pass.phases.length));
        }
      }
    });
  });
});
