// Whole-sequence driver of the fused step twins (rnn.ts, lstm.ts, gru.ts): T forward steps, T
// backward steps (s = T−1 … 0), then the between-loop products with plain loops. Layout (float64):
// xproj [T, B, D·G·H], w_hh [D, G·H, H], b_hh [D, G·H], state [D, T+1, B, H], y [T, B, D·H].
import { gruStepBackwardRef, gruStepForwardRef } from './gru.js';
import { lstmStepBackwardRef, lstmStepForwardRef } from './lstm.js';
import { rnnStepBackwardRef, rnnStepForwardRef } from './rnn.js';

export type Arr = ArrayLike<number>;

/** Sizes of one step launch: `step` is the processing order s (0 … steps−1). */
export interface StepDims {
  batch: number;
  hidden: number;
  steps: number;
  step: number;
  dirs: number;
}
export type SequenceDims = Omit<StepDims, 'step'>;

export type Cell = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
/** Gate blocks per unit (G): columns of xproj per direction are G·H. */
export const GATES: Readonly<Record<Cell, number>> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };
/** Saved values per unit for the backward (the `gates` buffer holds S = SAVED·H per row). */
export const SAVED: Readonly<Record<Cell, number>> = { rnn_tanh: 0, rnn_relu: 0, lstm: 4, gru: 4 };

export interface SequenceInputs {
  xproj: Arr; // [T, B, D·G·H]
  w_hh: Arr; // [D, G·H, H]
  b_hh?: Arr; // [D, G·H], GRU only
  lengths: Arr; // [B], each in 1..T
  h0: Arr; // [D, B, H]
  c0?: Arr; // [D, B, H], LSTM only
}

export interface SequenceForward {
  h_state: Float64Array; // [D, T+1, B, H], slot 0 = h0
  c_state: Float64Array | null; // LSTM
  gates: Float64Array; // [D, T, B, S] (empty for RNN)
  y: Float64Array; // [T, B, D·H], zero at padded positions
  hN: Float64Array; // [D, B, H] = state slot T
  cN: Float64Array | null;
}

export interface SequenceBackward {
  dgates_hh: Float64Array; // [D, T, B, G·H] step order
  dxproj: Float64Array; // [T, B, D·G·H] time order
  dh_carry: Float64Array; // [D, B, H] after step 0
  dc_carry: Float64Array | null;
  dh0: Float64Array; // [D, B, H]
  dc0: Float64Array | null;
  dw_hh: Float64Array; // [D, G·H, H]
  db_hh: Float64Array; // [D, G·H] column sums of dgates_hh
}

/** Element counts of every buffer of the layout. */
export function cellSizes(cell: Cell, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims) {
  const G = GATES[cell];
  return {
    xproj: T * B * D * G * H, w_hh: D * G * H * H, b_hh: D * G * H, state: D * (T + 1) * B * H,
    gates: D * T * B * SAVED[cell] * H, y: T * B * D * H, carry: D * B * H, dgates_hh: D * T * B * G * H,
  };
}

/** Throws on lengths outside 1..T or arrays of the wrong size (the kernels trust the caller). */
export function checkSequenceRef(cell: Cell, dims: SequenceDims, inp: SequenceInputs): void {
  const n = cellSizes(cell, dims);
  const want: [string, Arr | undefined, number][] = [
    ['xproj', inp.xproj, n.xproj], ['w_hh', inp.w_hh, n.w_hh], ['lengths', inp.lengths, dims.batch], ['h0', inp.h0, n.carry],
  ];
  if (cell === 'gru') want.push(['b_hh', inp.b_hh, n.b_hh]);
  if (cell === 'lstm') want.push(['c0', inp.c0, n.carry]);
  for (const [name, a, size] of want) {
    if (a?.length !== size) throw new Error(`webrnn: ${cell} reference: ${name} has ${a?.length ?? 'no'} values, needs ${size}`);
  }
  for (let b = 0; b < dims.batch; b++) {
    const l = inp.lengths[b]!;
    if (!Number.isInteger(l) || l < 1 || l > dims.steps) throw new Error(`webrnn: ${cell} reference: lengths[${b}] = ${l} is outside 1..${dims.steps}`);
  }
}

/** State slot `slot` ([D, B, H]) of a [D, T+1, B, H] state buffer. */
export function stateSlot(state: Arr, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, slot: number): Float64Array {
  const out = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) for (let i = 0; i < B * H; i++) out[d * B * H + i] = state[(d * (T + 1) + slot) * B * H + i]!;
  return out;
}

/** Runs the forward step twins over all T steps (state slot 0 = h0/c0; the steps write all of y, padding included). */
export function forwardSequenceRef(cell: Cell, dims: SequenceDims, inp: SequenceInputs): SequenceForward {
  checkSequenceRef(cell, dims, inp);
  const n = cellSizes(cell, dims);
  const h_state = new Float64Array(n.state);
  const c_state = cell === 'lstm' ? new Float64Array(n.state) : null;
  const gates = new Float64Array(n.gates);
  const y = new Float64Array(n.y);
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  for (let d = 0; d < D; d++) {
    for (let i = 0; i < B * H; i++) {
      h_state[d * (T + 1) * B * H + i] = inp.h0[d * B * H + i]!;
      if (c_state) c_state[d * (T + 1) * B * H + i] = inp.c0![d * B * H + i]!;
    }
  }
  for (let s = 0; s < T; s++) {
    const sd = { ...dims, step: s };
    const common = { xproj: inp.xproj, w_hh: inp.w_hh, lengths: inp.lengths, h_state, y };
    if (cell === 'lstm') lstmStepForwardRef({ ...common, c_state: c_state!, gates }, sd);
    else if (cell === 'gru') gruStepForwardRef({ ...common, b_hh: inp.b_hh!, gates }, sd);
    else rnnStepForwardRef(common, sd, cell === 'rnn_relu' ? 'relu' : 'tanh');
  }
  return { h_state, c_state, gates, y, hN: stateSlot(h_state, dims, T), cN: c_state && stateSlot(c_state, dims, T) };
}

/** Runs the backward step twins (s = T−1 … 0) and the between-loop products, given the saved forward. */
export function backwardSequenceRef(
  cell: Cell,
  dims: SequenceDims,
  inp: SequenceInputs,
  fwd: { h_state: Arr; c_state: Arr | null; gates: Arr },
  grad: { dy: Arr; dhN: Arr; dcN?: Arr },
): SequenceBackward {
  checkSequenceRef(cell, dims, inp);
  const n = cellSizes(cell, dims);
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const GH = GATES[cell] * H;
  const dgates_hh = new Float64Array(n.dgates_hh);
  const dxproj = new Float64Array(n.xproj);
  const dh_carry = Float64Array.from(grad.dhN);
  const dc_carry = cell === 'lstm' ? Float64Array.from(grad.dcN!) : null;
  for (let s = T - 1; s >= 0; s--) {
    const sd = { ...dims, step: s };
    const common = { w_hh: inp.w_hh, lengths: inp.lengths, dy: grad.dy, dh_carry, dgates_hh, dxproj };
    if (cell === 'lstm') lstmStepBackwardRef({ ...common, gates: fwd.gates, c_state: fwd.c_state!, dc_carry: dc_carry! }, sd);
    else if (cell === 'gru') gruStepBackwardRef({ ...common, gates: fwd.gates, h_state: fwd.h_state }, sd);
    else rnnStepBackwardRef({ ...common, h_state: fwd.h_state }, sd, cell === 'rnn_relu' ? 'relu' : 'tanh');
  }
  // dh0 = dgates_hh[d, 0]·W_hh[d] (+ the GRU's local term in dh_carry); step 0 is always active.
  const dh0 = new Float64Array(n.carry);
  for (let d = 0; d < D; d++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        let acc = cell === 'gru' ? dh_carry[d * B * H + b * H + j]! : 0;
        for (let k = 0; k < GH; k++) acc += dgates_hh[((d * T) * B + b) * GH + k]! * inp.w_hh[(d * GH + k) * H + j]!;
        dh0[d * B * H + b * H + j] = acc;
      }
    }
  }
  // dW_hh[d] = Σ_s dgates_hh[d, s]ᵀ·h_state[d, s] (slots 0..T−1); db_hh[d] = column sums.
  const dw_hh = new Float64Array(n.w_hh);
  const db_hh = new Float64Array(n.b_hh);
  for (let d = 0; d < D; d++) {
    for (let r = 0; r < T * B; r++) {
      for (let k = 0; k < GH; k++) {
        const g = dgates_hh[(d * T * B + r) * GH + k]!;
        db_hh[d * GH + k] += g;
        for (let i = 0; i < H; i++) dw_hh[(d * GH + k) * H + i] += g * fwd.h_state[(d * (T + 1) * B + r) * H + i]!;
      }
    }
  }
  return { dgates_hh, dxproj, dh_carry, dc_carry, dh0, dc0: dc_carry && Float64Array.from(dc_carry), dw_hh, db_hh };
}

/** Forward then backward over a whole sequence: what the GPU loop computes, in float64. */
export function runSequenceRef(
  cell: Cell,
  dims: SequenceDims,
  inp: SequenceInputs,
  grad: { dy: Arr; dhN: Arr; dcN?: Arr },
): { forward: SequenceForward; backward: SequenceBackward } {
  const forward = forwardSequenceRef(cell, dims, inp);
  return { forward, backward: backwardSequenceRef(cell, dims, inp, forward, grad) };
}
