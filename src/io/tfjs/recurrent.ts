// Keras LSTM, GRU and SimpleRNN (alone or inside Bidirectional) as webrnn's nn.LSTM / nn.GRU /
// nn.RNN over batch-first input. Weight mapping (kernel [in, G·H] → weight_ih [G·H, in]):
// LSTM gates i, f, c, o = PyTorch's i, f, g, o, one bias → bias_ih (bias_hh = 0);
// GRU z, r, h → r, z, n; reset_after=False: one bias [3H] → bias_ih (its b_hn sits outside the
// product, so it adds), the cell is nn.GRU({ resetAfter: false }); reset_after=True: bias [2, 3H]
// = input and recurrent biases, PyTorch's own GRU. SimpleRNN: one gate, one bias.
import { tensor } from '../../graph/create.js';
import { ops } from '../../graph/ops/index.js';
import { GRU, LSTM, RNN, type RecurrentActivation } from '../../nn/rnn.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fail, type LayerConfig } from './format.js';
import { ImportedLayer, inverse, known, reader, reorder, transposeBlocks, untransposeBlocks, type CallContext, type Plan, type SymTensor } from './layer.js';

export type Kind = 'LSTM' | 'GRU' | 'SimpleRNN';
const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };
/** webrnn gate block k = Keras gate block ORDER[k]. */
const ORDER: Record<Kind, number[]> = { LSTM: [0, 1, 2, 3], GRU: [1, 0, 2], SimpleRNN: [0] };

export interface RnnConfig {
  kind: Kind;
  units: number;
  useBias: boolean;
  resetAfter: boolean;
  relu: boolean;
  recurrentActivation: RecurrentActivation;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
}

function parseRnn(kind: Kind, cfg: LayerConfig, where: string): RnnConfig {
  const r = reader(cfg, where);
  const act = r.str('activation', 'tanh');
  if (!(act === 'tanh' || (kind === 'SimpleRNN' && act === 'relu'))) fail(`${where}: activation '${act}' is not supported (${kind === 'SimpleRNN' ? "'tanh' or 'relu'" : "'tanh'"})`);
  // Keras 2 and TF.js default to hard_sigmoid; TF.js writes it as 'hardSigmoid' in places.
  let ra = kind === 'SimpleRNN' ? 'sigmoid' : r.str('recurrent_activation', 'hard_sigmoid');
  if (ra === 'hardSigmoid') ra = 'hard_sigmoid';
  if (ra !== 'sigmoid' && ra !== 'hard_sigmoid') fail(`${where}: recurrent_activation '${ra}' is not supported ('sigmoid' or 'hard_sigmoid')`);
  r.refuse('dropout', [0, null]);
  r.refuse('recurrent_dropout', [0, null]);
  r.refuse('time_major', [false, null]);
  r.bool('unroll', false); // unrolling changes how, not what, Keras computes
  const resetAfter = kind === 'GRU' ? r.bool('reset_after', false) : false;
  return {
    kind,
    units: r.int('units'),
    useBias: r.bool('use_bias', true),
    resetAfter,
    relu: kind === 'SimpleRNN' && act === 'relu',
    recurrentActivation: ra as RecurrentActivation,
    returnSequences: r.bool('return_sequences', false),
    returnState: r.bool('return_state', false),
    goBackwards: r.bool('go_backwards', false),
    stateful: r.bool('stateful', false),
  };
}

/** The Keras weights of one direction, by key, with their shapes. */
function directionWeights(c: RnnConfig, inSize: number, prefix: string): Record<string, number[]> {
  const GH = GATES[c.kind] * c.units;
  const w: Record<string, number[]> = { [`${prefix}kernel`]: [inSize, GH], [`${prefix}recurrent_kernel`]: [c.units, GH] };
  if (c.useBias) w[`${prefix}bias`] = c.resetAfter ? [2, GH] : [GH];
  return w;
}

/** Keras weights of one direction → webrnn's state-dict entries with suffix `sfx`. */
function toWebrnn(c: RnnConfig, inSize: number, w: Record<string, Float32Array>, prefix: string, sfx: string): Record<string, Float32Array> {
  const H = c.units;
  const GH = GATES[c.kind] * H;
  const order = ORDER[c.kind];
  const out: Record<string, Float32Array> = {
    [`weight_ih_l0${sfx}`]: transposeBlocks(w[`${prefix}kernel`]!, inSize, GH, H, order),
    [`weight_hh_l0${sfx}`]: transposeBlocks(w[`${prefix}recurrent_kernel`]!, H, GH, H, order),
  };
  if (c.useBias) {
    const b = w[`${prefix}bias`]!;
    out[`bias_ih_l0${sfx}`] = reorder(b.subarray(0, GH), H, order);
    out[`bias_hh_l0${sfx}`] = c.resetAfter ? reorder(b.subarray(GH), H, order) : new Float32Array(GH);
  }
  return out;
}

/** webrnn's state-dict entries → Keras weights (biases summed where Keras has one); the inverse of
 *  toWebrnn, also what saveLayersModel writes for a native layer. */
export function toKeras(c: RnnConfig, inSize: number, sd: Record<string, Float32Array>, prefix: string, sfx: string): Record<string, Float32Array> {
  const H = c.units;
  const GH = GATES[c.kind] * H;
  const order = ORDER[c.kind];
  const inv = inverse(order);
  const back = (m: Float32Array, rows: number) => untransposeBlocks(m, rows, GH, H, order);
  const out: Record<string, Float32Array> = {
    [`${prefix}kernel`]: back(sd[`weight_ih_l0${sfx}`]!, inSize),
    [`${prefix}recurrent_kernel`]: back(sd[`weight_hh_l0${sfx}`]!, H),
  };
  if (c.useBias) {
    const bi = reorder(sd[`bias_ih_l0${sfx}`]!, H, inv);
    const bh = reorder(sd[`bias_hh_l0${sfx}`]!, H, inv);
    if (c.resetAfter) {
      const b = new Float32Array(2 * GH);
      b.set(bi);
      b.set(bh, GH);
      out[`${prefix}bias`] = b;
    } else out[`${prefix}bias`] = bi.map((v, i) => v + bh[i]!);
  }
  return out;
}

/** x [B, T, F] reversed along time, as a product with the exchange matrix (differentiable). */
export function flipTime(x: Tensor): Tensor {
  const T = x.shape[1]!;
  const j = new Float32Array(T * T);
  for (let t = 0; t < T; t++) j[t * T + (T - 1 - t)] = 1;
  const J = tensor(j, [T, T]);
  const xt = ops.transpose(x, 1, 2);
  const yt = ops.matmul(xt, J);
  const y = ops.transpose(yt, 1, 2);
  for (const t of [J, xt, yt]) t.dispose();
  return y;
}

type Merge = 'concat' | 'sum' | 'mul' | 'ave' | null;

class RecurrentLayer extends ImportedLayer {
  readonly rnn: LSTM | GRU | RNN;
  constructor(readonly name: string, readonly c: RnnConfig, readonly inSize: number, readonly merge: Merge | undefined, w: Record<string, Float32Array>) {
    super();
    const bidirectional = merge !== undefined;
    const opts = { inputSize: inSize, hiddenSize: c.units, bias: c.useBias, batchFirst: true, bidirectional };
    const gated = { ...opts, recurrentActivation: c.recurrentActivation };
    this.rnn = this.registerModule('rnn', c.kind === 'LSTM' ? new LSTM(gated) : c.kind === 'GRU' ? new GRU({ ...gated, resetAfter: c.resetAfter }) : new RNN({ ...opts, nonlinearity: c.relu ? 'relu' : 'tanh' }));
    const sd = bidirectional ? { ...toWebrnn(c, inSize, w, 'forward/', ''), ...toWebrnn(c, inSize, w, 'backward/', '_reverse') } : toWebrnn(c, inSize, w, '', '');
    this.rnn.loadStateDict(sd);
  }

  call([x]: Tensor[], ctx: CallContext): Tensor[] {
    const masked = ctx.lengths !== null && this.maskedInput;
    const input = this.c.goBackwards ? flipTime(x!) : x!;
    const lengths = masked ? ctx.lengths! : undefined;
    const init = this.c.stateful ? this.initialState(ctx, x!.shape[0]!) : null;
    const [y, state] = this.rnn.forward(input, init as never, { lengths }) as [Tensor, Tensor | [Tensor, Tensor]];
    if (input !== x) input.dispose();
    if (init) (Array.isArray(init) ? init : [init]).forEach((t) => t.dispose());
    const [hN, cN] = Array.isArray(state) ? state : [state, null];
    const H = this.c.units;
    const D = this.merge === undefined ? 1 : 2;
    // States per direction: hN [D, B, H] → [B, H] each.
    const states: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      states.push(ops.select(hN, 0, d));
      if (cN) states.push(ops.select(cN, 0, d));
    }
    let seq: Tensor;
    if (this.c.returnSequences) {
      seq = y;
      if (masked) {
        // TF.js carries the last state through masked steps: past each row's end (where webrnn
        // writes 0) the output is h_N. Masked inputs are unidirectional (the plan checks).
        const h3 = ops.reshape(states[0]!, [states[0]!.shape[0]!, 1, H]);
        const fill = ops.mul(h3, ctx.pastEnd());
        seq = ops.add(y, fill);
        for (const t of [h3, fill, y]) t.dispose();
      }
    } else {
      // The last output of each direction is its final state (the reverse one's after a full pass).
      seq = D === 1 ? ops.reshape(states[0]!, states[0]!.shape) : ops.concat([states[0]!, states[cN ? 2 : 1]!], -1);
      y.dispose();
    }
    hN.dispose();
    cN?.dispose();
    const outs = D === 1 ? [seq] : this.mergeDirections(seq, H);
    if (D === 2 && outs[0] !== seq) seq.dispose();
    if (this.c.stateful) ctx.finalState[this.name] = states;
    if (!this.c.returnState) {
      if (!this.c.stateful) for (const s of states) s.dispose();
      return outs;
    }
    return [...outs, ...states];
  }

  /** h0 (and c0) [D, B, H] from the caller's states of this layer ([B, H] each: h, c per direction). */
  private initialState(ctx: CallContext, B: number): Tensor | [Tensor, Tensor] | null {
    const given = ctx.initialState[this.name];
    if (!given) return null;
    const D = this.merge === undefined ? 1 : 2;
    const per = this.c.kind === 'LSTM' ? 2 : 1;
    const H = this.c.units;
    if (given.length !== D * per || given.some((t) => t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== H)) {
      throw new Error(`webrnn: LayersModel: the state of '${this.name}' must be ${D * per} tensors [${B}, ${H}] (h${per === 2 ? ', c' : ''} per direction), got ${given.map((t) => `[${t.shape.join(', ')}]`).join(', ')}`);
    }
    const stack = (k: number) => ops.stack(Array.from({ length: D }, (_, d) => given[d * per + k]!), 0);
    return per === 2 ? [stack(0), stack(1)] : stack(0);
  }

  /** Set by the plan: whether this layer's input carries a mask. */
  maskedInput = false;

  private mergeDirections(y: Tensor, H: number): Tensor[] {
    if (this.merge === 'concat') return [y];
    const last = y.rank - 1;
    const f = ops.slice(y, last, 0, H);
    const b = ops.slice(y, last, H, 2 * H);
    if (this.merge === null) return [f, b];
    let out: Tensor;
    if (this.merge === 'sum') out = ops.add(f, b);
    else if (this.merge === 'mul') out = ops.mul(f, b);
    else {
      const s = ops.add(f, b);
      out = ops.mul(s, 0.5);
      s.dispose();
    }
    f.dispose();
    b.dispose();
    return [out];
  }

  override async kerasWeights(): Promise<Record<string, Float32Array>> {
    const sd: Record<string, Float32Array> = {};
    for (const [n, t] of this.rnn.namedParameters()) sd[n] = (await t.data()) as Float32Array;
    if (this.merge === undefined) return toKeras(this.c, this.inSize, sd, '', '');
    return { ...toKeras(this.c, this.inSize, sd, 'forward/', ''), ...toKeras(this.c, this.inSize, sd, 'backward/', '_reverse') };
  }
}

function outputsOf(c: RnnConfig, x: SymTensor, dirs: 1 | 2, merge: Merge | undefined): SymTensor[] {
  const [B, T] = x.shape;
  const width = merge === 'concat' ? 2 * c.units : c.units;
  const seq: SymTensor = c.returnSequences ? { shape: [B!, T!, width], masked: x.masked } : { shape: [B!, width], masked: false };
  const outs = merge === null ? [seq, { ...seq }] : [seq];
  if (c.returnState) for (let i = 0; i < dirs * (c.kind === 'LSTM' ? 2 : 1); i++) outs.push({ shape: [B!, c.units], masked: false });
  return outs;
}

function inputOf(inputs: SymTensor[], where: string): { x: SymTensor; inSize: number } {
  if (inputs.length !== 1) fail(`${where}: takes one input, got ${inputs.length} (initial states as inputs are not supported)`);
  const x = inputs[0]!;
  if (x.shape.length !== 3) fail(`${where}: input must be 3-D [batch, time, features], got rank ${x.shape.length}`);
  return { x, inSize: known(x.shape[2], where, 'input feature size') };
}

export const planRecurrent = (kind: Kind) => (cfg: LayerConfig, inputs: SymTensor[], where: string): Plan => {
  const c = parseRnn(kind, cfg, where);
  const { x, inSize } = inputOf(inputs, where);
  if (x.masked && c.goBackwards) fail(`${where}: go_backwards over a masked input is not supported`);
  return {
    outputs: outputsOf(c, x, 1, undefined),
    weights: directionWeights(c, inSize, ''),
    build: (w) => Object.assign(new RecurrentLayer(cfg.name, c, inSize, undefined, w), { maskedInput: x.masked }),
  };
};

export function planBidirectional(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const inner = cfg.layer as { class_name?: string; config?: LayerConfig } | undefined;
  const kind = inner?.class_name as Kind;
  if (!inner || !(kind in GATES) || typeof inner.config !== 'object') fail(`${where}: wraps ${JSON.stringify(inner?.class_name)}; only LSTM, GRU and SimpleRNN are supported`);
  const innerWhere = `${where} > ${kind} '${String(inner!.config!.name)}'`;
  const c = parseRnn(kind, inner!.config!, innerWhere);
  if (c.goBackwards) fail(`${innerWhere}: go_backwards inside Bidirectional is not supported`);
  if (cfg.backward_layer) fail(`${where}: a separate backward_layer is not supported`);
  const m = cfg.merge_mode === undefined ? 'concat' : cfg.merge_mode;
  if (!(m === null || m === 'concat' || m === 'sum' || m === 'mul' || m === 'ave')) fail(`${where}: merge_mode ${JSON.stringify(m)} is not supported (concat, sum, mul, ave or null)`);
  const { x, inSize } = inputOf(inputs, where);
  if (x.masked) fail(`${where}: a masked input is not supported by Bidirectional`);
  return {
    outputs: outputsOf(c, x, 2, m as Merge),
    weights: { ...directionWeights(c, inSize, 'forward/'), ...directionWeights(c, inSize, 'backward/') },
    build: (w) => new RecurrentLayer(cfg.name, c, inSize, m as Merge, w),
  };
}
