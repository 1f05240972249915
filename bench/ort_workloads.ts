// The workloads' inference forwards on ONNX Runtime: the same weights (webrnn's, as an ONNX model
// built in memory) and inputs, on each provider that loaded. Before timing, the logits are
// compared with webrnn's; a provider that disagrees is reported and not timed.
import type { BenchRow, RunContext } from './bench.js';
import { ONNX_INPUT, ONNX_OUTPUT, workloadOnnx } from './onnx_model.js';
import type { OrtHandle, OrtProvider } from './ort.js';
import { ratio, type StepTiming } from './timing.js';
import type { SharedWeights, Workload, WorkloadData } from './workloads.js';

/** Largest |peer − webrnn| of a logit (ONNX Runtime, PyTorch) accepted as the same function:
 *  float32 sums in other orders over up to 512 steps (measured: ≤ 1.2e-7; see bench/RESULTS.md). */
export const LOGIT_TOLERANCE = 1e-4;

export interface OrtResult {
  /** Largest absolute difference of the logits from webrnn's. */
  maxDiff: number;
  /** Inference timing; absent when the outputs disagreed (maxDiff > LOGIT_TOLERANCE). */
  infer?: StepTiming;
}

export type OrtResults = Partial<Record<OrtProvider, OrtResult>>;

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`bench: ONNX Runtime gave ${a.length} logits, webrnn ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d; // a NaN disagrees
  }
  return m;
}

/** Runs `wl` on every provider of `h`: agreement with webrnn's `logits`, then the timing. */
export async function runOrtWorkload(ctx: RunContext, h: OrtHandle, wl: Workload, data: WorkloadData, w: SharedWeights, logits: Float32Array): Promise<OrtResults> {
  const bytes = workloadOnnx(wl, w);
  const dims = [wl.steps, wl.batch, wl.input];
  const out: OrtResults = {};
  for (const p of h.providers) {
    const s = await h.session(bytes, p, ONNX_INPUT, ONNX_OUTPUT);
    try {
      const maxDiff = maxAbsDiff(await s.run(data.x, dims), logits);
      if (!(maxDiff <= LOGIT_TOLERANCE)) {
        ctx.note(`${wl.id}: ONNX Runtime ${p} logits differ from webrnn's by up to ${maxDiff.toExponential(2)} (> ${LOGIT_TOLERANCE}); not timed.`);
        out[p] = { maxDiff };
        continue;
      }
      ctx.progress(`${wl.id} ort-${p}: logits within ${maxDiff.toExponential(1)} of webrnn's; timing`);
      const infer = await ctx.measure(() => s.run(data.x, dims));
      ctx.progress(`${wl.id} ort-${p}: infer ${infer.medianMs.toFixed(1)} ms`);
      out[p] = { maxDiff, infer };
    } finally {
      await s.release();
    }
  }
  return out;
}

/** The ONNX Runtime columns of an inference row (blank on training rows: ORT only infers here). */
export function ortColumns(r: OrtResults | null, mode: 'train' | 'infer', oursMs: number): Record<string, string | number> {
  if (!r) return {};
  if (mode === 'train') return { 'ORT-webgpu ms': '', 'vs ORT-webgpu': '', 'ORT-cpu×2 ms': '' };
  const gpu = r.webgpu?.infer?.medianMs;
  return {
    'ORT-webgpu ms': gpu ?? '—',
    'vs ORT-webgpu': ratio(gpu, oursMs),
    'ORT-cpu×2 ms': r.cpu?.infer?.medianMs ?? '—',
  };
}

/** The agreement row of one workload: the largest logit difference per provider. */
export function ortAgreement(wl: Workload, r: OrtResults): BenchRow {
  return { case: wl.id, 'ORT-webgpu max Δ': r.webgpu?.maxDiff ?? '—', 'ORT-cpu max Δ': r.cpu?.maxDiff ?? '—' };
}
