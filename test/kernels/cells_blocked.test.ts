// The register-blocked step kernels (shaders/*_step_*_blocked.wgsl) of every cell kind that has
// them vs the same float64 twins as the simple ones, forced on through the device's tuning, over
// shapes around their blocking: up to 32 batch rows an invocation, H in blocks of 8, workgroups of
// 8 .. 64 units (forward) or unit quads (backward) fitted to H; a launch a step, or one for all
// steps; broadcasts across 8 lanes or 4 (SwiftShader's subgroups; forced on 8-lane adapters too).
import { describe, expect, test } from 'vitest';
import { init } from 'webrnn';
import type { Gpu } from '../../src/gpu/device.js';
import { gpu } from '../../src/gpu/device.js';
import { CELLS } from '../../src/kernels/cells/index.js';
import { blockedOverrides, blockedStepsPossible, wholeSequenceLaunch, type BlockRows } from '../../src/kernels/cells/launch.js';
import { nanSurvivesExpLog } from '../util/adapter.js';
import { allFinite, casesFor, expectSequenceMatchesTwin, KINDS, mixedLengths, randomCase, saturate } from '../util/cell_sequence.js';

await init();
const nanExp = await nanSurvivesExpLog();
// Adapters without subgroups of ≥ 4 lanes never run the blocked kernels.
const possible = blockedStepsPossible(gpu(), 8);
const BLOCKED = KINDS.filter((k) => CELLS[k].forward.blocked);

// B: small blocks, at and past one row block of 32, and past two; H: one block of 8, odd block counts,
// workgroups narrower than 64, past one forward workgroup (64 units) and past one backward
// workgroup (64 quads = 256 units).
const CASES: [number, number, number, number][] = [
  [4, 8, 1, 3], [7, 16, 2, 4], [8, 40, 1, 1], [9, 72, 2, 3], [17, 136, 1, 2], [3, 8, 2, 5], [5, 264, 1, 2],
  [32, 16, 1, 2], [33, 24, 2, 2], [65, 8, 1, 3],
];
// Each case with 8 and with 32 rows an invocation (the launcher's choice depends on the host's
// CPUs), and 16 where the batch spans more than one block of 16; a few with 1 and 2 rows (a tuning
// for GPUs: more workgroups for a small batch), with a last block of 1 row where B is odd.
type Rows = BlockRows;
const ROWS_CASES = ([8, 32] as Rows[]).flatMap((rows) => CASES.map((c) => [rows, ...c] as const))
  .concat(CASES.filter(([B]) => B > 16).map((c) => [16 as Rows, ...c] as const))
  .concat([[2, 7, 16, 2, 4], [2, 5, 264, 1, 2], [1, 3, 8, 2, 5]] as const);
// All T steps in one launch (a workgroup holds every unit of its rows).
const WHOLE_CASES: [number, number, number, number][] = [[9, 16, 2, 5], [4, 136, 1, 3], [8, 24, 2, 4], [5, 8, 1, 1], [70, 8, 1, 3]];
// Broadcasts across 4 lanes: a launch a step (8 and 32 rows) and one for all steps.
const LANES4_CASES: [Rows, number, number, number, number][] = [[8, 7, 16, 2, 4], [32, 33, 24, 2, 2], [8, 17, 136, 1, 2], [32, 5, 264, 1, 2]];
const LANES4_WHOLE: [number, number, number, number][] = [[9, 16, 2, 5], [4, 136, 1, 3]];

for (const kind of BLOCKED) {
  const cell = CELLS[kind];
  const [fwd, bwd] = [cell.forward, cell.backward].map((p) => p.blocked!.kernel.name);
  describe.skipIf(!possible).each(casesFor(kind, ROWS_CASES, 6))(`${kind} blocked steps, %i rows an invocation, B=%i H=%i D=%i T=%i`, (rows, B, H, D, T) => {
    test('forward and backward passes match the twins, a launch a step and phase', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 500 + H);
      const { launches } = await expectSequenceMatchesTwin(kind, dims, inp, grad, { variant: 'blocked', rows, wholeSequence: false });
      expect(launches.get(fwd)).toBe(T * cell.forward.phases.length);
      expect(launches.get(bwd)).toBe(T * cell.backward.phases.length);
    });
  });

  describe.skipIf(!possible).each(casesFor(kind, WHOLE_CASES, 5))(`${kind} whole-sequence launch B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test.skipIf(!wholeSequenceLaunch(gpu(), H, { batch: B, hidden: H, dirs: D }, cell.gates))('forward and backward match the twins in one launch each', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 900 + H);
      const { launches } = await expectSequenceMatchesTwin(kind, dims, inp, grad, { variant: 'blocked', wholeSequence: true });
      expect(launches.get(fwd)).toBe(1);
      expect(launches.get(bwd)).toBe(1);
    });
  });

  describe.skipIf(!possible).each(casesFor(kind, LANES4_CASES, 2))(`${kind} blocked steps on 4 lanes, %i rows an invocation, B=%i H=%i D=%i T=%i`, (rows, B, H, D, T) => {
    test('forward and backward passes match the twins', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 700 + H);
      const { launches } = await expectSequenceMatchesTwin(kind, dims, inp, grad, { variant: 'blocked', rows, wholeSequence: false, lanes: 4 });
      expect(launches.get(fwd)).toBe(T * cell.forward.phases.length);
    });
  });

  describe.skipIf(!possible).each(casesFor(kind, LANES4_WHOLE, 2))(`${kind} whole-sequence launch on 4 lanes B=%i H=%i D=%i T=%i`, (B, H, D, T) => {
    test('forward and backward match the twins in one launch each', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp, grad } = randomCase(kind, dims, mixedLengths(B, T), 1100 + H);
      const { launches } = await expectSequenceMatchesTwin(kind, dims, inp, grad, { variant: 'blocked', wholeSequence: true, lanes: 4 });
      expect(launches.get(fwd)).toBe(1);
      expect(launches.get(bwd)).toBe(1);
    });
  });

  describe.skipIf(!possible)(`${kind} blocked steps, edge cases`, () => {
    const dims = { batch: 9, hidden: 16, steps: 4, dirs: 2 };
    const lengths = [2, 4, 1, 3, 4, 4, 1, 2, 3];
    const GH = cell.gates * 16;
    test.each([100, 1e4])('saturated gates (|preact| = %d) stay finite and match the twin', async (scale) => {
      const { inp, grad } = randomCase(kind, dims, lengths, 8);
      const { got } = await expectSequenceMatchesTwin(kind, dims, saturate(inp, scale), grad, { variant: 'blocked' });
      expect(allFinite(got.h_state, got.c_state, got.gates, got.y, got.dgates_hh, got.dxproj, got.dc_carry)).toBe(true);
    });

    test('NaN and ±Inf in xproj propagate like the twin, and only within their batch row', async () => {
      const { inp, grad } = randomCase(kind, dims, lengths, 9);
      const x = Float64Array.from(inp.xproj);
      const row = 2 * GH; // one time step and batch row: D·G·H values
      // exp(NaN) is the adapter's own (test/util/adapter.ts): SwiftShader's gives +Inf.
      if (nanExp) x[(1 * 9 + 1) * row + 2] = NaN; // t = 1, b = 1, forward direction
      x[(0 * 9 + 8) * row + GH + 7] = Infinity; // t = 0, b = 8, reverse direction
      x[(0 * 9 + 3) * row + 13] = -Infinity; // t = 0, b = 3, forward direction
      const { got } = await expectSequenceMatchesTwin(kind, dims, { ...inp, xproj: x }, grad, { variant: 'blocked' });
      if (nanExp) expect(got.y.some(Number.isNaN)).toBe(true);
      // y is [T, B, D·H]: rows other than b = 1 stay finite (a NaN must not leak into other rows' sums).
      expect(allFinite(got.y.filter((_, i) => Math.floor(i / 32) % 9 !== 1))).toBe(true);
    });
  });
}

// The launch plan on a software adapter with 2 CPU threads and on a GPU (no device needed).
describe('blocked launch plan', () => {
  const fake = (isSoftware: boolean, hostThreads: number, subgroupMinSize = 8) => ({
    info: { isSoftware }, hostThreads, tuning: {}, adapter: { info: { subgroupMinSize } }, features: { subgroups: true }, limits: { maxComputeWorkgroupSizeX: 256, maxComputeInvocationsPerWorkgroup: 256 },
  }) as unknown as Gpu;
  const cpu2 = fake(true, 2);
  test.each([
    // [batch, n, dirs, launch, WG_X, ROWS]
    [64, 128, 1, 'step', 64, 32], [32, 256, 1, 'step', 64, 32], [16, 64, 1, 'step', 64, 8], [32, 16, 1, 'step', 16, 16],
    [64, 128, 1, 'sequence', 128, 32], [32, 128, 2, 'sequence', 128, 32], [32, 128, 1, 'sequence', 128, 16], [4, 16, 1, 'sequence', 16, 8],
  ] as const)('B=%i n=%i D=%i a %s: WG_X %i, %i rows', (batch, n, dirs, launch, wgX, rows) => {
    expect(blockedOverrides(cpu2, n, { batch, dirs }, launch)).toEqual({ WG_X: wgX, ROWS: rows, LANES: 8 });
  });
  test('subgroups of 4 lanes (SwiftShader) broadcast across 4; smaller ones cannot run the kernels', () => {
    expect(blockedOverrides(fake(true, 2, 4), 128, { batch: 64, dirs: 1 }, 'step').LANES).toBe(4);
    expect(blockedStepsPossible(fake(true, 2, 4), 128)).toBe(true);
    expect(blockedStepsPossible(fake(true, 2, 2), 128)).toBe(false);
    expect(blockedStepsPossible(fake(true, 2, 8), 132)).toBe(false); // H not a multiple of 8
  });
  test('more CPU threads take fewer rows an invocation; a GPU takes 8', () => {
    expect(blockedOverrides(fake(true, 16), 128, { batch: 64, dirs: 1 }, 'step').ROWS).toBe(8);
    expect(blockedOverrides(fake(true, 4), 128, { batch: 32, dirs: 1 }, 'step').ROWS).toBe(16);
    expect(blockedOverrides(fake(false, 2), 128, { batch: 64, dirs: 1 }, 'step').ROWS).toBe(8);
  });
  test('one launch a sequence: small steps, or enough 16-row blocks for every thread', () => {
    const at = (g: Gpu, batch: number, hidden: number, dirs: number) => wholeSequenceLaunch(g, hidden, { batch, hidden, dirs }, 4);
    expect(at(cpu2, 64, 16, 1)).toBe(true); // 2·B·4H·H = 131k FLOP a step
    expect(at(cpu2, 64, 128, 1)).toBe(true); // 8.4 MFLOP, 2 blocks of 32 rows
    expect(at(cpu2, 32, 256, 1)).toBe(true); // two blocks of 16 rows
    expect(at(cpu2, 16, 256, 1)).toBe(false); // one block for two threads
    expect(at(cpu2, 16, 256, 2)).toBe(true); // ... unless both directions run
    expect(at(fake(true, 8), 64, 128, 1)).toBe(false);
    expect(at(fake(false, 2), 64, 16, 1)).toBe(false); // GPUs launch a step at a time
    expect(at(cpu2, 64, 512, 1)).toBe(false); // 512 invocations do not fit a workgroup
  });
});
