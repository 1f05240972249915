// The recurrent sequence op: one layer of any cell kind over a whole sequence, both directions at
// once, driven by the cell's spec. Forward: one matmul for the input projections of all steps and
// directions, then the cell's step kernels (encodeSequence). Backward (BPTT): the backward step
// kernels, then the weight, bias and input gradients as a few large matmuls over all steps.
// No readback anywhere.
import { recorder } from '../gpu/encoder.js';
import { CELLS, encodeSequence, fusedInputPossible, type CellKind, type CellSpec, type SequenceDims, type StepTensors } from '../kernels/cells/index.js';
import { launchToHalf } from '../kernels/half.js';
import { launchMatmul as mm } from '../kernels/matmul.js';
import { concat, slice } from '../kernels/shape.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { full, zeros } from './create.js';
import { applyNamed, willRecord, type NamedOp } from './tape.js';

/** One direction's parameters: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih and bias_hh [G·H]. */
export interface DirectionWeights {
  w_ih: Tensor;
  w_hh: Tensor;
  b_ih?: Tensor;
  b_hh?: Tensor;
}

/** The op's inputs: x [T, B, I], lengths int32 [B], h0 [D, B, H], c0 (cells with a cell state),
 *  and each direction's weights (the reverse direction's with the suffix `_reverse`, as PyTorch). */
type DirName = keyof DirectionWeights;
type InputName = 'x' | 'lengths' | 'h0' | 'c0' | DirName | `${DirName}_reverse`;
/** y [T, B, D·H], hN [D, B, H], cN (cells with a cell state). */
type OutputName = 'y' | 'hN' | 'cN';

export interface SequenceParams {
  cell: CellSpec;
  hidden: number;
  dirs: 1 | 2;
  /** Nothing will be recorded (noGrad, or no input needs a gradient): the steps save nothing for a
   *  backward pass (states and gates in rings of 2 step slots, no gate stores; encodeSequence). */
  inference: boolean;
  /** f16 weights (inference only): the layer's weights as binary16, read instead of w_ih / w_hh. */
  half?: HalfLayerWeights;
}

/** A layer's weights as binary16 (launchToHalf), stacked as the forward stacks them: W_ih of both
 *  directions [D·G·H, I] and W_hh [D, G·H, H]. */
export interface HalfLayerWeights {
  w_ih: Tensor;
  w_hh: Tensor;
}

interface Saved {
  x: Tensor;
  lengths: Tensor;
  wIh: Tensor; // [D·G·H, I], both directions
  wHh: Tensor; // [D, G·H, H]
  bHh?: Tensor; // [D, G·H] where the cell binds it
  hState: Tensor; // [D, T+1, B, H]
  cState?: Tensor;
  gates?: Tensor; // [D, T, B, S·H]
  hasBias: boolean;
}

const DIR_NAMES: readonly DirName[] = ['w_ih', 'w_hh', 'b_ih', 'b_hh'];
const suffixed = (n: DirName, d: number): InputName => (d === 0 ? n : `${n}_reverse`);

/** A new tensor holding elements of `src` from element `offset` (a buffer copy, no dispatch). */
function copyRange(src: Tensor, offset: number, shape: number[]): Tensor {
  const out = Tensor.empty(shape);
  recorder(src.storage.g).copy(src.buffer, offset * 4, out.buffer, 0, out.size * 4);
  return out;
}

/** Copies `n` elements of src (from element `srcOffset`) into dst at element `dstOffset`. */
function copyInto(dst: Tensor, dstOffset: number, src: Tensor, srcOffset: number, n: number): void {
  recorder(dst.storage.g).copy(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, n * 4);
}

/** Both directions' tensors stacked along a new first axis (a view when there is one). */
function stack(ts: Tensor[]): Tensor {
  if (ts.length === 1) return ts[0]!.view([1, ...ts[0]!.shape]);
  const views = ts.map((t) => t.view([1, ...t.shape]));
  const out = concat(views, 0);
  for (const v of views) v.dispose(); // each holds a reference to a parameter's storage
  return out;
}

/** Splits `t` into `parts` equal consecutive blocks, each a new tensor of `shape`. */
function split(t: Tensor, parts: number, shape: number[]): Tensor[] {
  if (parts === 1) return [t.view(shape)];
  const n = t.size / parts;
  return Array.from({ length: parts }, (_, d) => copyRange(t, d * n, shape));
}

/** Column sums as ones[1, T·B]·X: the matmul streams X once with vector loads (faster than an
 *  axis-0 reduction on CPU adapters). X is [T·B, D·GH] or [D, T·B, GH]; returns one [GH] a direction. */
function columnSums(ones: Tensor, x: Tensor, D: number, GH: number): Tensor[] {
  const prod = mm(ones, x);
  const flat = prod.view([D * GH]);
  const parts = split(flat, D, [GH]);
  for (const t of [prod, flat]) t.dispose();
  return parts;
}

/** xproj [T, B, D·G·H] = x·W_ihᵀ + b_ih (+ b_hh where the cell folds it: the matmul's second
 *  bias, not a launch to add them), both directions; `halfWIh`: W_ih read as binary16. */
function projectInputs(inp: Partial<Record<InputName, Tensor>>, wIh: Tensor, cell: CellSpec, { batch: B, hidden: H, steps: T, dirs: D }: SequenceDims, halfWIh?: Tensor): Tensor {
  const x2 = inp.x!.view([T * B, inp.x!.shape[2]!]);
  const joined = (n: DirName) => {
    const ts = Array.from({ length: D }, (_, d) => inp[suffixed(n, d)]!);
    return D === 1 ? ts[0]!.view(ts[0]!.shape) : concat(ts, 0);
  };
  const bias = inp.b_ih ? joined('b_ih') : undefined;
  const bias2 = inp.b_ih && cell.hhBias === 'fold' ? joined('b_hh') : undefined;
  const xproj = mm(x2, wIh, { transB: true, bias, bias2, halfB: halfWIh });
  for (const t of [x2, bias, bias2]) t?.dispose();
  const out = xproj.view([T, B, D * cell.gates * H]);
  xproj.dispose();
  return out;
}

/** What a fused-input step binds in place of xproj (one direction, T = 1): x [B, I], W_ih and both
 *  biases (zeros for a layer without them; the kernel adds b_hh only where the cell folds it). */
function fusedInputs(inp: Partial<Record<InputName, Tensor>>, GH: number): StepTensors {
  const x = inp.x!;
  const bias = (b: Tensor | undefined) => (b ? b.view(b.shape) : zeros([GH]));
  return { in_x: x.view([x.shape[1]!, x.shape[2]!]), in_w: inp.w_ih!.view(inp.w_ih!.shape), in_b_ih: bias(inp.b_ih), in_b_hh: bias(inp.b_hh) };
}

const sequenceOp: NamedOp<InputName, OutputName, SequenceParams, Saved> = {
  name: 'rnn_sequence',
  inputs: ['x', 'lengths', 'h0', 'c0', ...DIR_NAMES, ...DIR_NAMES.map((n) => suffixed(n, 1))],
  outputs: ['y', 'hN', 'cN'],

  forward(inp, params, save) {
    const { cell, hidden: H, dirs: D, inference } = params;
    const x = inp.x!;
    const [T, B] = x.shape as [number, number, number];
    const G = cell.gates;
    const w = (n: DirName) => Array.from({ length: D }, (_, d) => inp[suffixed(n, d)]);
    const hasBias = !!inp.b_ih;
    const wIh = D === 1 ? inp.w_ih!.view(inp.w_ih!.shape) : concat(w('w_ih') as Tensor[], 0);
    const wHh = stack(w('w_hh') as Tensor[]);
    const bHh = cell.hhBias !== 'bind' ? undefined : hasBias ? stack(w('b_hh') as Tensor[]) : zeros([D, G * H]);
    const seq: SequenceDims = { batch: B, hidden: H, steps: T, dirs: D };
    // What the steps read the input projections from: xproj, or (one inference step) what it is made of.
    const half = params.half;
    const input = inference && fusedInputPossible(x.storage.g, cell, seq) ? fusedInputs(inp, G * H) : { xproj: projectInputs(inp, wIh, cell, seq, half?.w_ih) };

    const slots = inference ? 2 : T + 1; // state slots a direction: one a step, or a ring of 2
    const hState = Tensor.empty([D, slots, B, H]);
    const cState = cell.cellState ? Tensor.empty([D, slots, B, H]) : undefined;
    for (let d = 0; d < D; d++) {
      copyInto(hState, d * slots * B * H, inp.h0!, d * B * H, B * H);
      if (cState) copyInto(cState, d * slots * B * H, inp.c0!, d * B * H, B * H);
    }
    const gates = cell.saved ? Tensor.empty([D, inference ? 2 : T, B, cell.saved * H]) : undefined;
    const y = Tensor.empty([T, B, D * H]); // the steps write every element, padding included
    const lengths = inp.lengths!;
    const weights = half ? { w_hh_half: half.w_hh } : { w_hh: wHh };
    encodeSequence(cell, 'forward', { ...input, ...weights, b_hh: bHh, lengths, h_state: hState, c_state: cState, gates, y }, seq, inference);
    for (const t of Object.values(input)) t.dispose();
    // hN / cN: slot T of each direction (every sequence carried its state past its own end).
    const hN = Tensor.empty([D, B, H]);
    const cN = cState ? Tensor.empty([D, B, H]) : undefined;
    for (let d = 0; d < D; d++) {
      const slotT = (d * slots + (inference ? T % 2 : T)) * B * H;
      copyInto(hN, d * B * H, hState, slotT, B * H);
      if (cState) copyInto(cN!, d * B * H, cState, slotT, B * H);
    }
    return {
      outputs: { y, hN, cN },
      saved: { x: save(x), lengths: save(lengths), wIh, wHh, bHh, hState, cState, gates, hasBias },
      scratch: [wIh, wHh, hState, ...[cState, gates, bHh].filter((t): t is Tensor => !!t)],
    };
  },

  backward({ y: dy, hN: dhN, cN: dcN }, s, { cell, hidden: H, dirs: D }, needs) {
    const [T, B, I] = s.x.shape as [number, number, number];
    const GH = cell.gates * H;
    const dyT = dy ?? zeros([T, B, D * H]);
    const dhCarry = dhN ? copyRange(dhN, 0, [D, B, H]) : zeros([D, B, H]);
    const dcCarry = cell.cellState ? (dcN ? copyRange(dcN, 0, [D, B, H]) : zeros([D, B, H])) : undefined;
    const dgatesHh = Tensor.empty([D, T, B, GH]);
    const dxproj = Tensor.empty([T, B, D * GH]); // written completely by the steps, padding included
    const seq: SequenceDims = { batch: B, hidden: H, steps: T, dirs: D };
    encodeSequence(cell, 'backward', {
      w_hh: s.wHh, lengths: s.lengths, gates: s.gates, h_state: s.hState, c_state: s.cState,
      dy: dyT, dh_carry: dhCarry, dc_carry: dcCarry, dgates_hh: dgatesHh, dxproj,
    }, seq);
    if (!dy) dyT.dispose();

    const dg3 = dgatesHh.view([D, T * B, GH]);
    // An initial state that needs no gradient (the zeros a layer starts from) skips its product.
    const dh0 = needs.h0 ? initialStateGrad(cell, s, dgatesHh, dhCarry, { T, B, H, D }) : null;
    if (!dh0) dhCarry.dispose();
    const dWhh = recurrentWeightGrad(cell, s, dg3, { T, B, H, D });
    const dxp2 = dxproj.view([T * B, D * GH]);
    const x2 = s.x.view([T * B, I]);
    const dWih = mm(dxp2, x2, { transA: true }); // [D·GH, I]
    const dx = needs.x ? mm(dxp2, s.wIh) : null; // [T·B, I]; the tape views it as [T, B, I]
    let dbIh: Tensor[] = [];
    let dbHh: Tensor[] = [];
    if (s.hasBias) {
      const ones = full([1, T * B], 1);
      dbIh = columnSums(ones, dxp2, D, GH);
      // A bound b_hh enters through the recurrent product; a folded one the same sum as b_ih.
      dbHh = cell.hhBias === 'bind' ? columnSums(ones, dg3, D, GH) : dbIh.map((t) => copyRange(t, 0, [GH]));
      ones.dispose();
    }
    const dWihs = split(dWih, D, [GH, I]);
    const dWhhs = split(dWhh, D, [GH, H]);
    for (const t of [dWih, dWhh, dg3, dxp2, x2, dxproj, dgatesHh]) t.dispose();

    if (dcCarry && !needs.c0) dcCarry.dispose();
    const grads: Partial<Record<InputName, Tensor | null>> = { x: dx, h0: dh0, c0: (needs.c0 && dcCarry) || null };
    for (let d = 0; d < D; d++) {
      Object.assign(grads, { [suffixed('w_ih', d)]: dWihs[d], [suffixed('w_hh', d)]: dWhhs[d] });
      if (s.hasBias) Object.assign(grads, { [suffixed('b_ih', d)]: dbIh[d], [suffixed('b_hh', d)]: dbHh[d] });
    }
    return grads;
  },
};

type Sizes = { T: number; B: number; H: number; D: number };

/** dh0 = dgates_hh[step 0]·W_hh over the gate blocks that feed h_prev directly, per direction
 *  (step 0 is active for every sequence), plus the local term the carry holds for some cells. */
function initialStateGrad(cell: CellSpec, s: Saved, dgatesHh: Tensor, dhCarry: Tensor, { T, B, H, D }: Sizes): Tensor {
  const GH = cell.gates * H;
  const RH = (cell.recurrentGates ?? cell.gates) * H;
  let first = Tensor.empty([D, B, GH]);
  for (let d = 0; d < D; d++) copyInto(first, d * B * GH, dgatesHh, d * T * B * GH, B * GH);
  let w = s.wHh;
  if (RH < GH) {
    const part = slice(first, 2, 0, RH);
    first.dispose();
    first = part;
    w = slice(s.wHh, 1, 0, RH);
  }
  // With the local term, the product accumulates into the carry, which becomes dh0.
  const dh0 = mm(first, w, { accumulate: cell.carryAddsToDh0 ? dhCarry : undefined });
  first.dispose();
  if (w !== s.wHh) w.dispose();
  if (dh0 !== dhCarry) dhCarry.dispose();
  return dh0;
}

/** dW_hh[d] = Σ_s dgates_hh[d, s]ᵀ·(h_prev[d, s], or the saved value a block multiplies instead). */
function recurrentWeightGrad(cell: CellSpec, s: Saved, dg3: Tensor, { T, B, H, D }: Sizes): Tensor {
  const GH = cell.gates * H;
  const RH = (cell.recurrentGates ?? cell.gates) * H;
  const hPrev = Tensor.empty([D, T * B, H]);
  for (let d = 0; d < D; d++) copyInto(hPrev, d * T * B * H, s.hState, d * (T + 1) * B * H, T * B * H);
  if (RH === GH) {
    const dW = mm(dg3, hPrev, { transA: true }); // [D, GH, H]
    hPrev.dispose();
    return dW;
  }
  const gates = s.gates!.view([D, T * B, cell.saved * H]);
  const at = cell.savedInput! * H;
  const input = slice(gates, 2, at, at + H);
  const parts = [[slice(dg3, 2, 0, RH), hPrev], [slice(dg3, 2, RH, GH), input]].map(([dg, v]) => {
    const p = mm(dg!, v!, { transA: true });
    dg!.dispose();
    return p;
  });
  const dW = concat(parts, 1);
  for (const t of [...parts, hPrev, input, gates]) t.dispose();
  return dW;
}

export interface SequenceResult {
  y: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/** The binary16 copies of one layer's weights (one DirectionWeights a direction), for rnnSequence's
 *  `half`: made once (f16 weights are a snapshot), kept until the caller disposes them. */
export function halfLayerWeights(weights: readonly DirectionWeights[]): HalfLayerWeights {
  const wIh = weights.length === 1 ? weights[0]!.w_ih : concat(weights.map((w) => w.w_ih), 0);
  const wHh = stack(weights.map((w) => w.w_hh));
  const out = { w_ih: keep(launchToHalf(wIh)), w_hh: keep(launchToHalf(wHh)) };
  if (wIh !== weights[0]!.w_ih) wIh.dispose();
  wHh.dispose();
  return out;
}

/** Runs one recurrent layer of `kind` over a time-major sequence (shapes are checked by the
 *  caller): weights has one entry a direction; c0 is needed by cells with a cell state. `half`
 *  (halfLayerWeights of the same weights): read them as f16, for inference only. */
export function rnnSequence(
  kind: CellKind,
  inputs: { x: Tensor; lengths: Tensor; h0: Tensor; c0?: Tensor | null; weights: readonly DirectionWeights[] },
  hidden: number,
  half?: HalfLayerWeights,
): SequenceResult {
  const cell = CELLS[kind];
  const named: Partial<Record<InputName, Tensor>> = { x: inputs.x, lengths: inputs.lengths, h0: inputs.h0 };
  if (cell.cellState) named.c0 = inputs.c0!;
  inputs.weights.forEach((w, d) => {
    for (const n of DIR_NAMES) if (w[n]) named[suffixed(n, d)] = w[n];
  });
  const inference = !willRecord(Object.values(named));
  if (half && !inference) {
    throw new Error('webrnn: rnn_sequence: f16 weights are for inference (no gradient flows through them): run the forward under noGrad(), or turn them off to train');
  }
  if (half && !cell.forward.half) throw new Error(`webrnn: rnn_sequence: ${kind} has no kernels for f16 weights`);
  const out = applyNamed(sequenceOp, named, { cell, hidden, dirs: inputs.weights.length as 1 | 2, inference, half });
  return { y: out.y!, hN: out.hN!, cN: out.cN ?? null };
}
