// The recurrent sequence op: one layer of RNN / LSTM / GRU over a whole sequence, both directions
// at once. Forward: one matmul for the input projections of all steps and directions, then one
// fused step kernel per time step (on CPU adapters one launch looping over all steps). Backward
// (BPTT): the same for the step kernels, then the weight, bias and input gradients as a few large
// matmuls over all steps. No readback anywhere.
import { recorder } from '../gpu/encoder.js';
import { encodeGruBackward, encodeGruForward } from '../kernels/gru.js';
import { encodeLstmBackward, encodeLstmForward } from '../kernels/lstm.js';
import { matmul as mm } from '../kernels/matmul.js';
import { encodeRnnStepBackward, encodeRnnStepForward, type SequenceDims } from '../kernels/rnn.js';
import { binary } from '../kernels/elementwise.js';
import { concat } from '../kernels/shape.js';
import { full, zeros } from './create.js';
import { apply, type Op } from './tape.js';
import { Tensor } from '../tensor/tensor.js';

export type RnnMode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Gates per unit (G) and saved values per unit (S) of each cell. */
export const GATES: Record<RnnMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };
const SAVED: Record<RnnMode, number> = { rnn_tanh: 0, rnn_relu: 0, lstm: 4, gru: 4 };

export interface SequenceParams {
  mode: RnnMode;
  hidden: number;
  dirs: 1 | 2;
  bias: boolean;
}

/** Per direction: weight_ih [G·H, I], weight_hh [G·H, H], and (with bias) bias_ih, bias_hh [G·H]. */
export interface DirectionWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh?: Tensor;
  bHh?: Tensor;
}

interface Saved {
  x: Tensor;
  lengths: Tensor;
  wIh: Tensor; // [D·G·H, I], both directions
  wHh: Tensor; // [D, G·H, H]
  hState: Tensor; // [D, T+1, B, H]
  cState: Tensor | null;
  gates: Tensor | null; // [D, T, B, S·H]
  bHh: Tensor | null; // GRU: [D, G·H]
}

/** A new tensor holding `size` elements of `src` from element `offset` (a buffer copy, no dispatch). */
function copyRange(src: Tensor, offset: number, shape: number[]): Tensor {
  const out = Tensor.empty(shape);
  recorder(src.storage.g).copy(src.buffer, offset * 4, out.buffer, 0, out.size * 4);
  return out;
}

/** Both directions' tensors stacked along a new first axis (a view when there is one). */
function stack(ts: Tensor[]): Tensor {
  return ts.length === 1 ? ts[0]!.view([1, ...ts[0]!.shape]) : concat(ts.map((t) => t.view([1, ...t.shape])), 0);
}

/** Splits the rows of `t` into `parts` equal blocks, each a new tensor of `shape`. */
function split(t: Tensor, parts: number, shape: number[]): Tensor[] {
  if (parts === 1) return [t.view(shape)];
  const n = t.size / parts;
  return Array.from({ length: parts }, (_, d) => copyRange(t, d * n, shape));
}

/** Inputs: x [T, B, I], lengths int32 [B], h0 [D, B, H], (LSTM) c0, then per direction wIh, wHh
 *  (bIh, bHh). Outputs: y [T, B, D·H], hN [D, B, H], (LSTM) cN. */
const sequenceOp: Op<SequenceParams, Saved> = {
  name: 'rnn_sequence',
  forward(inputs, p, save) {
    const lstm = p.mode === 'lstm';
    const [x, lengths, h0] = inputs as [Tensor, Tensor, Tensor];
    const c0 = lstm ? inputs[3]! : null;
    const w = directionWeights(inputs.slice(lstm ? 4 : 3), p);
    const [T, B, I] = x.shape as [number, number, number];
    const { hidden: H, dirs: D } = p;
    const G = GATES[p.mode];
    const gru = p.mode === 'gru';

    const wIh = D === 1 ? w[0]!.wIh.view(w[0]!.wIh.shape) : concat(w.map((d) => d.wIh), 0);
    const wHh = stack(w.map((d) => d.wHh));
    let bias: Tensor | undefined;
    let bHh: Tensor | null = null;
    if (p.bias) {
      // LSTM/RNN fold b_hh into the projection; GRU keeps it apart (it sits inside r ⊙ (W_hn·h + b_hn)).
      const perDir = gru ? w.map((d) => d.bIh!.view(d.bIh!.shape)) : w.map((d) => binary('add', d.bIh!, d.bHh!));
      bias = D === 1 ? perDir[0] : concat(perDir, 0);
      if (D > 1) for (const t of perDir) t.dispose();
      if (gru) bHh = stack(w.map((d) => d.bHh!));
    } else if (gru) {
      bHh = zeros([D, G * H]);
    }
    const x2 = x.view([T * B, I]);
    const xprojFlat = mm(x2, wIh, { transB: true, bias });
    const xproj = xprojFlat.view([T, B, D * G * H]);
    for (const t of [x2, xprojFlat, bias]) t?.dispose();

    const hState = Tensor.empty([D, T + 1, B, H]);
    const cState = lstm ? Tensor.empty([D, T + 1, B, H]) : null;
    for (let d = 0; d < D; d++) {
      const slot0 = d * (T + 1) * B * H;
      copyIntoRange(hState, slot0, h0, d * B * H, B * H);
      if (cState) copyIntoRange(cState, slot0, c0!, d * B * H, B * H);
    }
    const gates = SAVED[p.mode] ? Tensor.empty([D, T, B, SAVED[p.mode] * H]) : null;
    const y = Tensor.empty([T, B, D * H]); // the steps write every element, padding included
    const seq: SequenceDims = { batch: B, hidden: H, steps: T, dirs: D };
    if (lstm) encodeLstmForward({ xproj, w_hh: wHh, lengths, h_state: hState, c_state: cState!, gates: gates!, y }, seq);
    else if (gru) encodeGruForward({ xproj, w_hh: wHh, b_hh: bHh!, lengths, h_state: hState, gates: gates!, y }, seq);
    else {
      const act = p.mode === 'rnn_relu' ? 'relu' : 'tanh';
      for (let step = 0; step < T; step++) encodeRnnStepForward({ xproj, w_hh: wHh, lengths, h_state: hState, y }, { ...seq, step }, act);
    }
    xproj.dispose();
    // hN / cN: slot T of each direction (every sequence carried its state past its own end).
    const hN = Tensor.empty([D, B, H]);
    const cN = cState ? Tensor.empty([D, B, H]) : null;
    for (let d = 0; d < D; d++) {
      const slotT = (d * (T + 1) + T) * B * H;
      copyIntoRange(hN, d * B * H, hState, slotT, B * H);
      if (cState) copyIntoRange(cN!, d * B * H, cState, slotT, B * H);
    }
    const scratch = [wIh, wHh, hState, ...[cState, gates, bHh].filter((t): t is Tensor => t !== null)];
    return {
      outputs: cN ? [y, hN, cN] : [y, hN],
      saved: { x: save(x), lengths: save(lengths), wIh, wHh, hState, cState, gates, bHh },
      scratch,
    };
  },

  backward(dOut, s, p, needs) {
    const lstm = p.mode === 'lstm';
    const gru = p.mode === 'gru';
    const [T, B, I] = s.x.shape as [number, number, number];
    const { hidden: H, dirs: D } = p;
    const G = GATES[p.mode];
    const GH = G * H;
    const [dy, dhN, dcN] = dOut;

    const dyT = dy ?? zeros([T, B, D * H]);
    const dhCarry = dhN ? copyRange(dhN, 0, [D, B, H]) : zeros([D, B, H]);
    const dcCarry = lstm ? (dcN ? copyRange(dcN, 0, [D, B, H]) : zeros([D, B, H])) : null;
    const dgatesHh = Tensor.empty([D, T, B, GH]);
    const dxproj = Tensor.empty([T, B, D * GH]); // written completely by the steps, padding included
    const seq: SequenceDims = { batch: B, hidden: H, steps: T, dirs: D };
    const common = { w_hh: s.wHh, lengths: s.lengths, dy: dyT, dh_carry: dhCarry, dgates_hh: dgatesHh, dxproj };
    if (lstm) encodeLstmBackward({ ...common, gates: s.gates!, c_state: s.cState!, dc_carry: dcCarry! }, seq);
    else if (gru) encodeGruBackward({ ...common, gates: s.gates!, h_state: s.hState }, seq);
    else {
      const act = p.mode === 'rnn_relu' ? 'relu' : 'tanh';
      for (let step = T - 1; step >= 0; step--) encodeRnnStepBackward({ ...common, h_state: s.hState }, { ...seq, step }, act);
    }
    if (!dy) dyT.dispose();

    // dh0 = dgates_hh[step 0]·W_hh per direction (+ GRU's local term, already in dh_carry).
    const first = Tensor.empty([D, B, GH]);
    for (let d = 0; d < D; d++) copyIntoRange(first, d * B * GH, dgatesHh, d * T * B * GH, B * GH);
    let dh0: Tensor;
    if (gru) dh0 = mm(first, s.wHh, { accumulate: dhCarry });
    else {
      dh0 = mm(first, s.wHh);
      dhCarry.dispose();
    }
    first.dispose();

    // Weight gradients over all steps at once: dW_hh[d] = Σ_s dgates_hh[d, s]ᵀ·h_prev[d, s].
    const hPrev = Tensor.empty([D, T * B, H]);
    for (let d = 0; d < D; d++) copyIntoRange(hPrev, d * T * B * H, s.hState, d * (T + 1) * B * H, T * B * H);
    const dg3 = dgatesHh.view([D, T * B, GH]);
    const dWhh = mm(dg3, hPrev, { transA: true }); // [D, GH, H]
    hPrev.dispose();
    const dxp2 = dxproj.view([T * B, D * GH]);
    const x2 = s.x.view([T * B, I]);
    const dWih = mm(dxp2, x2, { transA: true }); // [D·GH, I]
    const dx = needs[0] ? mm(dxp2, s.wIh) : null; // [T·B, I]; the tape views it as [T, B, I]
    let dbIh: Tensor[] = [];
    let dbHh: Tensor[] = [];
    if (p.bias) {
      // Column sums as ones[1, T·B]·X: the matmul kernels stream X once with vector loads; an
      // axis-0 reduction was ~8× slower on lavapipe.
      const ones = full([1, T * B], 1);
      const sums = (x: Tensor): Tensor[] => {
        const prod = mm(ones, x); // [1, D·GH], or [D, 1, GH] for a batched x
        const flat = prod.view([D * GH]);
        const parts = split(flat, D, [GH]);
        for (const t of [prod, flat]) t.dispose();
        return parts;
      };
      dbIh = sums(dxp2);
      // GRU: b_hh sits inside r ⊙ (W_hn·h + b_hn); LSTM/RNN: b_ih and b_hh enter the same sum.
      dbHh = gru ? sums(dg3) : dbIh.map((t) => copyRange(t, 0, [GH]));
      ones.dispose();
    }
    const dWihs = split(dWih, D, [GH, I]);
    const dWhhs = split(dWhh, D, [GH, H]);
    for (const t of [dWih, dWhh, dg3, dxp2, x2, dxproj, dgatesHh]) t.dispose();

    const grads: (Tensor | null)[] = [dx, null, dh0];
    if (lstm) grads.push(dcCarry);
    for (let d = 0; d < D; d++) {
      grads.push(dWihs[d]!, dWhhs[d]!);
      if (p.bias) grads.push(dbIh[d]!, dbHh[d]!);
    }
    return grads;
  },
};

/** Copies `n` elements of src (from element `srcOffset`) into dst at element `dstOffset`. */
function copyIntoRange(dst: Tensor, dstOffset: number, src: Tensor, srcOffset: number, n: number): void {
  recorder(dst.storage.g).copy(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, n * 4);
}

function directionWeights(ts: readonly Tensor[], p: SequenceParams): DirectionWeights[] {
  const per = p.bias ? 4 : 2;
  return Array.from({ length: p.dirs }, (_, d) => {
    const [wIh, wHh, bIh, bHh] = ts.slice(d * per, d * per + per) as Tensor[];
    return { wIh: wIh!, wHh: wHh!, bIh, bHh };
  });
}

export interface SequenceResult {
  y: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/** Runs one recurrent layer over a time-major sequence (shapes are checked by the caller). */
export function rnnSequence(
  x: Tensor,
  lengths: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  weights: DirectionWeights[],
  p: SequenceParams,
): SequenceResult {
  const flat = weights.flatMap((w) => (p.bias ? [w.wIh, w.wHh, w.bIh!, w.bHh!] : [w.wIh, w.wHh]));
  const inputs = [x, lengths, h0, ...(p.mode === 'lstm' ? [c0!] : []), ...flat];
  const [y, hN, cN] = apply(sequenceOp, inputs, p);
  return { y: y!, hN: hN!, cN: cN ?? null };
}
