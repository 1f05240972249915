// Whole-sequence driver of any cell's step twins: T forward steps, T backward steps (s = T−1 … 0),
// each step's phases in order, then the between-loop products with plain loops. Layout (float64):
// xproj [T, B, D·G·H], w_hh [D, G·H, H], b_hh [D, G·H], state [D, T+1, B, H], y [T, B, D·H].
import type { CellSpec, SequenceDims, FusedInputName, StepDims as KernelStepDims, StepTensorName } from '../../kernels/cells/spec.js';

export type { SequenceDims };
/** A step's sizes; `ring`: the layout of an inference forward (the kernels' RING override):
 *  states [D, 2, B, H] and gates [D, 2, B, S·H], step slot k in slot k mod 2. */
export type StepDims = KernelStepDims & { ring?: boolean };
export type Arr = ArrayLike<number>;

/** Every buffer of a sequence, as the step twins read and write them. The twins read xproj: a
 *  fused-input step (kernels/cells/fused_input.ts) computes the same values; and W_hh: the
 *  f16-weight kernels' twin is the float32 one on the decoded W_hh (halfValuesRef). */
export type StepBuffers = Record<Exclude<StepTensorName, FusedInputName | 'w_hh_half'>, Float64Array>;
/** One step of one phase, over both directions, in place. */
export type StepTwin = (b: StepBuffers, dims: StepDims) => void;

/** Textbook math of one step of one sequence, for the whole-layer reference (rnn_layer.ts). */
export interface LayerStepRef {
  /** xi = W_ih·x + b_ih [G·H]; returns the new h (and c) and what `backward` needs. */
  forward(p: LayerStepParams, xi: Float64Array, hPrev: Float64Array, cPrev: Float64Array | null): { h: Float64Array; c: Float64Array | null; cache: unknown };
  /** From dh (and dc) of the step's output: the gradients of xi, h_prev and c_prev; adds this
   *  step's share into dW.wHh and dW.bHh. */
  backward(p: LayerStepParams, cache: unknown, dh: Float64Array, dc: Float64Array | null, dW: { wHh: Float64Array; bHh?: Float64Array }): {
    dxi: Float64Array;
    dhPrev: Float64Array;
    dcPrev: Float64Array | null;
  };
}
export interface LayerStepParams {
  H: number;
  wHh: Float64Array; // [G·H, H]
  bHh: Float64Array | undefined; // [G·H]
}

/** A cell kind's twins: the step twins of each phase (the kernels' phases, same order) and its
 *  textbook step. */
export interface CellTwin {
  spec: CellSpec;
  forward: readonly StepTwin[];
  backward: readonly StepTwin[];
  layer: LayerStepRef;
}

export interface SequenceInputs {
  xproj: Arr; // [T, B, D·G·H]
  w_hh: Arr; // [D, G·H, H]
  b_hh?: Arr; // [D, G·H], cells that bind it
  lengths: Arr; // [B], each in 1..T
  h0: Arr; // [D, B, H]
  c0?: Arr; // [D, B, H], cells with a cell state
}

export interface SequenceForward {
  h_state: Float64Array; // [D, T+1, B, H], slot 0 = h0
  c_state: Float64Array | null;
  gates: Float64Array; // [D, T, B, S·H] (empty when nothing is saved)
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
export function cellSizes(spec: CellSpec, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims) {
  const G = spec.gates;
  return {
    xproj: T * B * D * G * H, w_hh: D * G * H * H, b_hh: D * G * H, state: D * (T + 1) * B * H,
    gates: D * T * B * spec.saved * H, y: T * B * D * H, carry: D * B * H, dgates_hh: D * T * B * G * H,
  };
}

/** Throws on lengths outside 1..T or arrays of the wrong size (the kernels trust the caller). */
export function checkSequenceRef(spec: CellSpec, dims: SequenceDims, inp: SequenceInputs): void {
  const n = cellSizes(spec, dims);
  const want: [string, Arr | undefined, number][] = [
    ['xproj', inp.xproj, n.xproj], ['w_hh', inp.w_hh, n.w_hh], ['lengths', inp.lengths, dims.batch], ['h0', inp.h0, n.carry],
  ];
  if (spec.hhBias === 'bind') want.push(['b_hh', inp.b_hh, n.b_hh]);
  if (spec.cellState) want.push(['c0', inp.c0, n.carry]);
  for (const [name, a, size] of want) {
    if (a?.length !== size) throw new Error(`webrnn: ${spec.kind} reference: ${name} has ${a?.length ?? 'no'} values, needs ${size}`);
  }
  for (let b = 0; b < dims.batch; b++) {
    const l = inp.lengths[b]!;
    if (!Number.isInteger(l) || l < 1 || l > dims.steps) throw new Error(`webrnn: ${spec.kind} reference: lengths[${b}] = ${l} is outside 1..${dims.steps}`);
  }
}

/** State slot `slot` ([D, B, H]) of a [D, T+1, B, H] state buffer. */
export function stateSlot(state: Arr, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, slot: number): Float64Array {
  const out = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) for (let i = 0; i < B * H; i++) out[d * B * H + i] = state[(d * (T + 1) + slot) * B * H + i]!;
  return out;
}

/** A [D, T+1, B, H] state buffer with slot 0 of each direction from `init` [D, B, H]. */
function stateWith(init: Arr | undefined, dims: SequenceDims, size: number): Float64Array {
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const out = new Float64Array(size);
  if (init) for (let d = 0; d < D; d++) for (let i = 0; i < B * H; i++) out[d * (T + 1) * B * H + i] = init[d * B * H + i]!;
  return out;
}

/** Every buffer of the sequence, inputs copied in, outputs zero. */
function buffers(twin: CellTwin, dims: SequenceDims, inp: SequenceInputs): StepBuffers {
  const n = cellSizes(twin.spec, dims);
  const f = (a: Arr | undefined, size: number) => (a ? Float64Array.from(a) : new Float64Array(size));
  return {
    xproj: f(inp.xproj, n.xproj), w_hh: f(inp.w_hh, n.w_hh), b_hh: f(inp.b_hh, n.b_hh), lengths: f(inp.lengths, dims.batch),
    h_state: stateWith(inp.h0, dims, n.state), c_state: stateWith(inp.c0, dims, n.state), gates: new Float64Array(n.gates),
    y: new Float64Array(n.y), dy: new Float64Array(n.y), dh_carry: new Float64Array(n.carry), dc_carry: new Float64Array(n.carry),
    dgates_hh: new Float64Array(n.dgates_hh), dxproj: new Float64Array(n.xproj),
  };
}

/** Runs the forward step twins over all T steps (state slot 0 = h0/c0; the steps write all of y, padding included). */
export function forwardSequenceRef(twin: CellTwin, dims: SequenceDims, inp: SequenceInputs): SequenceForward {
  checkSequenceRef(twin.spec, dims, inp);
  const b = buffers(twin, dims, inp);
  for (let s = 0; s < dims.steps; s++) for (const phase of twin.forward) phase(b, { ...dims, step: s });
  const cs = twin.spec.cellState ? b.c_state : null;
  return { h_state: b.h_state, c_state: cs, gates: b.gates, y: b.y, hN: stateSlot(b.h_state, dims, dims.steps), cN: cs && stateSlot(cs, dims, dims.steps) };
}

/** The outputs of an inference forward (inferenceSequenceRef). */
export interface SequenceInference {
  y: Float64Array; // [T, B, D·H]
  hN: Float64Array; // [D, B, H]
  cN: Float64Array | null;
  h_state: Float64Array; // [D, 2, B, H], the ring
  c_state: Float64Array | null;
}

/** The forward step twins over the inference layout (ring: 2 state and gate slots a direction,
 *  slot 0 = h0/c0): the same y; hN/cN are ring slot T mod 2. */
export function inferenceSequenceRef(twin: CellTwin, dims: SequenceDims, inp: SequenceInputs): SequenceInference {
  checkSequenceRef(twin.spec, dims, inp);
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const ringDims = { ...dims, steps: 1 }; // a [D, 2, B, H] buffer is the layout of T = 1
  const ring = (init: Arr | undefined) => stateWith(init, ringDims, D * 2 * B * H);
  const b = buffers(twin, dims, inp);
  b.h_state = ring(inp.h0);
  b.c_state = ring(inp.c0);
  b.gates = new Float64Array(D * 2 * B * twin.spec.saved * H);
  for (let s = 0; s < T; s++) for (const phase of twin.forward) phase(b, { ...dims, step: s, ring: true });
  const cs = twin.spec.cellState ? b.c_state : null;
  const slot = (a: Float64Array) => stateSlot(a, ringDims, T % 2);
  return { y: b.y, hN: slot(b.h_state), cN: cs && slot(cs), h_state: b.h_state, c_state: cs };
}

/** Runs the backward step twins (s = T−1 … 0) and the between-loop products, given the saved forward. */
export function backwardSequenceRef(
  twin: CellTwin,
  dims: SequenceDims,
  inp: SequenceInputs,
  fwd: { h_state: Arr; c_state: Arr | null; gates: Arr },
  grad: { dy: Arr; dhN: Arr; dcN?: Arr },
): SequenceBackward {
  const { spec } = twin;
  checkSequenceRef(spec, dims, inp);
  const b = buffers(twin, dims, inp);
  b.h_state.set(fwd.h_state);
  if (fwd.c_state) b.c_state.set(fwd.c_state);
  b.gates.set(fwd.gates);
  b.dy.set(grad.dy);
  b.dh_carry.set(grad.dhN);
  if (grad.dcN) b.dc_carry.set(grad.dcN);
  for (let s = dims.steps - 1; s >= 0; s--) for (const phase of twin.backward) phase(b, { ...dims, step: s });
  const { batch: B, hidden: H, steps: T, dirs: D } = dims;
  const GH = spec.gates * H;
  const RH = (spec.recurrentGates ?? spec.gates) * H;
  const S = spec.saved * H;
  // dh0 = dgates_hh[d, 0]·W_hh[d] over the blocks feeding h_prev (+ the carry's local term); step 0 is always active.
  const dh0 = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) {
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < H; j++) {
        let acc = spec.carryAddsToDh0 ? b.dh_carry[(d * B + r) * H + j]! : 0;
        for (let k = 0; k < RH; k++) acc += b.dgates_hh[(d * T * B + r) * GH + k]! * b.w_hh[(d * GH + k) * H + j]!;
        dh0[(d * B + r) * H + j] = acc;
      }
    }
  }
  // dW_hh[d] = Σ_s dgates_hh[d, s]ᵀ·h_prev[d, s] (slots 0..T−1), or ·the saved value a block past
  // the recurrent ones multiplies; db_hh[d] = column sums.
  const dw_hh = new Float64Array(D * GH * H);
  const db_hh = new Float64Array(D * GH);
  for (let d = 0; d < D; d++) {
    for (let r = 0; r < T * B; r++) {
      for (let k = 0; k < GH; k++) {
        const g = b.dgates_hh[(d * T * B + r) * GH + k]!;
        db_hh[d * GH + k] += g;
        for (let i = 0; i < H; i++) {
          const v = k < RH ? b.h_state[(d * (T + 1) * B + r) * H + i]! : b.gates[(d * T * B + r) * S + spec.savedInput! * H + i]!;
          dw_hh[(d * GH + k) * H + i] += g * v;
        }
      }
    }
  }
  const dc = spec.cellState ? b.dc_carry : null;
  return { dgates_hh: b.dgates_hh, dxproj: b.dxproj, dh_carry: b.dh_carry, dc_carry: dc, dh0, dc0: dc && Float64Array.from(dc), dw_hh, db_hh };
}
