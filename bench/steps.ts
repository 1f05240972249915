// Benchmark section: recurrent training steps (issue 6 workloads W1, W3, W5, W2 and a compute-bound
// LSTM) in wall and CPU ms per step, plus where the time goes: the step kernels alone (all T forward
// and backward steps as the sequence op launches them) and dispatches per step. W2's inputs are
// dense here (not one-hot). Run: `node build.mjs --gen && npx vite-node bench/steps_cli.ts [W1 W5 …]`.
import { counters, resetCounters, sync } from '../src/gpu/memory.js';
import { randn, tensor } from '../src/graph/create.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import '../src/graph/methods.js';
import { CELLS, encodeSequence } from '../src/kernels/cells/index.js';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../src/nn/losses.js';
import * as nn from '../src/nn/index.js';
import { clipGradNorm } from '../src/optim/clip.js';
import * as optim from '../src/optim/index.js';
import type { BenchContext, BenchRow, Section } from './bench.js';

/** One training workload: an LSTM stack and a linear head, on the last step or on every step. */
interface Workload {
  name: string;
  B: number;
  T: number;
  I: number;
  H: number;
  layers: number;
  out: number;
  /** 'last': cross-entropy on the last step; 'every': cross-entropy per step; 'bits': BCE per step. */
  loss: 'last' | 'every' | 'bits';
}

const WORKLOADS: Workload[] = [
  { name: 'W1', B: 64, T: 28, I: 28, H: 128, layers: 1, out: 10, loss: 'last' },
  { name: 'W3', B: 64, T: 8, I: 2, H: 16, layers: 1, out: 1, loss: 'bits' },
  { name: 'W5', B: 16, T: 512, I: 32, H: 256, layers: 1, out: 10, loss: 'last' },
  { name: 'W2', B: 32, T: 64, I: 65, H: 256, layers: 2, out: 65, loss: 'every' },
  { name: 'LSTM B64 H256 T16', B: 64, T: 16, I: 256, H: 256, layers: 1, out: 10, loss: 'last' },
];
const QUICK: Workload[] = [{ name: 'W3', B: 64, T: 8, I: 2, H: 16, layers: 1, out: 1, loss: 'bits' }];

/** Multiply-adds ×2 of one training step's recurrent layers (forward, BPTT, weight gradients). */
function layerFlops({ B, T, I, H, layers }: Workload): number {
  let f = 0;
  for (let l = 0; l < layers; l++) {
    const inp = l === 0 ? I : H;
    // forward x·W_ihᵀ and h·W_hhᵀ; backward dh·W_hh, dx = dg·W_ih, dW_ih, dW_hh
    f += 2 * T * B * 4 * H * (inp + H) * 3;
  }
  return f;
}

/** Builds the model and returns a function recording one training step (one submit at the readback). */
function trainingStep(w: Workload): { step: () => Tensor; dispose: () => void } {
  const lstm = new nn.LSTM({ inputSize: w.I, hiddenSize: w.H, numLayers: w.layers, seed: 1 });
  const head = new nn.Linear(w.H, w.out, { seed: 2 });
  const params = [...lstm.parameters(), ...head.parameters()];
  const opt = new optim.Adam(params, { lr: 1e-3 });
  const x = randn([w.T, w.B, w.I], { seed: 3 });
  const nTargets = w.loss === 'last' ? w.B : w.T * w.B;
  const targets = w.loss === 'bits'
    ? tensor(Float32Array.from({ length: nTargets }, (_, i) => (i * 5) % 3 === 0 ? 1 : 0), [nTargets, 1])
    : tensor(Int32Array.from({ length: nTargets }, (_, i) => (i * 7) % w.out), [nTargets], { dtype: 'int32' });
  const step = () => tidy(() => {
    const [y] = lstm.forward(x);
    const feats = w.loss === 'last' ? y.select(0, w.T - 1) : y.reshape([w.T * w.B, w.H]);
    const logits = head.forward(feats);
    const l = w.loss === 'bits' ? binaryCrossEntropyWithLogits(logits, targets) : crossEntropy(logits, targets);
    opt.zeroGrad();
    l.backward();
    clipGradNorm(params, 1);
    opt.step();
    return l;
  });
  return { step, dispose: () => [lstm, head].forEach((m) => m.dispose()) };
}

/** The step kernels alone: T forward and T backward LSTM steps on the workload's sizes, launched as
 *  the sequence op launches them (one a step, or one a layer for small steps on a CPU adapter). */
function stepKernelsOnly(w: Workload): { run: () => void; dispose: () => void } {
  const { B, T, H } = w;
  const D = 1;
  const t = {
    xproj: randn([T, B, 4 * H], { seed: 5 }), w_hh: randn([D, 4 * H, H], { seed: 6, std: 0.05 }),
    lengths: tensor(new Int32Array(B).fill(T), [B], { dtype: 'int32' }),
    h_state: randn([D, T + 1, B, H], { seed: 7 }), c_state: randn([D, T + 1, B, H], { seed: 8 }),
    gates: randn([D, T, B, 4 * H], { seed: 9 }), y: randn([T, B, H], { seed: 10 }), dy: randn([T, B, H], { seed: 11 }),
    dh_carry: randn([D, B, H], { seed: 12 }), dc_carry: randn([D, B, H], { seed: 13 }),
    dgates_hh: randn([D, T, B, 4 * H], { seed: 14 }), dxproj: randn([T, B, 4 * H], { seed: 15 }),
  };
  const run = () => {
    encodeSequence(CELLS.lstm, 'forward', t, { batch: B, hidden: H, steps: T, dirs: D });
    encodeSequence(CELLS.lstm, 'backward', t, { batch: B, hidden: H, steps: T, dirs: D });
  };
  return { run, dispose: () => Object.values(t).forEach((x) => x.dispose()) };
}

/** CPU milliseconds of this process (JS and the software adapter's worker threads) per call of
 *  `f`, best of 3 runs of `n` calls: unlike wall time, barely moved by other load on the machine. */
async function cpuTime(f: () => void, n: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    await sync();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / n);
  }
  return best;
}

async function timeWorkload(ctx: BenchContext, w: Workload): Promise<BenchRow> {
  const { step, dispose } = trainingStep(w);
  const t = await ctx.time(() => step().dispose());
  const cpu = await cpuTime(() => step().dispose(), t.iters);
  resetCounters();
  step().dispose();
  await sync();
  const { dispatches, submits } = counters(); // copied: the counters object keeps counting
  dispose();
  const k = stepKernelsOnly(w);
  const tk = await ctx.time(k.run);
  const cpuK = await cpuTime(k.run, tk.iters);
  k.dispose();
  const ms = t.seconds * 1e3;
  return {
    case: w.name, B: w.B, T: w.T, I: w.I, H: w.H, L: w.layers,
    'ms/step': ms,
    'CPU ms/step': cpu,
    'step kernels ms': tk.seconds * 1e3,
    'step kernels CPU ms': cpuK,
    'GFLOP/s (LSTM)': layerFlops(w) / t.seconds / 1e9,
    dispatches, submits,
    iters: `${t.runs}×${t.iters}`,
  };
}

export const stepsSection: Section = {
  name: 'recurrent training steps',
  async run(ctx) {
    const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const list = (ctx.quick ? QUICK : WORKLOADS).filter((w) => !only.length || only.includes(w.name.split(' ')[0]!));
    const rows: BenchRow[] = [];
    for (const w of list) rows.push(await timeWorkload(ctx, w));
    return rows;
  },
};
