// Benchmark section: the W1–W5 training steps (forward, BPTT, Adam) and inference forwards on
// webrnn, and the same models on TensorFlow.js (webgpu on the same adapter, wasm on the CPU) with
// webrnn's initial weights. Before timing, both sides' initial losses are compared.
import { readFileSync } from 'node:fs';
import { counters, resetCounters } from '../src/index.js';
import { gpu } from '../src/gpu/device.js';
import { halfView } from '../src/kernels/half.js';
import type { BenchRow, RunContext, RunSection } from './bench.js';
import { PYTORCH_THREADS, pytorchAvailable, pytorchColumns, runPytorch, type PytorchResult } from './pytorch.js';
import { LOGIT_TOLERANCE, ortAgreement, ortColumns, runOrtWorkload, type OrtResults } from './ort_workloads.js';
import { TfjsModel } from './tfjs_model.js';
import type { TfBackend, TfjsHandle } from './tfjs.js';
import { measureInterleaved, ratio, type StepTiming } from './timing.js';
import { WebrnnModel } from './webrnn_model.js';
import { forwardFlops, FULL_WORKLOADS, makeData, QUICK_WORKLOADS, selectWorkloads, shapeOf, trainFlops, type SharedWeights, type Workload, type WorkloadData } from './workloads.js';

interface TfResult {
  loss: number;
  /** Absent with --infer-only. */
  train?: StepTiming;
  infer: StepTiming;
  kernels?: number;
}

/** Linux's limit on a process's memory mappings (vm.max_map_count), or null where there is none to
 *  read. lavapipe maps each device-memory allocation on its own, and tfjs-webgpu's training step on
 *  a long sequence holds tens of thousands of buffers at once: on W5 (T = 512) the bench process
 *  passed 63,000 mappings (2026-12-06), and past the limit (65,530 by default) Dawn dereferences
 *  the failed mapping (a segfault in BufferBase::MapAtCreation), which ends the whole bench. */
function mapLimit(): number | null {
  try {
    return Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
  } catch {
    return null;
  }
}
/** Steps from which tfjs-webgpu's training is timed only under a raised mapping limit. */
const LONG_SEQUENCE = 256;
const MAPPINGS_NEEDED = 200_000;

async function runTfjs(ctx: RunContext, h: TfjsHandle, backend: TfBackend, wl: Workload, data: WorkloadData, w: SharedWeights): Promise<TfResult> {
  await h.use(backend);
  const m = new TfjsModel(h, wl, data, w);
  try {
    const loss = await m.lossValue();
    ctx.progress(`${wl.id} tfjs-${backend}: initial loss ${loss.toFixed(5)}; timing`);
    const limit = mapLimit();
    const tooFewMappings = backend === 'webgpu' && wl.steps >= LONG_SEQUENCE && limit !== null && limit < MAPPINGS_NEEDED;
    if (tooFewMappings && !ctx.options.inferOnly) {
      ctx.note(
        `${wl.id}: tfjs-webgpu's training step was not timed: vm.max_map_count is ${limit}, and on ${wl.steps} steps it needs more memory ` +
          `mappings than that (past the limit the process segfaults in Dawn). \`sysctl -w vm.max_map_count=262144\` (root) lets the bench time it.`,
      );
    }
    const train = ctx.options.inferOnly || tooFewMappings ? undefined : await ctx.measure(() => m.trainStep());
    const infer = await ctx.measure(() => m.infer());
    const kernels = train && (await m.kernelsPerStep());
    ctx.progress(`${wl.id} tfjs-${backend}: train ${train?.medianMs.toFixed(1) ?? '—'} ms, infer ${infer.medianMs.toFixed(1)} ms`);
    return { loss, train, infer, kernels };
  } finally {
    m.dispose();
  }
}

/** PyTorch's result (undefined when its logits disagree or its script failed: noted), or null
 *  when PyTorch is not installed. */
function pytorchWorkload(ctx: RunContext, wl: Workload, data: WorkloadData, w: SharedWeights, logits: Float32Array): PytorchResult | null | undefined {
  if ('error' in pytorchAvailable(ctx.options.torchDevice)) return null;
  ctx.progress(`${wl.id} pytorch: timing`);
  try {
    const r = runPytorch(wl, data, w, logits, ctx.quick, ctx.options.torchDevice);
    ctx.progress(`${wl.id} pytorch (${ctx.options.torchDevice}): logits within ${r.maxDiff.toExponential(1)}; train ${r.train.medianMs.toFixed(2)} ms, infer ${r.infer.medianMs.toFixed(2)} ms`);
    if (r.maxDiff <= LOGIT_TOLERANCE) return r;
    ctx.note(`${wl.id}: PyTorch's logits differ from webrnn's by up to ${r.maxDiff.toExponential(2)} (> ${LOGIT_TOLERANCE}); its times are left out.`);
  } catch (e) {
    ctx.note(`${wl.id}: PyTorch failed: ${(e as Error).message}`);
  }
  return undefined;
}

interface HalfResult {
  f32: StepTiming;
  f16: StepTiming;
  /** Largest |logit| difference, f16 weights − float32 weights. */
  maxDiff: number;
}

/** Inference with f16 weights (Module.halfWeights) against float32, interleaved A/B: a second
 *  model with the same initial weights (same seed) switched to f16, called in turn with `ours`
 *  (after its training steps, so `ours` gets the same weights first). */
async function halfInference(ctx: RunContext, wl: Workload, data: WorkloadData, ours: WebrnnModel): Promise<HalfResult> {
  const half = new WebrnnModel(wl, data);
  try {
    half.rnn.loadStateDict(ours.rnn.stateDict());
    half.head.loadStateDict(ours.head.stateDict());
    const want = await ours.infer();
    half.halfWeights();
    const got = await half.infer();
    const maxDiff = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
    ctx.progress(`${wl.id} webrnn f16 weights: max |Δ logit| ${maxDiff.toExponential(2)}; timing against f32, interleaved`);
    const [f32, f16] = await measureInterleaved(() => ours.infer(), () => half.infer(), { quick: ctx.quick });
    ctx.progress(`${wl.id} webrnn infer: f32 ${f32.medianMs.toFixed(1)} ms, f16 weights ${f16.medianMs.toFixed(1)} ms`);
    return { f32, f16, maxDiff };
  } finally {
    half.dispose();
  }
}

/** The f16-weights columns of an infer row. */
const halfColumns = (h: HalfResult): Record<string, number | string> => ({
  'A/B f32 ms': h.f32.medianMs,
  'A/B f16w ms': h.f16.medianMs,
  'f16w vs f32 (A/B)': ratio(h.f32.medianMs, h.f16.medianMs),
  'f16w max |Δ|': h.maxDiff,
});

/** Measures one workload on both sides; returns its timing rows and its loss row. */
async function runWorkload(ctx: RunContext, wl: Workload): Promise<{ rows: BenchRow[]; loss: BenchRow; agreement?: BenchRow }> {
  const data = makeData(wl);
  const ours = new WebrnnModel(wl, data);
  const loss0 = await ours.lossValue();
  const weights = await ours.weights();
  const logits = await ours.infer(); // of these weights, for ONNX Runtime (training changes them)
  ctx.progress(`${wl.id} webrnn: initial loss ${loss0.toFixed(5)}; timing`);
  const train = ctx.options.inferOnly ? undefined : await ctx.measure(() => ours.trainStep());
  const infer = await ctx.measure(() => ours.infer());
  ctx.progress(`${wl.id} webrnn: train ${train?.medianMs.toFixed(1) ?? '—'} ms, infer ${infer.medianMs.toFixed(1)} ms`);
  resetCounters();
  if (train) await ours.trainStep();
  const trainCounts = { ...counters() };
  resetCounters();
  await ours.infer();
  const inferCounts = { ...counters() };
  const half = await halfInference(ctx, wl, data, ours);
  ours.dispose();

  const tf: Partial<Record<TfBackend, TfResult>> = {};
  const h = await ctx.tfjs();
  for (const b of h?.backends ?? []) {
    // A GPU-sized workload on one wasm thread would take minutes a step.
    if (b === 'wasm' && wl.optIn) {
      ctx.note(`${wl.id}: tfjs-wasm was not timed (a workload sized for GPUs; tfjs-wasm runs on one CPU thread).`);
      continue;
    }
    tf[b] = await runTfjs(ctx, h!, b, wl, data, weights);
  }
  const ortHandle = await ctx.ort();
  const ort: OrtResults | null = ortHandle && (await runOrtWorkload(ctx, ortHandle, wl, data, weights, logits));
  const torch = pytorchWorkload(ctx, wl, data, weights, logits);

  const row = (mode: 'train' | 'infer', t: StepTiming, c: { dispatches: number; submits: number }): BenchRow => {
    const flops = mode === 'train' ? trainFlops(wl) : forwardFlops(wl);
    const gpu = tf.webgpu?.[mode];
    const wasm = tf.wasm?.[mode];
    return {
      case: `${wl.id} ${mode}`,
      shape: shapeOf(wl),
      'ms (median)': t.medianMs,
      'ms (min)': t.minMs,
      'CPU ms': t.cpuMs,
      'GFLOP/s': flops / (t.medianMs / 1e3) / 1e9,
      dispatches: c.dispatches,
      submits: c.submits,
      'tfjs-webgpu ms': gpu?.medianMs ?? '—',
      'vs tfjs-webgpu': ratio(gpu?.medianMs, t.medianMs),
      'tfjs-wasm ms': wasm?.medianMs ?? '—',
      'vs tfjs-wasm': ratio(wasm?.medianMs, t.medianMs),
      ...(mode === 'infer' ? halfColumns(half) : {}),
      ...ortColumns(ort, mode, t.medianMs),
      ...pytorchColumns(torch, mode, t.medianMs),
      'tfjs kernels': mode === 'train' ? (tf.webgpu ?? tf.wasm)?.kernels ?? '—' : '',
      runs: [t, gpu, wasm].filter(Boolean).map((x) => `${x!.warmup}+${x!.runs}`).join(' / '),
    };
  };
  const diff = (b: TfBackend) => {
    const r = tf[b];
    if (!r) return '—';
    return wl.cell === 'gru' ? 'n/a' : r.loss - loss0;
  };
  const loss: BenchRow = {
    case: wl.id,
    title: wl.title,
    webrnn: loss0,
    'tfjs-webgpu': tf.webgpu?.loss ?? '—',
    'Δ webgpu': diff('webgpu'),
    'tfjs-wasm': tf.wasm?.loss ?? '—',
    'Δ wasm': diff('wasm'),
  };
  return { rows: [...(train ? [row('train', train, trainCounts)] : []), row('infer', infer, inferCounts)], loss, ...(ort ? { agreement: ortAgreement(wl, ort) } : {}) };
}

export const workloadsSection: RunSection = {
  name: 'workloads',
  async run(ctx) {
    const all = ctx.quick ? QUICK_WORKLOADS : FULL_WORKLOADS;
    const rows: BenchRow[] = [];
    const losses: BenchRow[] = [];
    const agreement: BenchRow[] = [];
    for (const wl of selectWorkloads(all, ctx.options.only)) {
      const r = await runWorkload(ctx, wl);
      rows.push(...r.rows);
      losses.push(r.loss);
      if (r.agreement) agreement.push(r.agreement);
    }
    const h = await ctx.tfjs();
    ctx.note(
      'ms: wall time per step after warm-up, median and min over the runs (warm-up+timed, webrnn / tfjs-webgpu / tfjs-wasm), each step ' +
        'ending with a read-back (loss or logits), so all its GPU work is included. CPU ms: webrnn\'s process CPU time per step (JS plus a software ' +
        'adapter\'s threads), mean over the timed runs. GFLOP/s counts matmul FLOPs only (train = 3× forward). ' +
        '"vs tfjs" = tfjs median / webrnn median (> 1: webrnn is faster). dispatches/submits: webrnn per step; tfjs kernels: tf.profile kernel count per training step.',
    );
    if (!h) ctx.note('TensorFlow.js was skipped (--skip-tfjs or not installed).');
    for (const [b, why] of Object.entries(h?.errors ?? {})) ctx.note(`tfjs ${b} backend unavailable: ${why}`);
    if (all.some((w) => w.cell === 'gru')) {
      ctx.note(
        "W4: webrnn's GRU is PyTorch's reset-after variant; tfjs 4.22 supports only reset-before (resetAfter: true throws), so tfjs runs its own " +
          'GRU with the mapped weights: the same FLOPs, a slightly different function. Its loss is not compared (n/a).',
      );
    }
    ctx.note(
      `f16w: inference with f16 weights (Module.halfWeights(): LSTM, GRU and Linear weights stored as binary16, here read ${halfView(gpu()) === 'native' ? 'with shader-f16' : 'as u32 pairs'}; ` +
        'f32 sums). A/B f32 ms / A/B f16w ms: medians of the two models (same weights) timed interleaved call by call, apart from the "ms" column\'s ' +
        'own run; "f16w vs f32 (A/B)" = their ratio (> 1: f16 weights are faster); f16w max |Δ|: largest logit difference from the f32 model.',
    );
    ctx.table('initial loss (same data and weights, before any update)', losses, 7);
    ctx.note('Δ: difference of the initial losses, tfjs − webrnn.');
    const torchDevice = ctx.options.torchDevice;
    const torch = pytorchAvailable(torchDevice);
    if ('error' in torch) ctx.note(`PyTorch column skipped: ${torch.error}.`);
    else {
      const where = torchDevice === 'cuda' ? 'CUDA (float32: TF32 off)' : `the CPU (${PYTORCH_THREADS} threads)`;
      ctx.note(
        `PyTorch ${torch.version} on ${where} (bench/pytorch.py): the same weights, inputs and steps (Adam for training), ` +
          `its logits within ${LOGIT_TOLERANCE} of webrnn's; "vs PyTorch" = PyTorch median / webrnn median.`,
      );
    }
    const o = await ctx.ort();
    if (!o) ctx.note('ONNX Runtime was skipped (--skip-ort or not installed).');
    for (const [p, why] of Object.entries(o?.errors ?? {})) ctx.note(`ONNX Runtime ${p} provider unavailable: ${why}`);
    if (o) {
      ctx.note(
        `ORT: ONNX Runtime ${o.version} (onnxruntime-node) running the same model and weights as an ONNX graph (LSTM/GRU nodes + Gemm), ` +
          'its input uploaded and its logits read back on every call; ORT-webgpu: its WebGPU execution provider (its own Dawn on this machine\'s Vulkan ' +
          'adapter, every node on it: CPU fall-back disabled); ORT-cpu×2: its CPU provider with 2 intra-op threads, as context. "vs ORT-webgpu" = ORT median / webrnn median.',
      );
      ctx.table('ONNX Runtime logits vs webrnn (same weights and inputs)', agreement, 3);
      ctx.note(`max Δ: largest absolute difference of a logit, ONNX Runtime − webrnn; above ${LOGIT_TOLERANCE} a provider is not timed.`);
    }
    return rows;
  },
};
