// Drives the fused step kernels over a whole sequence on the GPU (T forward steps, then T backward
// steps) and compares every buffer with the float64 twins: the forward from the same inputs, the
// backward from the GPU's own saved forward, so each kernel is checked on exactly its inputs.
import { expect } from 'vitest';
import { tensor, type Tensor } from 'webrnn';
import { encodeGruStepBackward, encodeGruStepForward } from '../../src/kernels/gru.js';
import { encodeLstmStepBackward, encodeLstmStepForward } from '../../src/kernels/lstm.js';
import { encodeRnnStepBackward, encodeRnnStepForward } from '../../src/kernels/rnn.js';
import {
  backwardSequenceRef, cellSizes, forwardSequenceRef, type Cell, type SequenceDims, type SequenceInputs,
} from '../../src/reference/cells.js';
import { firstMismatch, type Tolerance } from './allclose.js';
import { roundF32, uniform } from './rng.js';

export interface Grads {
  dy: Float64Array;
  dhN: Float64Array;
  dcN?: Float64Array;
}

/** Float32-representable random inputs and output gradients; w_hh scaled like PyTorch's 1/sqrt(H) init. */
export function randomCase(cell: Cell, dims: SequenceDims, lengths: number[], seed: number, xScale = 1): { inp: SequenceInputs; grad: Grads } {
  const n = cellSizes(cell, dims);
  const k = 1 / Math.sqrt(dims.hidden);
  const inp: SequenceInputs = {
    xproj: roundF32(uniform(n.xproj, seed, -xScale, xScale)),
    w_hh: roundF32(uniform(n.w_hh, seed + 1, -k, k)),
    lengths: Int32Array.from(lengths),
    h0: roundF32(uniform(n.carry, seed + 2)),
  };
  if (cell === 'gru') inp.b_hh = roundF32(uniform(n.b_hh, seed + 3, -k, k));
  if (cell === 'lstm') inp.c0 = roundF32(uniform(n.carry, seed + 4));
  const grad: Grads = { dy: roundF32(uniform(n.y, seed + 5)), dhN: roundF32(uniform(n.carry, seed + 6)) };
  if (cell === 'lstm') grad.dcN = roundF32(uniform(n.carry, seed + 7));
  return { inp, grad };
}

/** The raw buffers the GPU loop leaves behind (float32). */
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

const f32 = (a: ArrayLike<number>, shape: number[]): Tensor => tensor(Float32Array.from(a), shape);

/** Runs the forward loop and the backward loop of `cell` on the GPU. Buffers the kernels must write
 *  completely start as NaN, so a missed element shows up as a mismatch. */
export async function runSequenceGpu(cell: Cell, dims: SequenceDims, inp: SequenceInputs, grad: Grads): Promise<GpuSequence> {
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const n = cellSizes(cell, dims);
  const G = n.xproj / (T * B * D * H);
  const state0 = (v: ArrayLike<number>): Float32Array => {
    const a = new Float32Array(n.state).fill(NaN);
    for (let d = 0; d < D; d++) a.set(Float32Array.from(v).subarray(d * B * H, (d + 1) * B * H), d * (T + 1) * B * H);
    return a;
  };
  const t = {
    xproj: f32(inp.xproj, [T, B, D * G * H]),
    w_hh: f32(inp.w_hh, [D, G * H, H]),
    b_hh: f32(inp.b_hh ?? new Float32Array(n.b_hh), [D, G * H]),
    lengths: tensor(Int32Array.from(inp.lengths), [B]),
    h_state: f32(state0(inp.h0), [D, T + 1, B, H]),
    c_state: f32(state0(inp.c0 ?? new Float32Array(n.carry)), [D, T + 1, B, H]),
    // RNN saves nothing: a one-element placeholder keeps the object uniform.
    gates: f32(new Float32Array(Math.max(n.gates, 1)).fill(NaN), n.gates ? [D, T, B, n.gates / (D * T * B)] : [1]),
    y: f32(new Float32Array(n.y), [T, B, D * H]), // the caller zero-fills y
    dy: f32(grad.dy, [T, B, D * H]),
    dh_carry: f32(grad.dhN, [D, B, H]),
    dc_carry: f32(grad.dcN ?? new Float32Array(n.carry), [D, B, H]),
    dgates_hh: f32(new Float32Array(n.dgates_hh).fill(NaN), [D, T, B, G * H]),
    dxproj: f32(new Float32Array(n.xproj), [T, B, D * G * H]), // the caller zero-fills dxproj
  };
  const act = cell === 'rnn_relu' ? 'relu' : 'tanh';
  try {
    for (let step = 0; step < T; step++) {
      const sd = { ...dims, step };
      if (cell === 'lstm') encodeLstmStepForward(t, sd);
      else if (cell === 'gru') encodeGruStepForward(t, sd);
      else encodeRnnStepForward(t, sd, act);
    }
    for (let step = T - 1; step >= 0; step--) {
      const sd = { ...dims, step };
      if (cell === 'lstm') encodeLstmStepBackward(t, sd);
      else if (cell === 'gru') encodeGruStepBackward(t, sd);
      else encodeRnnStepBackward(t, sd, act);
    }
    const read = async (x: Tensor) => (await x.data()) as Float32Array;
    return {
      h_state: await read(t.h_state),
      c_state: cell === 'lstm' ? await read(t.c_state) : null,
      gates: n.gates ? await read(t.gates) : new Float32Array(0),
      y: await read(t.y),
      dgates_hh: await read(t.dgates_hh),
      dxproj: await read(t.dxproj),
      dh_carry: await read(t.dh_carry),
      dc_carry: cell === 'lstm' ? await read(t.dc_carry) : null,
    };
  } finally {
    for (const x of Object.values(t)) x.dispose();
  }
}

export interface CellTolerances {
  forward: Tolerance;
  backward: Tolerance;
}

/** Runs the GPU loop and expects every buffer to match the twins; returns the GPU buffers. */
export async function expectSequenceMatchesTwin(
  cell: Cell, dims: SequenceDims, inp: SequenceInputs, grad: Grads, tol: CellTolerances,
): Promise<GpuSequence> {
  const got = await runSequenceGpu(cell, dims, inp, grad);
  const fwd = forwardSequenceRef(cell, dims, inp);
  const bwd = backwardSequenceRef(cell, dims, inp, { h_state: got.h_state, c_state: got.c_state, gates: got.gates }, grad);
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
    expect(m, `${cell} ${name}: ${m}`).toBeNull();
  }
  return got;
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
