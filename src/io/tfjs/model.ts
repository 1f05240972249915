// An imported Keras model as a webrnn module: one sub-module per Keras layer (named as in Keras,
// parameters in PyTorch's layout inside it), run in the graph's order. Inputs and outputs are
// Keras's: batch first. Its parameters are ordinary webrnn parameters, so webrnn's optimizers train it.
import { tensor } from '../../graph/create.js';
import { Module } from '../../nn/module.js';
import { shapeStr, type Tensor } from '../../tensor/tensor.js';
import type { ModelJson } from './format.js';
import type { CallContext, ImportedLayer } from './layer.js';
import type { MaskRule, ModelPlan } from './plan.js';

/** Per-call options of LayersModel's forward(). */
export interface ForwardOptions {
  /** Each row's length, for models with a Masking layer or Embedding(mask_zero): the mask must be a
   *  right padding (see maskLengths). */
  lengths?: ArrayLike<number>;
  /** Initial states of `stateful` recurrent layers, by layer name (what forwardWithState returned);
   *  a stateful layer missing here starts from zeros. */
  state?: LayerStates;
}

/** Each stateful layer's states, [B, H] each: h (and c for LSTM), per direction (forward first). */
export type LayerStates = Record<string, Tensor[]>;

export class LayersModel extends Module {
  readonly name: string;
  readonly inputNames: string[];
  readonly outputNames: string[];
  private readonly layers = new Map<string, ImportedLayer>();

  /** Use loadLayersModel(); `plan` has been checked and `json` is kept for saving. */
  constructor(readonly plan: ModelPlan, readonly json: ModelJson) {
    super();
    this.name = plan.graph.name;
    this.inputNames = plan.graph.inputs.map((r) => r.layer);
    this.outputNames = plan.graph.outputs.map((r) => `${r.layer}:${r.index}`);
    try {
      for (const { node, plan: p, weights } of plan.order) {
        if (!p) continue;
        const w = Object.fromEntries(Object.entries(weights).map(([k, [, hw]]) => [k, hw.data]));
        this.layers.set(node.config.name, this.registerModule(node.config.name, p.build(w)));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The Keras layer named `name` (its webrnn module). */
  layer(name: string): ImportedLayer {
    return this.layers.get(name) ?? (() => { throw new Error(`webrnn: LayersModel: no layer named '${name}'`); })();
  }

  /** The model's outputs for its inputs (one tensor, or one a model input, batch first); one output
   *  comes back as a tensor, several as an array in the model's output order. */
  forward(inputs: Tensor | Tensor[], opts: ForwardOptions = {}): Tensor | Tensor[] {
    const outs = this.forwardAll(Array.isArray(inputs) ? inputs : [inputs], opts);
    return outs.length === 1 ? outs[0]! : outs;
  }

  /** forward() that always returns an array. */
  forwardAll(xs: Tensor[], opts: ForwardOptions = {}): Tensor[] {
    const { outputs, state } = this.forwardWithState(xs, opts);
    for (const ts of Object.values(state)) for (const t of ts) if (!outputs.includes(t)) t.dispose();
    return outputs;
  }

  /** The outputs and the final states of the model's `stateful` recurrent layers (Keras carries
   *  them from batch to batch; here the caller keeps them and passes them as `opts.state`). */
  forwardWithState(xs: Tensor[], opts: ForwardOptions = {}): { outputs: Tensor[]; state: LayerStates } {
    const { graph, order, inputShapes } = this.plan;
    if (xs.length !== graph.inputs.length) throw new Error(`webrnn: LayersModel '${this.name}': expects ${graph.inputs.length} input(s), got ${xs.length}`);
    xs.forEach((x, i) => {
      const want = inputShapes[i]!;
      if (x.rank !== want.length || want.some((d, k) => d !== null && x.shape[k] !== d)) {
        throw new Error(`webrnn: LayersModel '${this.name}': input ${i} ('${this.inputNames[i]}') ${shapeStr(x.shape)} does not fit [${want.map((d) => d ?? 'any').join(', ')}]`);
      }
    });
    const ctx = this.context(xs, opts);
    const values = new Map<string, Tensor[]>();
    graph.inputs.forEach((r, i) => values.set(r.layer, [xs[i]!]));
    const made: Tensor[] = [];
    try {
      for (const { node, plan } of order) {
        if (!plan) continue;
        const ins = node.inputs.map((r) => values.get(r.layer)![r.index]!);
        const outs = this.layers.get(node.config.name)!.call(ins, ctx);
        values.set(node.config.name, outs);
        made.push(...outs);
      }
      const result = graph.outputs.map((r) => values.get(r.layer)![r.index]!);
      const kept = new Set([...result, ...Object.values(ctx.finalState).flat()]);
      for (const t of made) if (!kept.has(t)) t.dispose();
      return { outputs: result, state: ctx.finalState };
    } catch (e) {
      for (const t of new Set([...made, ...Object.values(ctx.finalState).flat()])) t.dispose();
      throw e;
    } finally {
      ctx.release();
    }
  }

  /** Each row's length from host input data by the model's mask rule (Masking: a step is masked
   *  where every feature equals mask_value; Embedding(mask_zero): where the index is 0). Throws
   *  unless every row is unmasked steps followed by masked ones, with at least one unmasked. */
  maskLengths(data: ArrayLike<number>, shape: readonly number[]): number[] {
    const rule = this.plan.mask;
    if (!rule) throw new Error(`webrnn: LayersModel '${this.name}' has no Masking layer or Embedding(mask_zero)`);
    return lengthsOf(rule, data, shape);
  }

  private context(xs: Tensor[], opts: ForwardOptions): CallContext & { release(): void } {
    const rule = this.plan.mask;
    let lengths: number[] | null = null;
    if (rule) {
      if (!opts.lengths) throw new Error(`webrnn: LayersModel '${this.name}' masks its input: pass forward(x, { lengths }) (model.maskLengths(data, shape) computes them)`);
      const x = xs[rule.input]!;
      const [B, T] = x.shape as [number, number];
      lengths = Array.from(opts.lengths);
      if (lengths.length !== B || lengths.some((l) => !(Number.isInteger(l) && l >= 1 && l <= T))) {
        throw new Error(`webrnn: LayersModel '${this.name}': lengths [${lengths.join(', ')}] must be ${B} integers in 1..${T}`);
      }
    }
    // The [B, T, 1] masks are made on first use and freed after the run.
    const masks: Partial<Record<'in' | 'past', Tensor>> = {};
    const maskOf = (which: 'in' | 'past') => () => {
      if (!masks[which]) {
        const [B, T] = xs[rule!.input]!.shape as [number, number];
        const m = new Float32Array(B * T);
        for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) m[b * T + t] = (t < lengths![b]!) === (which === 'in') ? 1 : 0;
        masks[which] = tensor(m, [B, T, 1]);
      }
      return masks[which];
    };
    return {
      training: this.training,
      lengths,
      initialState: opts.state ?? {},
      finalState: {},
      mask: maskOf('in'),
      pastEnd: maskOf('past'),
      release: () => Object.values(masks).forEach((t) => t.dispose()),
    };
  }
}

function lengthsOf(rule: MaskRule, data: ArrayLike<number>, shape: readonly number[]): number[] {
  const [B, T] = shape as [number, number];
  const F = rule.kind === 'value' ? (shape[2] ?? 1) : 1;
  if (shape.length !== (rule.kind === 'value' ? 3 : 2) || data.length !== B * T * F) {
    throw new Error(`webrnn: maskLengths: ${data.length} values of shape ${shapeStr(shape)} are not the model's masked input`);
  }
  const kept = (b: number, t: number) => {
    for (let f = 0; f < F; f++) if (data[(b * T + t) * F + f] !== rule.value) return true;
    return false;
  };
  return Array.from({ length: B }, (_, b) => {
    let len = 0;
    while (len < T && kept(b, len)) len++;
    for (let t = len; t < T; t++) if (kept(b, t)) throw new Error(`webrnn: maskLengths: row ${b}'s mask is not a right padding (step ${t} is unmasked after a masked step ${len})`);
    if (len === 0) throw new Error(`webrnn: maskLengths: row ${b} is masked at every step`);
    return len;
  });
}
