// The browser section's page (bundled by bench/browser.ts, run in headless Chromium on SwiftShader):
// webrnn and onnxruntime-web in the same page, on the same workloads, weights and inputs as the
// Node bench. onnxruntime-web runs its WebGPU execution provider (on the page's adapter) and its
// wasm provider with 2 threads (the page is cross-origin isolated, so it has SharedArrayBuffer).
import type * as ORTW from 'onnxruntime-web';
import { adapterInfo, init } from '../src/index.js';
import { ONNX_INPUT, ONNX_OUTPUT, workloadOnnx } from './onnx_model.js';
import { maxAbsDiff, LOGIT_TOLERANCE } from './ort_workloads.js';
import { measureSteps, type StepTiming } from './timing.js';
import { WebrnnModel } from './webrnn_model.js';
import { makeData, type Workload } from './workloads.js';

export type WebProvider = 'webgpu' | 'wasm';

/** What bench/browser.ts tells the page: where it serves onnxruntime-web's dist/ (null: leave
 *  ONNX Runtime out, --skip-ort), and the wasm provider's threads. */
export interface PageConfig {
  ortPath: string | null;
  wasmThreads: number;
}

export interface PageInfo {
  adapter: string;
  ortVersion: string | null;
  /** Why onnxruntime-web did not load, when it did not. */
  ortError?: string;
  crossOriginIsolated: boolean;
}

export interface PageResult {
  webrnn: StepTiming;
  /** webrnn's training step (loss read back), unless --infer-only. */
  train?: StepTiming;
  ort: Partial<Record<WebProvider, { maxDiff: number; infer?: StepTiming }>>;
  /** Why a provider gave no session, by name. */
  errors: Partial<Record<WebProvider, string>>;
}

export interface BenchPage {
  start(config: PageConfig): Promise<PageInfo>;
  workload(wl: Workload, quick: boolean, withOrt: boolean, train: boolean): Promise<PageResult>;
}

declare global {
  interface Window {
    benchPage?: BenchPage;
  }
}

let ort: typeof ORTW | null = null;
/** Providers that failed once are not tried again on later workloads. */
const failed: Partial<Record<WebProvider, string>> = {};

async function start(config: PageConfig): Promise<PageInfo> {
  await init();
  const info: PageInfo = { adapter: adapterInfo().name, ortVersion: null, crossOriginIsolated: globalThis.crossOriginIsolated };
  if (config.ortPath === null) return info;
  try {
    // A variable URL: the bundler leaves the import to the page, which loads onnxruntime-web's
    // own module (it finds its wasm files through env.wasm.wasmPaths).
    const url = `${config.ortPath}ort.webgpu.min.mjs`;
    ort = (await import(url)) as typeof ORTW;
    ort.env.wasm.wasmPaths = config.ortPath;
    ort.env.wasm.numThreads = config.wasmThreads;
    ort.env.logLevel = 'error';
    info.ortVersion = ort.env.versions.web ?? ort.env.versions.common;
  } catch (e) {
    info.ortError = (e as Error).message;
  }
  return info;
}

async function runOrt(o: typeof ORTW, p: WebProvider, model: Uint8Array, wl: Workload, x: Float32Array, logits: Float32Array, quick: boolean) {
  const dims = [wl.steps, wl.batch, wl.input];
  const options: ORTW.InferenceSession.SessionOptions =
    p === 'webgpu'
      ? { executionProviders: ['webgpu'], extra: { session: { disable_cpu_ep_fallback: '1' } } }
      : { executionProviders: ['wasm'] };
  const s = await o.InferenceSession.create(model, options);
  try {
    const run = async () => (await s.run({ [ONNX_INPUT]: new o.Tensor('float32', x, dims) }))[ONNX_OUTPUT]!.data as Float32Array;
    const maxDiff = maxAbsDiff(await run(), logits);
    if (!(maxDiff <= LOGIT_TOLERANCE)) return { maxDiff };
    return { maxDiff, infer: await measureSteps(run, { quick }) };
  } finally {
    await s.release();
  }
}

async function workload(wl: Workload, quick: boolean, withOrt: boolean, train: boolean): Promise<PageResult> {
  const data = makeData(wl);
  const ours = new WebrnnModel(wl, data);
  const weights = await ours.weights();
  const logits = await ours.infer();
  const webrnn = await measureSteps(() => ours.infer(), { quick });
  // After the inference timing and the weights it compared: training changes them.
  const trained = train ? await measureSteps(() => ours.trainStep(), { quick }) : undefined;
  ours.dispose();
  const result: PageResult = { webrnn, ...(trained ? { train: trained } : {}), ort: {}, errors: {} };
  if (!withOrt || !ort) return result;
  const model = workloadOnnx(wl, weights);
  for (const p of ['webgpu', 'wasm'] as const) {
    if (failed[p]) continue;
    try {
      result.ort[p] = await runOrt(ort, p, model, wl, data.x, logits, quick);
    } catch (e) {
      result.errors[p] = failed[p] = (e as Error).message.split('\n')[0]!;
    }
  }
  return result;
}

window.benchPage = { start, workload };
