// ONNX LSTM, GRU and RNN as webrnn's recurrent sequence op (src/graph/rnn.ts). The weights stay in
// ONNX's layout (they are the model's parameters, so fine-tuned values map back to the file);
// each run slices them into webrnn's per-direction layout with differentiable ops:
//   W [D, G·H, I], R [D, G·H, H] → weight_ih, weight_hh [G·H, ·] with the gate blocks reordered:
//   LSTM i,o,f,c → webrnn i,f,g,o; GRU z,r,h → r,z,n; RNN one gate.
//   B [D, 2·G·H] = [Wb, Rb] → bias_ih = Wb, bias_hh = Rb (reordered the same way).
// GRU linear_before_reset=1 is PyTorch's GRU (webrnn 'gru'); 0 is the reset-before cell
// ('gru_reset_before'). direction 'reverse' runs the forward cell over each sequence reversed
// within its own length (a row gather, differentiable), then reverses the outputs back.
import { tensor, zeros } from '../../graph/create.js';
import { embedding } from '../../graph/ops/embedding.js';
import { ops } from '../../graph/ops/index.js';
import { rnnSequence, type DirectionWeights } from '../../graph/rnn.js';
import type { CellKind } from '../../kernels/cells/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { OnnxNode } from './graph.js';
import { dims, fail, ints, runFail, type Host, type Value } from './values.js';

export const RECURRENT_OPS = ['LSTM', 'GRU', 'RNN'] as const;
type Op = (typeof RECURRENT_OPS)[number];
const GATES: Record<Op, number> = { LSTM: 4, GRU: 3, RNN: 1 };
/** webrnn gate block k = ONNX gate block ORDER[k]. */
const ORDER: Record<Op, number[]> = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] };
const DEFAULT_ACTS: Record<Op, string[]> = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'], RNN: ['Tanh'] };

export interface RecurrentConfig {
  op: Op;
  kind: CellKind;
  hidden: number;
  dirs: 1 | 2;
  reverse: boolean;
  layout: 0 | 1;
}

/** Checks a recurrent node's attributes and (where they are initializers) its weights' shapes. */
export function planRecurrent(n: OnnxNode, consts: ReadonlyMap<string, Host>): RecurrentConfig {
  const op = n.op as Op;
  const a = n.attrs;
  const direction = a.str('direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) fail(`${n.label}: direction '${direction}' must be forward, reverse or bidirectional`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const layout = a.int('layout', 0);
  if (layout !== 0 && layout !== 1) fail(`${n.label}: layout ${layout} must be 0 or 1`);
  if (a.has('clip')) fail(`${n.label}: clip is not supported (webrnn's cells do not clip their pre-activations)`);
  if (op === 'LSTM' && a.int('input_forget', 0) !== 0) fail(`${n.label}: input_forget = 1 (coupled input and forget gates) is not supported`);
  if (op === 'LSTM' && n.inputs[7]) fail(`${n.label}: peephole weights P ('${n.inputs[7]}') are not supported`);
  if (op === 'GRU' && ![0, 1].includes(a.int('linear_before_reset', 0))) fail(`${n.label}: linear_before_reset must be 0 or 1`);
  const base: CellKind = op === 'LSTM' ? 'lstm' : op === 'RNN' ? 'rnn_tanh' : a.int('linear_before_reset', 0) === 1 ? 'gru' : 'gru_reset_before';
  return { kind: activationKind(n, op, base, dirs), dirs, layout: layout as 0 | 1, reverse: direction === 'reverse', op, hidden: hiddenSize(n, op, dirs, direction, consts) };
}

/** The cell kind for the node's `activations`: the defaults; Relu for RNN; HardSigmoid gates for
 *  LSTM and GRU where every activation_alpha is 0.2 and every activation_beta 0.5 (ONNX's
 *  defaults, and Keras's hard_sigmoid as tf2onnx writes it), whichever activation takes them. */
function activationKind(n: OnnxNode, op: Op, base: CellKind, dirs: number): CellKind {
  const a = n.attrs;
  const acts = a.strs('activations');
  const per = DEFAULT_ACTS[op].length;
  const perDir = acts ? [acts.slice(0, per), acts.slice(per, 2 * per)].slice(0, dirs) : [DEFAULT_ACTS[op]];
  const first = perDir[0]!;
  const same = !acts || (acts.length === per * dirs && perDir.every((l) => l.join() === first.join()));
  const rest = first.slice(1).join() === DEFAULT_ACTS[op].slice(1).join();
  const hard = op !== 'RNN' && rest && first[0] === 'HardSigmoid';
  const close = (vs: number[] | undefined, v: number) => (vs ?? []).every((x) => Math.abs(x - v) < 1e-6);
  const params = close(a.floats('activation_alpha'), 0.2) && close(a.floats('activation_beta'), 0.5);
  const ok = same && ((rest && first[0] === DEFAULT_ACTS[op][0] && !a.has('activation_alpha') && !a.has('activation_beta')) || (op === 'RNN' && first.join() === 'Relu') || (hard && params));
  if (!ok) {
    const alt = op === 'RNN' ? ' or [Relu]' : ` or [HardSigmoid${DEFAULT_ACTS[op].slice(1).map((s) => `, ${s}`).join('')}] with alpha 0.2, beta 0.5`;
    const list = (k: string) => (a.floats(k) ?? []).map((v) => +v.toPrecision(6)).join(', ');
    const given = a.has('activation_alpha') || a.has('activation_beta') ? ` with activation_alpha [${list('activation_alpha')}], activation_beta [${list('activation_beta')}]` : '';
    fail(`${n.label}: activations [${(acts ?? DEFAULT_ACTS[op]).join(', ')}]${given} are not supported (${op} takes [${DEFAULT_ACTS[op].join(', ')}]${alt} for each direction)`);
  }
  if (op === 'RNN' && first[0] === 'Relu') return 'rnn_relu';
  return hard ? (`${base}_hard_sigmoid` as CellKind) : base;
}

/** hidden_size, or R's second dim where the attribute is absent; checks initializer weights' shapes. */
function hiddenSize(n: OnnxNode, op: Op, dirs: number, direction: string, consts: ReadonlyMap<string, Host>): number {
  const a = n.attrs;
  const G = GATES[op];
  const R = consts.get(n.inputs[2] ?? '');
  const hidden = a.has('hidden_size') ? a.int('hidden_size') : R ? R.shape[2]! : fail(`${n.label}: hidden_size is missing and R is not an initializer`);
  if (!(hidden >= 1)) fail(`${n.label}: hidden_size ${hidden} must be positive`);
  const W = consts.get(n.inputs[1] ?? '');
  const want: [string, Host | undefined, (number | null)[]][] = [
    ['W', W, [dirs, G * hidden, null]],
    ['R', R, [dirs, G * hidden, hidden]],
    ['B', consts.get(n.inputs[3] ?? ''), [dirs, 2 * G * hidden]],
  ];
  for (const [what, v, shape] of want) {
    if (v && (v.shape.length !== shape.length || shape.some((d, i) => d !== null && v.shape[i] !== d))) {
      fail(`${n.label}: ${what} '${n.inputs[['W', 'R', 'B'].indexOf(what) + 1]}' has shape ${dims(v.shape)}, hidden_size ${hidden} and direction '${direction}' imply [${shape.map((d) => d ?? 'input_size').join(', ')}]`);
    }
  }
  return hidden;
}

/** Rows of `t` [D, G·H, K] for direction d, gate blocks in webrnn's order: [G·H, K] (or [G·H] for a bias half). */
function directionBlocks(t: Tensor, d: number, order: number[], H: number, from = 0): Tensor {
  const inner = t.shape.slice(2);
  const one = ops.slice(t, 0, d, d + 1);
  const flat = ops.reshape(one, [t.shape[1]!, ...inner]);
  const blocks = order.map((k) => ops.slice(flat, 0, from + k * H, from + (k + 1) * H));
  return blocks.length === 1 ? blocks[0]! : ops.concat(blocks, 0);
}

/** int32 row indices that reverse each batch column of a [T, B, ·] sequence within its length. */
function reversal(T: number, B: number, lengths: number[]): Tensor {
  const idx = new Int32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) idx[t * B + b] = (t < lengths[b]! ? lengths[b]! - 1 - t : t) * B + b;
  return tensor(idx, [T * B]);
}

const gatherRows = (x: Tensor, rows: Tensor): Tensor => {
  const [T, B] = x.shape as [number, number];
  return ops.reshape(embedding(ops.reshape(x, [T * B, x.shape[2]!]), rows), x.shape);
};

/** Runs the node; `get` gives an input's value (undefined where omitted), `gpu` a value as a GPU tensor. */
export function runRecurrent(n: OnnxNode, c: RecurrentConfig, get: (i: number) => Value | undefined, gpu: (v: Value, what: string) => Tensor): (Tensor | undefined)[] {
  const H = c.hidden;
  const D = c.dirs;
  const xIn = gpu(get(0) ?? runFail(`${n.label}: X is missing`), `${n.label}: X`);
  if (xIn.rank !== 3) runFail(`${n.label}: X must be 3-D, got ${dims(xIn.shape)}`);
  const x = c.layout === 1 ? ops.transpose(xIn, 0, 1) : xIn;
  const [T, B, I] = x.shape as [number, number, number];
  const G = GATES[c.op];
  const W = gpu(get(1)!, `${n.label}: W`);
  const R = gpu(get(2)!, `${n.label}: R`);
  const bias = get(3) ? gpu(get(3)!, `${n.label}: B`) : undefined;
  const check = (what: string, t: Tensor | undefined, shape: number[]) => {
    if (t && (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))) runFail(`${n.label}: ${what} has shape ${dims(t.shape)}, expected ${dims(shape)} (X ${dims(xIn.shape)}, hidden_size ${H})`);
  };
  check('W', W, [D, G * H, I]);
  check('R', R, [D, G * H, H]);
  check('B', bias, [D, 2 * G * H]);
  const lensV = get(4);
  const lengths = lensV ? ints(lensV, `${n.label}: sequence_lens`) : new Array<number>(B).fill(T);
  if (lengths.length !== B || lengths.some((l) => !(Number.isInteger(l) && l >= 1 && l <= T))) {
    runFail(`${n.label}: sequence_lens [${lengths.join(', ')}] must be ${B} lengths in 1..${T}`);
  }
  const state = (i: number, what: string) => {
    const v = get(i);
    if (!v) return zeros([D, B, H]);
    const s = gpu(v, `${n.label}: ${what}`);
    check(what, s, c.layout === 1 ? [B, D, H] : [D, B, H]);
    return c.layout === 1 ? ops.transpose(s, 0, 1) : s;
  };
  const h0 = state(5, 'initial_h');
  const c0 = c.op === 'LSTM' ? state(6, 'initial_c') : null;
  const order = ORDER[c.op];
  const weights: DirectionWeights[] = Array.from({ length: D }, (_, d) => {
    const w: DirectionWeights = { w_ih: directionBlocks(W, d, order, H), w_hh: directionBlocks(R, d, order, H) };
    if (bias) {
      w.b_ih = directionBlocks(bias, d, order, H);
      w.b_hh = directionBlocks(bias, d, order, H, G * H);
    }
    return w;
  });
  const rows = c.reverse ? reversal(T, B, lengths) : null;
  const xr = rows ? gatherRows(x, rows) : x;
  const out = rnnSequence(c.kind, { x: xr, lengths: tensor(Int32Array.from(lengths), [B]), h0, c0, weights }, H);
  const y = rows ? gatherRows(out.y, rows) : out.y; // [T, B, D·H]
  const y4 = ops.reshape(y, [T, B, D, H]);
  const Y = c.layout === 1 ? ops.permute(y4, 1, 0, 2, 3) : ops.permute(y4, 0, 2, 1, 3);
  const last = (s: Tensor) => (c.layout === 1 ? ops.transpose(s, 0, 1) : s);
  return [Y, last(out.hN), out.cN ? last(out.cN) : undefined];
}

export const isRecurrent = (op: string): boolean => (RECURRENT_OPS as readonly string[]).includes(op);
