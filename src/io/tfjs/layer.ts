// What every imported Keras layer is: a plan made on the host from its config and input shapes
// (checks everything, allocates nothing) and, from the plan and its weights, a webrnn module that
// runs it. Shapes are Keras's, batch first, with null for a size only known at run time.
import { ops } from '../../graph/ops/index.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fail, type LayerConfig } from './format.js';

export type SymShape = (number | null)[];

/** A tensor of the graph at plan time: its shape, and whether it carries a Keras mask. */
export interface SymTensor {
  shape: SymShape;
  masked: boolean;
}

/** What a run passes every layer: the mode, and each row's length where a mask is a right padding. */
export interface CallContext {
  training: boolean;
  lengths: number[] | null;
  /** [B, T, 1] float: 1 inside each row's length, 0 past it (made once per run). */
  mask(): Tensor;
  /** 1 − mask(). */
  pastEnd(): Tensor;
  /** Stateful layers' initial states by layer name (the caller's), and where they put their final ones. */
  initialState: Record<string, Tensor[]>;
  finalState: Record<string, Tensor[]>;
}

export abstract class ImportedLayer extends Module {
  abstract call(xs: Tensor[], ctx: CallContext): Tensor[];
  /** The layer's weights in Keras's layout, by key (`kernel`, `forward/bias`, …). */
  async kerasWeights(): Promise<Record<string, Float32Array>> {
    return {};
  }
}

export interface Plan {
  outputs: SymTensor[];
  /** The weights the layer reads, by key, with the shapes its config and inputs imply. */
  weights: Record<string, number[]>;
  build(w: Record<string, Float32Array>): ImportedLayer;
}

export type PlanFn = (cfg: LayerConfig, inputs: SymTensor[], where: string) => Plan;

/** Config readers that name the layer in their errors. */
export function reader(cfg: LayerConfig, where: string) {
  return {
    num(k: string, dflt?: number): number {
      const v = cfg[k] ?? dflt;
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${where}: ${k} = ${JSON.stringify(v)} must be a number`);
      return v;
    },
    int(k: string): number {
      const v = cfg[k];
      if (!Number.isInteger(v) || (v as number) < 1) return fail(`${where}: ${k} = ${JSON.stringify(v)} must be a positive integer`);
      return v as number;
    },
    bool(k: string, dflt: boolean): boolean {
      const v = cfg[k] ?? dflt;
      if (typeof v !== 'boolean') return fail(`${where}: ${k} = ${JSON.stringify(v)} must be true or false`);
      return v;
    },
    str(k: string, dflt: string): string {
      const v = cfg[k] ?? dflt;
      if (typeof v !== 'string') return fail(`${where}: ${k} = ${JSON.stringify(v)} must be a string`);
      return v;
    },
    /** Options that change what the layer computes: refused unless at their neutral value. */
    refuse(k: string, neutral: unknown[]): void {
      if (k in cfg && !neutral.some((n) => JSON.stringify(n) === JSON.stringify(cfg[k]))) fail(`${where}: ${k} = ${JSON.stringify(cfg[k])} is not supported`);
    },
  };
}

/** Runs `f` with a `t` that collects the intermediates it wraps, then frees them. (Not tidy():
 *  that would also free the views the tape saves for backward.) */
function compose(f: (t: (x: Tensor) => Tensor) => Tensor): Tensor {
  const made: Tensor[] = [];
  const y = f((x) => (made.push(x), x));
  for (const m of made) m.dispose();
  return y;
}

/** Keras activation names webrnn computes exactly, as differentiable compositions of its ops
 *  (the formulas TF.js uses). */
const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  linear: (x) => ops.reshape(x, x.shape),
  relu: (x) => ops.relu(x),
  relu6: (x) => ops.clamp(x, 0, 6),
  tanh: (x) => ops.tanh(x),
  sigmoid: (x) => ops.sigmoid(x),
  // TF.js and Keras 2: clip(0.2·x + 0.5, 0, 1).
  hard_sigmoid: (x) => compose((t) => ops.clamp(t(ops.add(t(ops.mul(x, 0.2)), 0.5)), 0, 1)),
  softmax: (x) => ops.softmax(x, -1),
  log_softmax: (x) => ops.logSoftmax(x, -1),
  softsign: (x) => compose((t) => ops.div(x, t(ops.add(t(ops.abs(x)), 1)))),
  swish: (x) => compose((t) => ops.mul(x, t(ops.sigmoid(x)))),
  elu: (x) => elu(x, 1),
  // SELU's constants (Klambauer et al. 2017), as TF.js writes them.
  selu: (x) => compose((t) => ops.mul(t(elu(x, 1.6732632423543772848170429916717)), 1.0507009873554804934193349852946)),
};
/** elu(x) = x for x > 0, α·(eˣ − 1) otherwise = relu(x) + α·(exp(−relu(−x)) − 1). */
const elu = (x: Tensor, alpha: number): Tensor =>
  compose((t) => ops.add(t(ops.relu(x)), t(ops.mul(t(ops.sub(t(ops.exp(t(ops.neg(t(ops.relu(t(ops.neg(x)))))))), 1)), alpha))));
/** TF.js writes camelCase activation names in a few places (hardSigmoid, logSoftmax). */
const ALIASES: Record<string, string> = { hardSigmoid: 'hard_sigmoid', logSoftmax: 'log_softmax', None: 'linear' };

export function activation(name: unknown, where: string, key = 'activation'): (x: Tensor) => Tensor {
  const n = name === null || name === undefined ? 'linear' : typeof name === 'string' ? (ALIASES[name] ?? name) : JSON.stringify(name);
  return ACTIVATIONS[n] ?? fail(`${where}: ${key} '${n}' is not supported (${Object.keys(ACTIVATIONS).join(', ')})`);
}

/** A shape's size where it is known; `what` names it in the error. */
export function known(d: number | null | undefined, where: string, what: string): number {
  if (typeof d !== 'number') return fail(`${where}: the ${what} must be known from the model's input shape`);
  return d;
}

/** [r, c] row-major → its transpose [c, r], with the column blocks of size `block` reordered by
 *  `order` (the Keras kernel [in, G·H] → webrnn's [G·H, in] with its gate order). */
export function transposeBlocks(src: Float32Array, rows: number, cols: number, block = cols, order = [0]): Float32Array {
  const out = new Float32Array(rows * cols);
  order.forEach((from, to) => {
    for (let j = 0; j < block; j++) {
      for (let i = 0; i < rows; i++) out[(to * block + j) * rows + i] = src[i * cols + from * block + j]!;
    }
  });
  return out;
}

/** The inverse of transposeBlocks: webrnn's [G·H, in] back to the Keras kernel [in, G·H]. */
export function untransposeBlocks(w: Float32Array, rows: number, cols: number, block: number, order: number[]): Float32Array {
  const out = new Float32Array(rows * cols);
  order.forEach((from, to) => {
    for (let j = 0; j < block; j++) {
      for (let i = 0; i < rows; i++) out[i * cols + from * block + j] = w[(to * block + j) * rows + i]!;
    }
  });
  return out;
}

/** Blocks of a vector reordered: out block `to` = src block order[to]. */
export function reorder(src: Float32Array, block: number, order: number[]): Float32Array {
  const out = new Float32Array(src.length);
  order.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/** The inverse of a block order. */
export const inverse = (order: number[]): number[] => order.map((_, i) => order.indexOf(i));
