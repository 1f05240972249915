// Drives any cell's step kernels over a whole sequence on the GPU (the forward pass, then the
// backward pass, through the same launcher as the graph op) and compares every buffer with the
// float64 twins: the forward from the same inputs, the backward from the GPU's own saved forward,
// so each kernel is checked on exactly its inputs. Every buffer a kernel must write starts as NaN.
import { expect } from 'vitest';
import { counters, resetCounters, tensor, type Tensor } from 'webrnn';
import { gpu, withTuning } from '../../src/gpu/device.js';
import { CELLS, encodeSequence, type CellKind, type SequenceDims } from '../../src/kernels/cells/index.js';
import { inferenceOverrides, type BlockRows, type StepVariant } from '../../src/kernels/cells/launch.js';
import type { HalfView } from '../../src/kernels/half.js';
import { roundHalf, toHalfRef } from '../../src/reference/half.js';
import { backwardSequenceRef, cellSizes, forwardSequenceRef, inferenceSequenceRef, TWINS, type SequenceInputs } from '../../src/reference/cells/index.js';
import { firstMismatch, reductionTol, type Tolerance } from './allclose.js';
import { roundF32, uniform } from './rng.js';

/** Every cell kind: the table the kernel and layer suites run. */
export const KINDS = Object.keys(CELLS) as CellKind[];

/** Kinds that are another kind's kernels with other gate activations (the hard-sigmoid ones: an
 *  override, no code of their own beyond activations.wgsl's gate functions). */
const gateVariant = (kind: CellKind) => CELLS[kind].overrides?.HARD_SIGMOID === true;

/** The shape grid a kind runs: all of it, or every `every`-th case for a gate variant, whose
 *  kernels the base kind already runs on every shape; on a cold shader cache each new shape of the
 *  blocked kernels is a pipeline to compile (seconds each on lavapipe). */
export function casesFor<C>(kind: CellKind, cases: readonly C[], every = 4): C[] {
  return gateVariant(kind) ? cases.filter((_, i) => i % every === 0) : [...cases];
}

export interface Grads {
  dy: Float64Array;
  dhN: Float64Array;
  dcN?: Float64Array;
}

/** Float32-representable random inputs and output gradients; w_hh scaled like PyTorch's 1/sqrt(H) init. */
export function randomCase(kind: CellKind, dims: SequenceDims, lengths: number[], seed: number, xScale = 1): { inp: SequenceInputs; grad: Grads } {
  const spec = CELLS[kind];
  const n = cellSizes(spec, dims);
  const k = 1 / Math.sqrt(dims.hidden);
  const inp: SequenceInputs = {
    xproj: roundF32(uniform(n.xproj, seed, -xScale, xScale)),
    w_hh: roundF32(uniform(n.w_hh, seed + 1, -k, k)),
    lengths: Int32Array.from(lengths),
    h0: roundF32(uniform(n.carry, seed + 2)),
  };
  if (spec.hhBias === 'bind') inp.b_hh = roundF32(uniform(n.b_hh, seed + 3, -k, k));
  if (spec.cellState) inp.c0 = roundF32(uniform(n.carry, seed + 4));
  const grad: Grads = { dy: roundF32(uniform(n.y, seed + 5)), dhN: roundF32(uniform(n.carry, seed + 6)) };
  if (spec.cellState) grad.dcN = roundF32(uniform(n.carry, seed + 7));
  return { inp, grad };
}

/** The raw buffers the GPU passes leave behind (float32). */
export interface GpuSequence {
  h_state: Float32Array;
  c_state: Float32Array | null;
  gates: Float32Array;
  y: Float32Array;
  dgates_hh: Float32Array;
  dxproj: Float32Array;
  dh_carry: Float32Array;
  dc_carry: Float32Array | null;
}

/** How the launcher runs the steps: the variant, rows an invocation, one launch for all steps. */
export interface Schedule {
  variant: StepVariant;
  rows?: BlockRows;
  /** Invocations a unit of the split kernels. */
  splitK?: 2 | 4 | 8 | 16 | 32 | 64;
  wholeSequence?: boolean;
  /** Lanes of the blocked kernels' broadcasts (4: as on SwiftShader, also on 8-lane adapters). */
  lanes?: 4 | 8;
  /** f16 weights (inference only): W_hh stored as binary16, read in this view. */
  half?: HalfView;
  /** Bind what xproj is made of instead (a fused-input step, T = 1 and D = 1): inp.xproj must be
   *  its projection (fusedProjection). */
  fusedInput?: FusedInput;
}

/** A fused-input step's x [B, I], W_ih [G·H, I] and biases [G·H]. */
export interface FusedInput {
  x: Float32Array;
  w_ih: Float32Array;
  b_ih: Float32Array;
  b_hh: Float32Array;
}

/** Random inputs of a fused-input step (f32 values) and, in float64, the xproj they make:
 *  W_ih·x + b_ih, plus b_hh where the cell folds it; a cell that binds b_hh gets it as inp.b_hh. */
export function fusedProjection(kind: CellKind, B: number, H: number, I: number, seed: number): { fused: FusedInput; xproj: Float64Array; b_hh?: Float64Array } {
  const GH = CELLS[kind].gates * H;
  const k = 1 / Math.sqrt(H);
  const fused = {
    x: Float32Array.from(roundF32(uniform(B * I, seed))), w_ih: Float32Array.from(roundF32(uniform(GH * I, seed + 1, -k, k))),
    b_ih: Float32Array.from(roundF32(uniform(GH, seed + 2, -k, k))), b_hh: Float32Array.from(roundF32(uniform(GH, seed + 3, -k, k))),
  };
  const fold = CELLS[kind].hhBias === 'fold';
  const xproj = new Float64Array(B * GH);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < GH; r++) {
      let acc = fused.b_ih[r]! + (fold ? fused.b_hh[r]! : 0);
      for (let i = 0; i < I; i++) acc += fused.x[b * I + i]! * fused.w_ih[r * I + i]!;
      xproj[b * GH + r] = acc;
    }
  }
  return { fused, xproj, ...(fold ? {} : { b_hh: Float64Array.from(fused.b_hh) }) };
}

const f32 = (a: ArrayLike<number>, shape: number[]): Tensor => tensor(Float32Array.from(a), shape);
const nan = (n: number, shape: number[]): Tensor => tensor(new Float32Array(n).fill(NaN), shape);

/** Runs the forward and the backward pass of `kind` on the GPU under `schedule`; returns the
 *  buffers and the launches of each step kernel. */
export async function runSequenceGpu(
  kind: CellKind, dims: SequenceDims, inp: SequenceInputs, grad: Grads, schedule: Schedule,
): Promise<{ got: GpuSequence; launches: Map<string, number> }> {
  const spec = CELLS[kind];
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const n = cellSizes(spec, dims);
  const GH = spec.gates * H;
  const state0 = (v: ArrayLike<number> | undefined): Tensor => {
    const a = new Float32Array(n.state).fill(NaN);
    for (let d = 0; d < D; d++) a.set(Float32Array.from(v ?? new Float32Array(n.carry)).subarray(d * B * H, (d + 1) * B * H), d * (T + 1) * B * H);
    return tensor(a, [D, T + 1, B, H]);
  };
  const t = {
    xproj: f32(inp.xproj, [T, B, D * GH]),
    w_hh: f32(inp.w_hh, [D, GH, H]),
    b_hh: f32(inp.b_hh ?? new Float32Array(n.b_hh), [D, GH]),
    lengths: tensor(Int32Array.from(inp.lengths), [B]),
    h_state: state0(inp.h0),
    c_state: state0(inp.c0),
    gates: spec.saved ? nan(n.gates, [D, T, B, spec.saved * H]) : undefined,
    y: nan(n.y, [T, B, D * H]),
    dy: f32(grad.dy, [T, B, D * H]),
    dh_carry: f32(grad.dhN, [D, B, H]),
    dc_carry: f32(grad.dcN ?? new Float32Array(n.carry), [D, B, H]),
    dgates_hh: nan(n.dgates_hh, [D, T, B, GH]),
    dxproj: nan(n.xproj, [T, B, D * GH]),
  };
  const tuning = { stepVariant: schedule.variant, blockRows: schedule.rows, splitK: schedule.splitK, wholeSequence: schedule.wholeSequence, broadcastLanes: schedule.lanes };
  try {
    return await withTuning(gpu(), tuning, async () => {
      resetCounters();
      encodeSequence(spec, 'forward', t, dims);
      encodeSequence(spec, 'backward', t, dims);
      const launches = new Map(counters().byKernel);
      const read = async (x: Tensor | undefined) => (x ? ((await x.data()) as Float32Array) : new Float32Array(0));
      const got: GpuSequence = {
        h_state: await read(t.h_state),
        c_state: spec.cellState ? await read(t.c_state) : null,
        gates: await read(t.gates),
        y: await read(t.y),
        dgates_hh: await read(t.dgates_hh),
        dxproj: await read(t.dxproj),
        dh_carry: await read(t.dh_carry),
        dc_carry: spec.cellState ? await read(t.dc_carry) : null,
      };
      return { got, launches };
    });
  } finally {
    for (const x of Object.values(t)) x?.dispose();
  }
}

/** The binary16 storage (to_half's layout, toHalfRef) of `values`, uploaded. */
export const halfStorage = (values: ArrayLike<number>): Tensor => {
  const words = toHalfRef(values);
  return tensor(new Int32Array(words.buffer), [words.length]);
};

/** Forward outputs are sums of H products; backward ones of up to G·H (the recurrent gradient). */
export function cellTolerances(kind: CellKind, H: number): { forward: Tolerance; backward: Tolerance } {
  return { forward: reductionTol(H), backward: reductionTol(CELLS[kind].gates * H) };
}

/** Runs the GPU passes and expects every buffer to match the twins; returns what runSequenceGpu does. */
export async function expectSequenceMatchesTwin(
  kind: CellKind, dims: SequenceDims, inp: SequenceInputs, grad: Grads, schedule: Schedule = { variant: 'simple' },
): Promise<{ got: GpuSequence; launches: Map<string, number> }> {
  const run = await runSequenceGpu(kind, dims, inp, grad, schedule);
  const { got } = run;
  const twin = TWINS[kind];
  const tol = cellTolerances(kind, dims.hidden);
  const fwd = forwardSequenceRef(twin, dims, inp);
  const bwd = backwardSequenceRef(twin, dims, inp, { h_state: got.h_state, c_state: got.c_state, gates: got.gates }, grad);
  const pairs: [string, ArrayLike<number> | null, ArrayLike<number> | null, Tolerance][] = [
    ['h_state', got.h_state, fwd.h_state, tol.forward],
    ['c_state', got.c_state, fwd.c_state, tol.forward],
    ['gates', got.gates, fwd.gates, tol.forward],
    ['y', got.y, fwd.y, tol.forward],
    ['dgates_hh', got.dgates_hh, bwd.dgates_hh, tol.backward],
    ['dxproj', got.dxproj, bwd.dxproj, tol.backward],
    ['dh_carry', got.dh_carry, bwd.dh_carry, tol.backward],
    ['dc_carry', got.dc_carry, bwd.dc_carry, tol.backward],
  ];
  for (const [name, g, w, t] of pairs) {
    if (!g || !w) continue;
    const m = firstMismatch(g, w, t);
    expect(m, `${kind} ${name}: ${m}`).toBeNull();
  }
  return run;
}

/** Runs the inference forward of `kind` on the GPU under `schedule` (states and gates in rings of 2
 *  step slots, slot 1 and every output NaN-filled); returns the buffers and the launches. */
export async function runInferenceGpu(
  kind: CellKind, dims: SequenceDims, inp: SequenceInputs, schedule: Schedule,
): Promise<{ got: Omit<GpuSequence, 'dgates_hh' | 'dxproj' | 'dh_carry' | 'dc_carry'>; launches: Map<string, number> }> {
  const spec = CELLS[kind];
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const n = cellSizes(spec, dims);
  const ring = (v: ArrayLike<number> | undefined): Tensor => {
    const a = new Float32Array(D * 2 * B * H).fill(NaN);
    for (let d = 0; d < D; d++) a.set(Float32Array.from(v ?? new Float32Array(n.carry)).subarray(d * B * H, (d + 1) * B * H), d * 2 * B * H);
    return tensor(a, [D, 2, B, H]);
  };
  const GH = spec.gates * H;
  const fi = schedule.fusedInput;
  const input = fi
    ? { in_x: f32(fi.x, [B, fi.x.length / B]), in_w: f32(fi.w_ih, [GH, fi.w_ih.length / GH]), in_b_ih: f32(fi.b_ih, [GH]), in_b_hh: f32(fi.b_hh, [GH]) }
    : { xproj: f32(inp.xproj, [T, B, D * GH]) };
  const t = {
    ...input,
    ...(schedule.half ? { w_hh_half: halfStorage(inp.w_hh) } : { w_hh: f32(inp.w_hh, [D, spec.gates * H, H]) }),
    b_hh: f32(inp.b_hh ?? new Float32Array(n.b_hh), [D, spec.gates * H]),
    lengths: tensor(Int32Array.from(inp.lengths), [B]),
    h_state: ring(inp.h0),
    c_state: ring(inp.c0),
    gates: spec.saved ? nan(D * 2 * B * spec.saved * H, [D, 2, B, spec.saved * H]) : undefined,
    y: nan(n.y, [T, B, D * H]),
  };
  const tuning = { stepVariant: schedule.variant, blockRows: schedule.rows, splitK: schedule.splitK, wholeSequence: schedule.wholeSequence, halfView: schedule.half, broadcastLanes: schedule.lanes };
  try {
    return await withTuning(gpu(), tuning, async () => {
      resetCounters();
      encodeSequence(spec, 'forward', t, dims, true);
      const launches = new Map(counters().byKernel);
      const read = async (x: Tensor | undefined) => (x ? ((await x.data()) as Float32Array) : new Float32Array(0));
      const got = {
        h_state: await read(t.h_state),
        c_state: spec.cellState ? await read(t.c_state) : null,
        gates: await read(t.gates),
        y: await read(t.y),
      };
      return { got, launches };
    });
  } finally {
    for (const x of Object.values(t)) x?.dispose();
  }
}

/** Runs the inference forward and expects y and the state rings to match the twin
 *  (inferenceSequenceRef), and the gates to stay unwritten where the kernels skip them (SAVE off). */
export async function expectInferenceMatchesTwin(
  kind: CellKind, dims: SequenceDims, inp: SequenceInputs, schedule: Schedule = { variant: 'simple' },
): Promise<{ launches: Map<string, number> }> {
  const { got, launches } = await runInferenceGpu(kind, dims, inp, schedule);
  // f16 weights: the twin runs on the values the GPU reads, so only the summation order differs.
  const want = inferenceSequenceRef(TWINS[kind], dims, schedule.half ? { ...inp, w_hh: roundHalf(inp.w_hh) } : inp);
  const tol = cellTolerances(kind, dims.hidden).forward;
  // With T = 1 ring slot 1 holds hN; with T > 1 both slots are written.
  const pairs: [string, ArrayLike<number> | null, ArrayLike<number> | null][] = [
    ['y', got.y, want.y], ['h_state', got.h_state, want.h_state], ['c_state', got.c_state, want.c_state],
  ];
  for (const [name, g, w] of pairs) {
    if (!g || !w) continue;
    const m = firstMismatch(g, w, tol);
    expect(m, `${kind} inference ${name}: ${m}`).toBeNull();
  }
  if (inferenceOverrides(CELLS[kind]).SAVE === false) expect(got.gates.every(Number.isNaN), `${kind}: gates written`).toBe(true);
  return { launches };
}

/** The shape table every cell runs: B, H (1, odd, ±1 around the workgroup size 64, past two
 *  workgroups), D and T. Lengths mix a length-1 and a full-length sequence, unsorted. */
export function stepCases(): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (const B of [1, 3]) for (const H of [1, 5, 63, 64, 65, 130]) for (const D of [1, 2]) for (const T of [1, 4]) out.push([B, H, D, T]);
  return out;
}

/** Lengths for a batch of B: [T] for one row, else [min(2, T), T, 1, …] (unsorted, one of length 1). */
export function mixedLengths(B: number, T: number): number[] {
  if (B === 1) return [T];
  return Array.from({ length: B }, (_, b) => [Math.min(2, T), T, 1][b % 3]!);
}

/** Replaces every xproj value with ±scale (its sign kept), so every gate pre-activation is saturated. */
export function saturate(inp: SequenceInputs, scale: number): SequenceInputs {
  return { ...inp, xproj: Float64Array.from(inp.xproj, (v) => (v < 0 ? -scale : scale)) };
}

/** Every value finite (no NaN, no ±Inf). */
export function allFinite(...arrays: (ArrayLike<number> | null)[]): boolean {
  return arrays.every((a) => !a || Array.prototype.every.call(a, (v: number) => Number.isFinite(v)));
}
