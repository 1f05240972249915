// Drives the reset-before GRU's step kernels over a whole sequence on the GPU (forward, then
// backward, through the cells' launcher under a forced schedule) and compares every buffer the
// kernels write with the float64 twins: the forward from the same inputs, the backward from the
// GPU's own saved forward. Every buffer a kernel must write starts as NaN (padding included).
// Until the kind is registered (CellKind, CELLS, TWINS), its spec and twin carry a provisional kind
// here; test/util/cell_sequence.ts then covers it like every other cell.
import { expect } from 'vitest';
import { counters, resetCounters, tensor, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { gruResetBefore } from '../../src/kernels/gru_reset_before.js';
import { encodeSequence } from '../../src/kernels/cells/launch.js';
import type { CellSpec, SequenceDims } from '../../src/kernels/cells/spec.js';
import { gruResetBeforeTwin } from '../../src/reference/gru_reset_before.js';
import { backwardSequenceRef, cellSizes, forwardSequenceRef, type CellTwin, type SequenceInputs } from '../../src/reference/cells/index.js';
import { firstMismatch, reductionTol } from './allclose.js';
import { randomCase, type Grads, type Schedule } from './cell_sequence.js';

export const cell = { ...gruResetBefore, kind: 'gru_reset_before' } as unknown as CellSpec;
export const twin: CellTwin = { ...gruResetBeforeTwin, spec: cell };

/** Float32-representable inputs and output gradients (the GRU's, without b_hh: it folds into xproj). */
export function randomResetBeforeCase(dims: SequenceDims, lengths: number[], seed: number): { inp: SequenceInputs; grad: Grads } {
  const { inp, grad } = randomCase('gru', dims, lengths, seed);
  return { inp: { xproj: inp.xproj, w_hh: inp.w_hh, lengths: inp.lengths, h0: inp.h0 }, grad };
}

export type GpuResult = Record<'h_state' | 'gates' | 'y' | 'dgates_hh' | 'dxproj' | 'dh_carry', Float32Array>;

/** Runs the forward and the backward pass on the GPU under `schedule`; returns the buffers and the
 *  launches of each kernel. */
export async function runResetBeforeGpu(
  dims: SequenceDims, inp: SequenceInputs, grad: Grads, schedule: Schedule,
): Promise<{ got: GpuResult; launches: Map<string, number> }> {
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const n = cellSizes(cell, dims);
  const nan = (len: number, shape: number[]) => tensor(new Float32Array(len).fill(NaN), shape);
  const state = new Float32Array(n.state).fill(NaN); // slot 0 = h0, the rest written by the steps
  for (let d = 0; d < D; d++) state.set(Float32Array.from(inp.h0).subarray(d * B * H, (d + 1) * B * H), d * (T + 1) * B * H);
  const t = {
    xproj: tensor(Float32Array.from(inp.xproj), [T, B, D * 3 * H]),
    w_hh: tensor(Float32Array.from(inp.w_hh), [D, 3 * H, H]),
    lengths: tensor(Int32Array.from(inp.lengths), [B]),
    h_state: tensor(state, [D, T + 1, B, H]),
    gates: nan(n.gates, [D, T, B, 4 * H]),
    y: nan(n.y, [T, B, D * H]),
    dy: tensor(Float32Array.from(grad.dy), [T, B, D * H]),
    dh_carry: tensor(Float32Array.from(grad.dhN), [D, B, H]),
    dgates_hh: nan(n.dgates_hh, [D, T, B, 3 * H]),
    dxproj: nan(n.xproj, [T, B, D * 3 * H]),
  };
  const g = gpu();
  const before = { ...g.tuning };
  Object.assign(g.tuning, { stepVariant: schedule.variant, blockRows: schedule.rows, wholeSequence: schedule.wholeSequence });
  try {
    resetCounters();
    encodeSequence(cell, 'forward', t, dims);
    encodeSequence(cell, 'backward', t, dims);
    const launches = new Map(counters().byKernel);
    const read = async (x: Tensor) => (await x.data()) as Float32Array;
    const got = {
      h_state: await read(t.h_state), gates: await read(t.gates), y: await read(t.y),
      dgates_hh: await read(t.dgates_hh), dxproj: await read(t.dxproj), dh_carry: await read(t.dh_carry),
    };
    return { got, launches };
  } finally {
    g.tuning = before;
    for (const x of Object.values(t)) x.dispose();
  }
}

/** Runs the GPU passes and expects every buffer to match the twins. Forward outputs are sums of H
 *  products; backward ones of 2H (the recurrent gradient) and H (du). */
export async function expectResetBeforeMatchesTwin(
  dims: SequenceDims, inp: SequenceInputs, grad: Grads, schedule: Schedule = { variant: 'simple' },
): Promise<{ got: GpuResult; launches: Map<string, number> }> {
  const run = await runResetBeforeGpu(dims, inp, grad, schedule);
  const { got } = run;
  const fwd = forwardSequenceRef(twin, dims, inp);
  const bwd = backwardSequenceRef(twin, dims, inp, { ...got, c_state: null }, grad);
  const [tf, tb] = [reductionTol(dims.hidden), reductionTol(3 * dims.hidden)];
  for (const [name, want, tl] of [
    ['h_state', fwd.h_state, tf], ['gates', fwd.gates, tf], ['y', fwd.y, tf],
    ['dgates_hh', bwd.dgates_hh, tb], ['dxproj', bwd.dxproj, tb], ['dh_carry', bwd.dh_carry, tb],
  ] as const) {
    const m = firstMismatch(got[name], want, tl);
    expect(m, `gru_reset_before ${name}: ${m}`).toBeNull();
  }
  return run;
}
