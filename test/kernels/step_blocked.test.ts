// The register-blocked LSTM and GRU step kernels (*_step_*_blocked.wgsl) vs the same float64 twins as the simple
// ones, forced on, over shapes around their blocking: RB = 32 batch rows an invocation, H in
// blocks of 8, workgroups of 8 .. 64 units (forward) or unit quads (backward) fitted to H.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { encodeGruBackward, encodeGruForward } from '../../src/kernels/gru.js';
import { encodeLstmBackward, encodeLstmForward } from '../../src/kernels/lstm.js';
import { blockedOverrides, blockedStepsPossible, forceBlockRows, forceStepVariant, wholeSequenceLaunch } from '../../src/kernels/rnn.js';
import type { Gpu } from '../../src/gpu/device.js';
import { backwardSequenceRef, cellSizes, forwardSequenceRef } from '../../src/reference/cells.js';
import { firstMismatch, reductionTol } from '../util/allclose.js';
import { allFinite, expectSequenceMatchesTwin, mixedLengths, randomCase, saturate } from '../util/cell_sequence.js';

await init();
// Adapters without subgroups of ≥ 8 lanes never run the blocked kernels.
const possible = blockedStepsPossible(gpu(), 8);
beforeAll(() => forceStepVariant('blocked'));
afterAll(() => forceStepVariant(null));

// Forward outputs are sums of H products; backward ones of up to 4H (the recurrent gradient).
const tolFor = (H: number) => ({ forward: reductionTol(H), backward: reductionTol(4 * H) });

// B: small blocks, at and past one row block of 32, and past two; H: one block of 8, odd block counts,
// workgroups narrower than 64, past one forward workgroup (64 units) and past one backward
// workgroup (64 quads = 256 units).
const CASES: [number, number, number, number][] = [
  [4, 8, 1, 3], [7, 16, 2, 4], [8, 40, 1, 1], [9, 72, 2, 3], [17, 136, 1, 2], [3, 8, 2, 5], [5, 264, 1, 2],
  [32, 16, 1, 2], [33, 24, 2, 2], [65, 8, 1, 3],
];

// Each case with 8 and with 32 rows an invocation (the launcher's choice depends on the host's
// CPUs), and 16 where the batch spans more than one block of 16.
const ROWS_CASES = [8, 32].flatMap((rows) => CASES.map((c) => [rows, ...c] as const))
  .concat(CASES.filter(([B]) => B > 16).map((c) => [16, ...c] as const));

for (const cell of ['lstm', 'gru'] as const) {
  describe.skipIf(!possible).each(ROWS_CASES)(`${cell} blocked steps, %i rows an invocation, B=%i H=%i D=%i T=%i`, (rows, B, H, D, T) => {
    beforeAll(() => forceBlockRows(rows));
    afterAll(() => forceBlockRows(null));
    test('forward and backward loops match the twins', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(cell, dims, mixedLengths(B, T), 500 + H);
      resetCounters();
      await expectSequenceMatchesTwin(cell, dims, inp, grad, tolFor(H));
      expect(counters().byKernel.get(`${cell}_step_forward_blocked`)).toBe(T);
      expect(counters().byKernel.get(`${cell}_step_backward_blocked`)).toBe(T);
    });
  });
}

describe.skipIf(!possible).each(['lstm', 'gru'] as const)('%s blocked steps, edge cases', (cell) => {
  const dims = { batch: 9, hidden: 16, steps: 4, dirs: 2 };
  const lengths = [2, 4, 1, 3, 4, 4, 1, 2, 3];
  const G = cell === 'lstm' ? 4 : 3;

  test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
    const { inp, grad } = randomCase(cell, dims, lengths, 8);
    const got = await expectSequenceMatchesTwin(cell, dims, saturate(inp, scale), grad, tolFor(16));
    expect(allFinite(got.h_state, got.c_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dc_carry)).toBe(true);
  });

  test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
    const { inp, grad } = randomCase(cell, dims, lengths, 9);
    const x = Float64Array.from(inp.xproj);
    const row = 2 * G * 16; // one time step and batch row: D·G·H values
    x[(1 * 9 + 1) * row + 2] = NaN; // t = 1, b = 1, forward direction
    x[(0 * 9 + 8) * row + G * 16 + 7] = Infinity; // t = 0, b = 8, reverse direction
    x[(0 * 9 + 3) * row + 13] = -Infinity; // t = 0, b = 3, forward direction
    const got = await expectSequenceMatchesTwin(cell, dims, { ...inp, xproj: x }, grad, tolFor(16));
    expect(got.y.some(Number.isNaN)).toBe(true);
    // y is [T, B, D·H]: rows other than b = 1 stay finite (a NaN must not leak into other rows' sums).
    expect(allFinite(got.y.filter((_, i) => Math.floor(i / 32) % 9 !== 1))).toBe(true);
  });
});

// All T steps in one launch (CPU adapters, where a workgroup holds all units of its rows): the
// sequence-level encoders against the twins. Buffers the kernels must write start as NaN.
describe.skipIf(!possible).each([
  ['lstm', 9, 16, 2, 5], ['lstm', 4, 136, 1, 3], ['gru', 8, 24, 2, 4], ['gru', 5, 8, 1, 1], ['lstm', 70, 8, 1, 3], ['gru', 70, 8, 1, 3],
] as const)('%s whole-sequence launch B=%i H=%i D=%i T=%i', (cell, B, H, D, T) => {
  const G = cell === 'lstm' ? 4 : 3;
  test.skipIf(!wholeSequenceLaunch(gpu(), H, { batch: B, hidden: H, dirs: D }, G))('forward and backward match the twins in one launch each', async () => {
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    const { inp, grad } = randomCase(cell, dims, mixedLengths(B, T), 900 + H);
    const n = cellSizes(cell, dims);
    const nan = (len: number, shape: number[]) => tensor(new Float32Array(len).fill(NaN), shape);
    const state0 = (v: ArrayLike<number>) => {
      const a = new Float32Array(n.state).fill(NaN);
      for (let d = 0; d < D; d++) a.set(Float32Array.from(v).subarray(d * B * H, (d + 1) * B * H), d * (T + 1) * B * H);
      return tensor(a, [D, T + 1, B, H]);
    };
    const t = {
      xproj: tensor(Float32Array.from(inp.xproj), [T, B, D * G * H]), w_hh: tensor(Float32Array.from(inp.w_hh), [D, G * H, H]),
      b_hh: tensor(Float32Array.from(inp.b_hh ?? new Float32Array(n.b_hh)), [D, G * H]),
      lengths: tensor(Int32Array.from(inp.lengths), [B]), h_state: state0(inp.h0),
      c_state: state0(inp.c0 ?? new Float32Array(n.carry)), gates: nan(n.gates, [D, T, B, 4 * H]), y: nan(n.y, [T, B, D * H]),
      dy: tensor(Float32Array.from(grad.dy), [T, B, D * H]), dh_carry: tensor(Float32Array.from(grad.dhN), [D, B, H]),
      dc_carry: tensor(Float32Array.from(grad.dcN ?? new Float32Array(n.carry)), [D, B, H]),
      dgates_hh: nan(n.dgates_hh, [D, T, B, G * H]), dxproj: nan(n.xproj, [T, B, D * G * H]),
    };
    resetCounters();
    if (cell === 'lstm') {
      encodeLstmForward(t, dims);
      encodeLstmBackward(t, dims);
    } else {
      encodeGruForward(t, dims);
      encodeGruBackward(t, dims);
    }
    expect(counters().byKernel.get(`${cell}_step_forward_blocked`)).toBe(1);
    expect(counters().byKernel.get(`${cell}_step_backward_blocked`)).toBe(1);
    const read = async (x: Tensor) => (await x.data()) as Float32Array;
    const got = {
      h_state: await read(t.h_state), c_state: cell === 'lstm' ? await read(t.c_state) : null, gates: await read(t.gates),
      y: await read(t.y), dgates_hh: await read(t.dgates_hh), dxproj: await read(t.dxproj),
      dh_carry: await read(t.dh_carry), dc_carry: cell === 'lstm' ? await read(t.dc_carry) : null,
    };
    const fwd = forwardSequenceRef(cell, dims, inp);
    const bwd = backwardSequenceRef(cell, dims, inp, got, grad);
    const tol = tolFor(H);
    for (const [name, g, w, tl] of [
      ['h_state', got.h_state, fwd.h_state, tol.forward], ['c_state', got.c_state, fwd.c_state, tol.forward],
      ['gates', got.gates, fwd.gates, tol.forward], ['y', got.y, fwd.y, tol.forward],
      ['dgates_hh', got.dgates_hh, bwd.dgates_hh, tol.backward], ['dxproj', got.dxproj, bwd.dxproj, tol.backward],
      ['dh_carry', got.dh_carry, bwd.dh_carry, tol.backward], ['dc_carry', got.dc_carry, bwd.dc_carry, tol.backward],
    ] as const) {
      if (g && w) expect(firstMismatch(g, w, tl), `${cell} ${name}`).toBeNull();
    }
    for (const x of Object.values(t)) x.dispose();
  });
});

// The launch plan on a software adapter with 2 CPU threads and on a GPU (no device needed).
describe('blocked launch plan', () => {
  const fake = (isSoftware: boolean, hostThreads: number) => ({
    info: { isSoftware }, hostThreads, limits: { maxComputeWorkgroupSizeX: 256, maxComputeInvocationsPerWorkgroup: 256 },
  }) as unknown as Gpu;
  const cpu2 = fake(true, 2);
  test.each([
    // [batch, n, dirs, whole, WG_X, ROWS]
    [64, 128, 1, false, 64, 32], [32, 256, 1, false, 64, 32], [16, 64, 1, false, 64, 8], [32, 16, 1, false, 16, 16],
    [64, 128, 1, true, 128, 32], [32, 128, 2, true, 128, 32], [32, 128, 1, true, 128, 16], [4, 16, 1, true, 16, 8],
  ] as const)('B=%i n=%i D=%i whole=%s: WG_X %i, %i rows', (batch, n, dirs, whole, wgX, rows) => {
    expect(blockedOverrides(cpu2, n, { batch, dirs }, whole)).toEqual({ WG_X: wgX, ROWS: rows });
  });
  test('more CPU threads take fewer rows an invocation; a GPU takes 8', () => {
    expect(blockedOverrides(fake(true, 16), 128, { batch: 64, dirs: 1 }).ROWS).toBe(8);
    expect(blockedOverrides(fake(true, 4), 128, { batch: 32, dirs: 1 }).ROWS).toBe(16);
    expect(blockedOverrides(fake(false, 2), 128, { batch: 64, dirs: 1 }).ROWS).toBe(8);
  });
  test('one launch a sequence: small steps, or enough 16-row blocks for every thread', () => {
    const at = (g: Gpu, batch: number, hidden: number, dirs: number) => wholeSequenceLaunch(g, hidden, { batch, hidden, dirs }, 4);
    expect(at(cpu2, 64, 16, 1)).toBe(true); // W3: 2·B·4H·H = 131k FLOP a step
    expect(at(cpu2, 64, 128, 1)).toBe(true); // W1: 8.4 MFLOP, 2 blocks of 32 rows
    expect(at(cpu2, 32, 256, 1)).toBe(true); // W2: two blocks of 16 rows
    expect(at(cpu2, 16, 256, 1)).toBe(false); // W5: one block for two threads
    expect(at(cpu2, 16, 256, 2)).toBe(true); // ... unless both directions run
    expect(at(fake(true, 8), 64, 128, 1)).toBe(false);
    expect(at(fake(false, 2), 64, 16, 1)).toBe(false); // GPUs launch a step at a time
    expect(at(cpu2, 64, 512, 1)).toBe(false); // 512 invocations do not fit a workgroup
  });
});
