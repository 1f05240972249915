// ONNX Runtime for comparison, in the same process: onnxruntime-node's WebGPU execution provider
// (its own Dawn, on the machine's Vulkan adapter: the same lavapipe webrnn uses here) and its CPU
// provider with 2 intra-op threads as context. Loaded lazily, so the bench runs without it.
import { createRequire } from 'node:module';
import type * as ORT from 'onnxruntime-node';
import { probeOnnx } from './onnx_model.js';

export type OrtProvider = 'webgpu' | 'cpu';

/** A model loaded on one provider: runs X [T, B, I] and returns the logits, read back. */
export interface OrtSession {
  run(x: Float32Array, dims: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface OrtHandle {
  version: string;
  /** Providers whose probe session ran. */
  providers: OrtProvider[];
  /** Why a provider is missing, by name. */
  errors: Partial<Record<OrtProvider, string>>;
  session(model: Uint8Array, provider: OrtProvider, input: string, output: string): Promise<OrtSession>;
}

const req = createRequire(import.meta.url);

/** Intra-op threads of the CPU provider: the machine kind's 2 CPUs. */
export const ORT_CPU_THREADS = 2;

function sessionOptions(provider: OrtProvider): ORT.InferenceSession.SessionOptions {
  const common: ORT.InferenceSession.SessionOptions = { logSeverityLevel: 3, graphOptimizationLevel: 'all' };
  if (provider === 'cpu') return { ...common, executionProviders: ['cpu'], intraOpNumThreads: ORT_CPU_THREADS, interOpNumThreads: 1 };
  // Every node on the WebGPU provider or no session: a silent fall-back to the CPU provider would
  // time a different system.
  return { ...common, executionProviders: ['webgpu'], extra: { session: { disable_cpu_ep_fallback: '1' } } };
}

/** Loads onnxruntime-node and checks each provider with a one-node model. */
export async function loadOrt(): Promise<OrtHandle | null> {
  let ort: typeof ORT;
  try {
    ort = req('onnxruntime-node') as typeof ORT;
  } catch (e) {
    console.warn(`bench: onnxruntime-node is not installed (${(e as Error).message.split('\n')[0]}); skipping the comparison`);
    return null;
  }
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const session = async (model: Uint8Array, provider: OrtProvider, input: string, output: string): Promise<OrtSession> => {
    const s = await ort.InferenceSession.create(model, sessionOptions(provider));
    return {
      async run(x, dims) {
        const out = await s.run({ [input]: new ort.Tensor('float32', x, [...dims]) });
        return out[output]!.data as Float32Array;
      },
      release: () => s.release(),
    };
  };
  const errors: OrtHandle['errors'] = {};
  const providers: OrtProvider[] = [];
  for (const p of ['webgpu', 'cpu'] as const) {
    if (!listed.has(p)) {
      errors[p] = `not in this build's listSupportedBackends() (${[...listed].join(', ')})`;
      continue;
    }
    try {
      const s = await session(probeOnnx(), p, 'x', 'y');
      const y = await s.run(new Float32Array([1, -2, 3]), [3]);
      await s.release();
      if (y[0] !== 1 || y[1] !== 0 || y[2] !== 3) throw new Error(`the probe model (Relu) gave ${[...y].join(', ')}`);
      providers.push(p);
    } catch (e) {
      errors[p] = (e as Error).message.split('\n')[0]!;
    }
  }
  for (const [p, why] of Object.entries(errors)) console.warn(`bench: ONNX Runtime ${p} provider unavailable: ${why}`);
  return { version: ort.env.versions.node ?? ort.env.versions.common, providers, errors, session };
}
