// f16 weights, f32 arithmetic: to_half.wgsl against its twin bit for bit, and every kernel that
// reads binary16 weights (matmul with a binary16 B, the LSTM and GRU forward steps simple, fused
// token steps, blocked and whole-sequence), in both views (shader-f16 where the adapter has it,
// u32 pairs always), against the float64 twins run on the f16-rounded weights: only the summation
// order differs, so the tolerances are the float32 kernels'. Every output starts as NaN (poisoned pool).
import { afterAll, describe, expect, test } from 'vitest';
import { counters, init, resetCounters, tensor } from 'webrnn';
import { gpu, withTuning } from '../../src/gpu/device.js';
import { CELLS } from '../../src/kernels/cells/index.js';
import { blockedStepsPossible, encodeSequence, wholeSequenceLaunch } from '../../src/kernels/cells/launch.js';
import { halfView, launchToHalf, type HalfView } from '../../src/kernels/half.js';
import { blockedMatmulPossible, launchMatmul, type MatmulVariant } from '../../src/kernels/matmul.js';
import { roundHalf, toHalfRef } from '../../src/reference/half.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { expectAllClose, reductionTol } from '../util/allclose.js';
import { expectInferenceMatchesTwin, fusedProjection, halfStorage, mixedLengths, randomCase, saturate } from '../util/cell_sequence.js';
import { f32, roundF32, uniform } from '../util/rng.js';

await init();
const g = gpu();
const VIEWS: HalfView[] = g.features.shaderF16 ? ['native', 'packed'] : ['packed'];
afterAll(() => {
  delete g.tuning.halfView;
  delete g.tuning.matmulVariant;
});
const MATMULS: [HalfView, MatmulVariant][] = VIEWS.flatMap((v) => (blockedMatmulPossible(g) ? ['simple', 'blocked'] as const : ['simple'] as const).map((m): [HalfView, MatmulVariant] => [v, m]));
const matmulKernel = (view: HalfView, variant: MatmulVariant) => `matmul${variant === 'blocked' ? '_blocked' : ''}_${view === 'native' ? 'half' : 'packed'}_b`;

describe('to_half', () => {
  // Sizes: 1, odd, one word short of / past a block of 8 halves, past one workgroup (256 words).
  test.each([1, 7, 8, 9, 1001])('n = %i matches toHalfRef bit for bit', async (n) => {
    const v = roundF32(uniform(n, n, -3, 3));
    const edges = [0, -0, 65504, 65519.99, 65520, -70000, Infinity, -Infinity, NaN, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-30, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1];
    edges.slice(0, n).forEach((e, i) => (v[i] = Math.fround(e)));
    const x = tensor(f32(v), [n]);
    const bits = launchToHalf(x);
    expect(bits.dtype).toBe('int32');
    const got = new Uint32Array(((await bits.data()) as Int32Array).buffer);
    expect(Array.from(got)).toEqual(Array.from(toHalfRef(v)));
    x.dispose();
    bits.dispose();
  });

  test('refuses a non-float32 input by name', () => {
    const x = tensor(new Int32Array([1, 2]), [2]);
    expect(() => launchToHalf(x)).toThrow(/webrnn: to_half: input Tensor\(int32, \[2\]\) must be float32/);
    x.dispose();
  });
});

describe.each(MATMULS)('matmul with a binary16 B (%s, %s kernel)', (view, variant) => {
  // [M, K, N, transB]: nothing a multiple of the 4×4 tile (or the blocked kernel's 16 rows and
  // K blocks of 8), batch-1 rows, past one workgroup (32 rows / 64 quads of columns), K odd (scalar
  // loads and the tails), K % 4 == 0 (vec4 loads), N < 32 < M (the blocked kernel's swap case).
  const CASES: [number, number, number, boolean][] = [[1, 5, 3, true], [3, 7, 10, true], [37, 28, 130, true], [33, 16, 5, false], [5, 9, 66, false], [40, 12, 7, true], [17, 32, 260, true]];
  test.each(CASES)('M=%i K=%i N=%i transB=%s matches matmulRef on the rounded B', async (m, k, n, transB) => {
    g.tuning.halfView = view;
    g.tuning.matmulVariant = variant;
    const a = roundF32(uniform(m * k, m + k));
    const b = roundF32(uniform(k * n, n + 1));
    const bias = roundF32(uniform(n, 3));
    const ta = tensor(f32(a), [m, k]);
    const tb = tensor(f32(b), transB ? [n, k] : [k, n]);
    const tbias = tensor(f32(bias), [n]);
    const half = launchToHalf(tb);
    resetCounters();
    const out = launchMatmul(ta, tb, { transB, bias: tbias, halfB: half });
    expect(counters().byKernel.get(matmulKernel(view, variant))).toBe(1);
    const want = matmulRef(a, roundHalf(b), { batch: 1, m, n, k, transB }, { bias });
    expectAllClose(await out.data(), want, reductionTol(k));
    for (const t of [ta, tb, tbias, half, out]) t.dispose();
  });

  test('halfB of the wrong size is refused by name', () => {
    g.tuning.halfView = view;
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(12), [4, 3]);
    const wrong = launchToHalf(tensor(new Float32Array(40), [40]));
    expect(() => launchMatmul(a, b, { transB: true, halfB: wrong })).toThrow(/webrnn: matmul: halfB Tensor\(int32, \[20\]\) must be the binary16 storage of 12 values/);
    for (const t of [a, b, wrong]) t.dispose();
  });
});

const lstm = CELLS.lstm;
const blockedOk = blockedStepsPossible(g, 8);
// B, H, D, T: batch 1 and length 1, H past one workgroup of 64 units; H odd (one weight a load)
// and even (pairs: w_pair).
const SIMPLE: [number, number, number, number][] = [[1, 5, 1, 1], [3, 7, 2, 4], [1, 65, 2, 3], [3, 130, 1, 5], [2, 8, 2, 3]];
// Blocked: rows 8 or 32 an invocation, H in blocks of 8 and past one workgroup, B past one block.
const BLOCKED: [8 | 32, number, number, number, number][] = [[8, 9, 72, 2, 3], [32, 33, 24, 1, 4], [8, 4, 8, 1, 1]];
// The cells with f16-weight kernels (each kind's hard-sigmoid twin shares them).
const HALF_KINDS = ['lstm', 'gru'] as const;
const CASES_HALF = HALF_KINDS.flatMap((kind) => VIEWS.map((view): [typeof kind, HalfView] => [kind, view]));

describe.each(CASES_HALF)('%s inference steps with binary16 W_hh (%s)', (kind, view) => {
  const name = (base: string) => `${base}_${view === 'native' ? 'half' : 'packed'}`;
  test.each(SIMPLE)('simple B=%i H=%i D=%i T=%i matches the twin on the rounded W_hh', async (B, H, D, T) => {
    const dims = { batch: B, hidden: H, steps: T, dirs: D };
    const { inp } = randomCase(kind, dims, mixedLengths(B, T), 900 + H);
    const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'simple', half: view });
    expect(launches.get(name(`${kind}_step_forward`))).toBe(T);
  });

  // A token step (T = 1, one direction) computes its input projection inside the step from the
  // float32 W_ih (fused_input.ts); W_hh is still read as binary16.
  test.each([[1, 6, 3], [3, 65, 4]])('fused-input token step B=%i H=%i I=%i matches the twin on the rounded W_hh', async (B, H, I) => {
    const dims = { batch: B, hidden: H, steps: 1, dirs: 1 };
    const { inp } = randomCase(kind, dims, new Array(B).fill(1), 400 + H);
    const { fused, xproj, b_hh } = fusedProjection(kind, B, H, I, 450 + H);
    const { launches } = await expectInferenceMatchesTwin(kind, dims, { ...inp, xproj, ...(b_hh ? { b_hh } : {}) }, { variant: 'simple', fusedInput: fused, half: view });
    expect(launches.get(`${name(`${kind}_step_forward`)}_fused_input`)).toBe(1);
  });

  test('saturated pre-activations match the twin', async () => {
    const dims = { batch: 3, hidden: 5, steps: 4, dirs: 2 };
    const { inp } = randomCase(kind, dims, [2, 4, 1], 8);
    await expectInferenceMatchesTwin(kind, dims, saturate(inp, 1e4), { variant: 'simple', half: view });
  });

  describe.skipIf(!blockedOk).each(BLOCKED)('blocked, %i rows, B=%i H=%i D=%i T=%i', (rows, B, H, D, T) => {
    test('a launch a step matches the twin on the rounded W_hh', async () => {
      const dims = { batch: B, hidden: H, steps: T, dirs: D };
      const { inp } = randomCase(kind, dims, mixedLengths(B, T), 950 + H);
      const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'blocked', rows, wholeSequence: false, half: view });
      expect(launches.get(name(`${kind}_step_forward_blocked`))).toBe(T);
    });
  });

  const n = 16 / CELLS[kind].forward.blocked!.units; // invocations a row block of the blocked kernel at H = 16
  test.skipIf(!blockedOk || !wholeSequenceLaunch(g, n, { batch: 9, hidden: 16, dirs: 2 }, CELLS[kind].gates))('whole sequence in one launch matches the twin', async () => {
    const dims = { batch: 9, hidden: 16, steps: 5, dirs: 2 };
    const { inp } = randomCase(kind, dims, mixedLengths(9, 5), 990);
    const { launches } = await expectInferenceMatchesTwin(kind, dims, inp, { variant: 'blocked', wholeSequence: true, half: view });
    expect(launches.get(name(`${kind}_step_forward_blocked`))).toBe(1);
  });
});

describe('f16 weights in the step launcher: bad input', () => {
  const dims = { batch: 2, hidden: 4, steps: 2, dirs: 1 };
  const make = () => ({
    xproj: tensor(new Float32Array(2 * 2 * 16), [2, 2, 16]),
    lengths: tensor(new Int32Array([2, 2]), [2]),
    h_state: tensor(new Float32Array(16), [1, 2, 2, 4]),
    c_state: tensor(new Float32Array(16), [1, 2, 2, 4]),
    gates: tensor(new Float32Array(64), [1, 2, 2, 16]),
    y: tensor(new Float32Array(16), [2, 2, 4]),
  });

  test('a w_hh_half of the wrong size is named', () => {
    const t = make();
    const bad = halfStorage(new Float64Array(8));
    expect(() => encodeSequence(lstm, 'forward', { ...t, w_hh_half: bad }, dims, true)).toThrow(/webrnn: lstm_step_forward\w*: w_hh_half has shape \[4\], needs the binary16 storage of \[D, 4H, H\] = \[32\]/);
    for (const x of [...Object.values(t), bad]) x.dispose();
  });

  test('cells and passes without f16 kernels refuse them by name', () => {
    const t = make();
    const w = halfStorage(new Float64Array(3 * 16));
    expect(() => encodeSequence(CELLS.gru_reset_before, 'forward', { ...t, w_hh_half: w }, dims, true)).toThrow(/webrnn: gru_reset_before steps: the forward pass has no kernels for f16 weights/);
    expect(() => encodeSequence(lstm, 'backward', { ...t, w_hh_half: w }, dims)).toThrow(/webrnn: lstm steps: the backward pass has no kernels for f16 weights/);
    for (const x of [...Object.values(t), w]) x.dispose();
  });

  test("the 'native' view needs shader-f16", () =>
    withTuning(g, { halfView: 'native' }, () => {
      if (g.features.shaderF16) expect(halfView(g)).toBe('native');
      else expect(() => halfView(g)).toThrow(/webrnn: f16 weights: the view 'native' needs the shader-f16 feature/);
    }));
});
