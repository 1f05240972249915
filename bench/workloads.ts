// The benchmark workloads of issue 6 (W1–W5, and the opt-in W6) and their data: shapes, matmul FLOP counts and
// seeded inputs/targets, shared by webrnn (time-major [T, B, I]) and TensorFlow.js ([B, T, I]).
// Targets: class indices for cross-entropy, 0/1 for the sigmoid + MSE head.
import { Random } from '../src/util/random.js';

export type Cell = 'lstm' | 'gru';

export interface Workload {
  id: string;
  title: string;
  cell: Cell;
  batch: number;
  steps: number;
  /** Input features per step (the vocabulary when `oneHot`). */
  input: number;
  hidden: number;
  layers: number;
  /** Classes of the cross-entropy head, or 1 for the sigmoid + MSE head. */
  outputs: number;
  /** 'last': the head reads the last step; 'every': every step. */
  head: 'last' | 'every';
  loss: 'crossEntropy' | 'sigmoidMse';
  /** Inputs are one-hot vectors of `input` classes (the char-LM). */
  oneHot: boolean;
  /** Run only when `--only` names it: sized for a GPU, minutes a step on a software adapter. */
  optIn?: boolean;
}

const w = (id: string, title: string, o: Omit<Workload, 'id' | 'title'>): Workload => ({ id, title, ...o });

/** The workloads as the issue specifies them. */
export const FULL_WORKLOADS: Workload[] = [
  w('W1', 'seq-MNIST LSTM', { cell: 'lstm', batch: 64, steps: 28, input: 28, hidden: 128, layers: 1, outputs: 10, head: 'last', loss: 'crossEntropy', oneHot: false }),
  w('W2', 'char-LM 2×LSTM', { cell: 'lstm', batch: 32, steps: 64, input: 65, hidden: 256, layers: 2, outputs: 65, head: 'every', loss: 'crossEntropy', oneHot: true }),
  w('W3', 'binary-add LSTM', { cell: 'lstm', batch: 64, steps: 8, input: 2, hidden: 16, layers: 1, outputs: 1, head: 'every', loss: 'sigmoidMse', oneHot: false }),
  w('W4', 'seq-MNIST GRU', { cell: 'gru', batch: 64, steps: 28, input: 28, hidden: 128, layers: 1, outputs: 10, head: 'last', loss: 'crossEntropy', oneHot: false }),
  w('W5', 'long-sequence LSTM', { cell: 'lstm', batch: 16, steps: 512, input: 32, hidden: 256, layers: 1, outputs: 10, head: 'last', loss: 'crossEntropy', oneHot: false }),
  // Compute-bound: its recurrent product is a 256×1024 · 1024×4096 matmul a step, to compare with
  // the matmul section's best rate on a GPU.
  w('W6', 'compute-bound LSTM', { cell: 'lstm', batch: 256, steps: 32, input: 1024, hidden: 1024, layers: 1, outputs: 10, head: 'last', loss: 'crossEntropy', oneHot: false, optIn: true }),
];

/** The workloads a run measures: those `only` names, in that order (refusing unknown ids), else
 *  all but the opt-in ones. */
export function selectWorkloads(all: readonly Workload[], only: readonly string[] | null): Workload[] {
  const unknown = only?.filter((id) => !all.some((w) => w.id === id)) ?? [];
  if (unknown.length) throw new Error(`bench: --only ${unknown.join(',')}: unknown workload (known: ${all.map((w) => w.id).join(', ')})`);
  if (!only) return all.filter((w) => !w.optIn);
  return [...new Set(only)].map((id) => all.find((w) => w.id === id)!);
}

/** Tiny versions of the same five for the CI smoke run (--quick). Sizes are shared where they
 *  can be, so tfjs compiles fewer shader variants (its programs are keyed by shape). */
export const QUICK_WORKLOADS: Workload[] = FULL_WORKLOADS.map((wl) => ({
  ...wl,
  title: `${wl.title} (tiny)`,
  batch: 4,
  steps: wl.id === 'W5' ? 24 : 6, // W5 stays the long one
  input: Math.min(wl.input, 8),
  hidden: 8,
  outputs: wl.oneHot ? 8 : wl.outputs, // the char-LM predicts its own 8-symbol input
}));

/** The shape column of a workload's rows, e.g. "B64 T28 I28 H128". */
export const shapeOf = (wl: Workload): string =>
  `B${wl.batch} T${wl.steps} ${wl.oneHot ? 'V' : 'I'}${wl.input} H${wl.hidden}${wl.layers > 1 ? ` ×${wl.layers}` : ''}`;

export const GATES: Record<Cell, number> = { lstm: 4, gru: 3 };

/** Rows the head sees: B (last step) or T·B (every step). */
export const headRows = (wl: Workload): number => (wl.head === 'last' ? wl.batch : wl.steps * wl.batch);

/** Matmul FLOPs of one forward pass: per layer 2·T·B·(I + H)·G·H (input and recurrent
 *  projections), plus the head 2·rows·H·outputs. Element-wise work is not counted. */
export function forwardFlops(wl: Workload): number {
  const G = GATES[wl.cell];
  let flops = 0;
  for (let l = 0; l < wl.layers; l++) {
    const inSize = l === 0 ? wl.input : wl.hidden;
    flops += 2 * wl.steps * wl.batch * (inSize + wl.hidden) * G * wl.hidden;
  }
  return flops + 2 * headRows(wl) * wl.hidden * wl.outputs;
}

/** A training step counted as 3× the forward (the backward does two matmuls per forward one). */
export const trainFlops = (wl: Workload): number => 3 * forwardFlops(wl);

export interface WorkloadData {
  /** Inputs, time-major [T, B, I]. */
  x: Float32Array;
  /** Cross-entropy: class indices [rows] (time-major rows for 'every'); MSE: 0/1 [T, B, 1]. */
  targets: Int32Array | Float32Array;
}

/** Seeded inputs and targets. W3 is real binary addition (bits LSB first); the others are random
 *  inputs with random labels (the benchmark times steps, it does not need to learn). */
export function makeData(wl: Workload, seed = 1234): WorkloadData {
  const r = new Random(seed);
  const { steps: T, batch: B, input: I } = wl;
  const x = new Float32Array(T * B * I);
  if (wl.loss === 'sigmoidMse') {
    const y = new Float32Array(T * B);
    const bits = Math.min(T, 30);
    for (let b = 0; b < B; b++) {
      const a = Math.floor(r.uniform() * 2 ** (bits - 1));
      const c = Math.floor(r.uniform() * 2 ** (bits - 1));
      for (let t = 0; t < T; t++) {
        const bit = (v: number) => (t < bits ? Math.floor(v / 2 ** t) % 2 : 0);
        x[(t * B + b) * I] = bit(a);
        if (I > 1) x[(t * B + b) * I + 1] = bit(c);
        y[t * B + b] = bit(a + c);
      }
    }
    return { x, targets: y };
  }
  if (wl.oneHot) {
    // A character stream: the target of each step is the next character.
    const chars = new Int32Array((T + 1) * B);
    for (let i = 0; i < chars.length; i++) chars[i] = Math.floor(r.uniform() * I);
    const targets = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        x[(t * B + b) * I + chars[t * B + b]!] = 1;
        targets[t * B + b] = chars[(t + 1) * B + b]!;
      }
    }
    return { x, targets };
  }
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  const targets = new Int32Array(headRows(wl));
  for (let i = 0; i < targets.length; i++) targets[i] = Math.floor(r.uniform() * wl.outputs);
  return { x, targets };
}

/** [T, B, F] time-major → [B, T, F] batch-first (TensorFlow.js's layout). */
export function batchFirst(v: Float32Array, T: number, B: number, F: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(v.subarray((t * B + b) * F, (t * B + b + 1) * F), (b * T + t) * F);
  return out;
}

/** Weights in PyTorch's layout, read back from webrnn's modules, for TensorFlow.js. */
export interface SharedWeights {
  /** Per layer: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]. */
  layers: { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array; bHh: Float32Array }[];
  /** Linear head: weight [outputs, H], bias [outputs]. */
  head: { w: Float32Array; b: Float32Array };
}
