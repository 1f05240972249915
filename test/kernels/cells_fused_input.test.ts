// The fused-input step (src/kernels/cells/fused_input.ts): one inference step of one direction
// whose simple (or split) kernels compute the input projection themselves from x, W_ih and the biases
// (step_input_fused.wgsl) instead of reading xproj. Every cell kind against the float64 twins given
// the projection those inputs make: batch 1, H odd and past one workgroup of 64 units, I of 1 and
// odd; every output starts as NaN. Then the graph op: it fuses exactly where fusedInputPossible
// says, one launch a phase and no matmul, with the results of the unfused path. An adapter whose
// storage-binding limit cannot take the three extra buffers skips the fused launches.
import { describe, expect, test } from 'vitest';
import { counters, init, noGrad, resetCounters, tensor, tidy, zeros, type Tensor } from 'webrnn';
import { gpu, withTuning } from '../../src/gpu/device.js';
import { rnnSequence } from '../../src/graph/rnn.js';
import { CELLS, encodeSequence, fusedInputPossible } from '../../src/kernels/cells/index.js';
import { blockedStepsPossible } from '../../src/kernels/cells/launch.js';
import { casesFor, expectInferenceMatchesTwin, fusedProjection, KINDS, randomCase } from '../util/cell_sequence.js';
import { firstMismatch } from '../util/allclose.js';
import { uniform } from '../util/rng.js';

await init();

// B, H, I
const CASES: [number, number, number][] = [[1, 5, 1], [3, 70, 13], [1, 129, 6]];

/** Whether this adapter takes `kind`'s fused kernels (its storage-binding limit). */
const fits = (kind: keyof typeof CELLS) => fusedInputPossible(gpu(), CELLS[kind], { batch: 1, hidden: 8, steps: 1, dirs: 1 });

for (const kind of KINDS) {
  const cell = CELLS[kind];
  describe.skipIf(!fits(kind)).each(casesFor(kind, CASES, 3))(`${kind} fused-input step B=%i H=%i I=%i`, (B, H, I) => {
    test('matches the twin on the projection of x, W_ih and the biases', async () => {
      const dims = { batch: B, hidden: H, steps: 1, dirs: 1 };
      const { inp } = randomCase(kind, dims, new Array(B).fill(1), 900 + H);
      const { fused, xproj, b_hh } = fusedProjection(kind, B, H, I, 950 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, { ...inp, xproj, ...(b_hh ? { b_hh } : {}) }, { variant: 'simple', fusedInput: fused });
      for (const k of cell.forward.phases) expect(launches.get(`${k.name}_fused_input`)).toBe(1);
      expect([...launches.keys()].filter((n) => !n.endsWith('_fused_input'))).toEqual([]);
    });
    test.skipIf(!cell.forward.split)('split across 8 invocations a unit, matches the twin too', async () => {
      const dims = { batch: B, hidden: H, steps: 1, dirs: 1 };
      const { inp } = randomCase(kind, dims, new Array(B).fill(1), 960 + H);
      const { fused, xproj, b_hh } = fusedProjection(kind, B, H, I, 970 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, { ...inp, xproj, ...(b_hh ? { b_hh } : {}) }, { variant: 'split', splitK: 8, fusedInput: fused });
      expect([...launches]).toEqual([[`${cell.forward.split!.name}_fused_input`, 1]]);
    });
  });
}

/** One layer step through the graph op under noGrad: its outputs and the kernels it launched. */
async function layerStep(kind: keyof typeof CELLS, B: number, H: number, I: number, fused: boolean) {
  const G = CELLS[kind].gates;
  const k = 1 / Math.sqrt(H);
  return withTuning(gpu(), { fusedInput: fused }, async () => {
    const t = (n: number, shape: number[], seed: number, s = 1): Tensor => tensor(Float32Array.from(uniform(n, seed, -s, s)), shape);
    const out = noGrad(() => tidy(() => {
      const weights = [{ w_ih: t(G * H * I, [G * H, I], 1, k), w_hh: t(G * H * H, [G * H, H], 2, k), b_ih: t(G * H, [G * H], 3, k), b_hh: t(G * H, [G * H], 4, k) }];
      const c0 = CELLS[kind].cellState ? t(B * H, [1, B, H], 7) : null;
      resetCounters();
      const r = rnnSequence(kind, { x: t(B * I, [1, B, I], 5), lengths: tensor(new Int32Array(B).fill(1), [B]), h0: t(B * H, [1, B, H], 6), c0, weights }, H);
      return [r.y, r.hN, ...(r.cN ? [r.cN] : [])];
    }));
    const launches = new Map(counters().byKernel);
    const values = await Promise.all(out.map(async (o) => (await o.data()) as Float32Array));
    for (const o of out) o.dispose();
    return { values, launches };
  });
}

describe('the sequence op', () => {
  test.each(['lstm', 'gru', 'gru_reset_before', 'rnn_relu'] as const)('%s: one step of batch 1 fuses where the adapter can, with the unfused results', async (kind) => {
    const fused = await layerStep(kind, 1, 37, 11, true);
    const plain = await layerStep(kind, 1, 37, 11, false);
    const names = [...fused.launches.keys()];
    if (fits(kind)) expect(names.sort()).toEqual(CELLS[kind].forward.phases.map((p) => `${p.name}_fused_input`).sort());
    else expect(names).toContain('matmul');
    expect([...plain.launches.keys()]).toContain('matmul');
    fused.values.forEach((v, i) => expect(firstMismatch(v, plain.values[i]!, { rtol: 1e-5, atol: 1e-6 }), `output ${i}`).toBeNull());
  });

  test('fusedInputPossible: one step, one direction, the simple kernels, the binding limit, the tuning switch', async () => {
    const g = gpu();
    const dims = { batch: 1, hidden: 16, steps: 1, dirs: 1 };
    // The LSTM's step binds 7 storage buffers; fused, 10.
    expect(fusedInputPossible(g, CELLS.lstm, dims)).toBe(g.limits.maxStorageBuffersPerShaderStage >= 10);
    if (!fits('lstm')) return;
    expect(fusedInputPossible(g, CELLS.lstm, { ...dims, steps: 2 })).toBe(false);
    expect(fusedInputPossible(g, CELLS.lstm, { ...dims, dirs: 2 })).toBe(false);
    // The blocked kernels are taken only where the adapter can run them.
    await withTuning(g, { stepVariant: 'blocked' }, () => expect(fusedInputPossible(g, CELLS.lstm, dims)).toBe(!blockedStepsPossible(g, dims.hidden)));
    await withTuning(g, { fusedInput: false }, () => expect(fusedInputPossible(g, CELLS.lstm, dims)).toBe(false));
  });

  test.skipIf(!fits('lstm'))('a launch given W_ih in place of xproj refuses more than one step', () => tidy(() => {
    const dims = { batch: 1, hidden: 2, steps: 2, dirs: 1 };
    const t = {
      in_x: zeros([1, 3]), in_w: zeros([8, 3]), in_b_ih: zeros([8]), in_b_hh: zeros([8]), w_hh: zeros([1, 8, 2]), lengths: zeros([1], { dtype: 'int32' }),
      h_state: zeros([1, 2, 1, 2]), c_state: zeros([1, 2, 1, 2]), gates: zeros([1, 2, 1, 8]), y: zeros([2, 1, 2]),
    };
    expect(() => encodeSequence(CELLS.lstm, 'forward', t, dims, true)).toThrow(/webrnn: lstm steps: W_ih in place of xproj needs one inference forward step of one direction/);
  }));
});
