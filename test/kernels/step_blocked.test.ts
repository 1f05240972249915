// The register-blocked step kernels (*_step_*_blocked.wgsl) vs the same float64 twins as the simple
// ones, forced on, over shapes around their blocking: RB = 8 batch rows an invocation, H in
// blocks of 8, 64 (forward) / 32 quads (backward) invocations a workgroup.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { blockedStepsPossible, forceStepVariant } from '../../src/kernels/rnn.js';
import { reductionTol } from '../util/allclose.js';
import { allFinite, expectSequenceMatchesTwin, mixedLengths, randomCase, saturate } from '../util/cell_sequence.js';

let possible = false;
beforeAll(async () => {
  await init();
  possible = blockedStepsPossible(gpu(), 8);
  forceStepVariant('blocked');
});
afterAll(() => forceStepVariant(null));

const tolFor = (H: number) => ({ forward: reductionTol(H), backward: reductionTol(4 * H) });

// B: below, at and past one row block of 8, and past two; H: one block of 8, odd block counts,
// past one forward workgroup (64 units) and past one backward workgroup (32 quads = 128 units).
const CASES: [number, number, number, number][] = [
  [4, 8, 1, 3], [7, 16, 2, 4], [8, 40, 1, 1], [9, 72, 2, 3], [17, 136, 1, 2], [3, 8, 2, 5],
];

describe.each(CASES)('lstm blocked steps B=%i H=%i D=%i T=%i', (B, H, D, T) => {
  test('forward and backward loops match the twins', async (ctx) => {
    if (!possible) ctx.skip(); // no subgroups of ≥ 8 lanes on this adapter
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    const { inp, grad } = randomCase('lstm', dims, mixedLengths(B, T), 500 + H);
    resetCounters();
    await expectSequenceMatchesTwin('lstm', dims, inp, grad, tolFor(H));
    expect(counters().byKernel.get('lstm_step_forward_blocked')).toBe(T);
    expect(counters().byKernel.get('lstm_step_backward_blocked')).toBe(T);
  });
});

describe('lstm blocked steps, edge cases', () => {
  const dims = { batch: 9, hidden: 16, steps: 4, dirs: 2 };
  const lengths = [2, 4, 1, 3, 4, 4, 1, 2, 3];

  test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale, ctx) => {
    if (!possible) ctx.skip();
    const { inp, grad } = randomCase('lstm', dims, lengths, 8);
    const got = await expectSequenceMatchesTwin('lstm', dims, saturate(inp, scale), grad, tolFor(16));
    expect(allFinite(got.h_state, got.c_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dc_carry)).toBe(true);
  });

  test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async (ctx) => {
    if (!possible) ctx.skip();
    const { inp, grad } = randomCase('lstm', dims, lengths, 9);
    const x = Float64Array.from(inp.xproj);
    const row = 2 * 4 * 16; // one time step and batch row: D·4H values
    x[(1 * 9 + 1) * row + 2] = NaN; // t = 1, b = 1, forward direction
    x[(0 * 9 + 8) * row + 64 + 7] = Infinity; // t = 0, b = 8, reverse direction
    x[(0 * 9 + 3) * row + 13] = -Infinity; // t = 0, b = 3, forward direction
    const got = await expectSequenceMatchesTwin('lstm', dims, { ...inp, xproj: x }, grad, tolFor(16));
    expect(got.y.some(Number.isNaN)).toBe(true);
    // y is [T, B, D·H]: rows other than b = 1 stay finite (a NaN must not leak into other rows' sums).
    expect(allFinite(got.y.filter((_, i) => Math.floor(i / 32) % 9 !== 1))).toBe(true);
  });
});
