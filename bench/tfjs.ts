// TensorFlow.js for comparison, in the same process: @tensorflow/tfjs (layers) with the webgpu
// backend on Dawn's navigator.gpu (the same adapter webrnn uses) and the wasm backend (one
// thread, SIMD) as the CPU reference point. Loaded lazily, so the bench runs without it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';

export type TfBackend = 'webgpu' | 'wasm';

export interface TfjsHandle {
  tf: typeof TF;
  version: string;
  /** Backends that initialised. */
  backends: TfBackend[];
  /** Why a backend is missing, by name. */
  errors: Partial<Record<TfBackend, string>>;
  /** Switches tfjs to `backend` (both stay initialised). */
  use(backend: TfBackend): Promise<void>;
  /** Submits the webgpu backend's recorded work and waits for the GPU to finish it. */
  sync(): Promise<void>;
}

/** The parts of tfjs's WebGPUBackend that finish its work without a read-back. */
interface WebGpuBackendLike {
  endComputePassEncoder?: () => void;
  submitQueue?: () => void;
  commandEncoder?: GPUCommandEncoder | null;
  queue?: GPUQueue;
}

const req = createRequire(import.meta.url);

/** Runs `f` with console.warn/log/info muted: tfjs greets Node users and warns about initialisers. */
function quiet<T>(f: () => T): T {
  const saved = [console.warn, console.log, console.info];
  console.warn = console.log = console.info = () => {};
  try {
    return f();
  } finally {
    [console.warn, console.log, console.info] = saved as [typeof console.warn, typeof console.log, typeof console.info];
  }
}

/** Loads tfjs and its backends. Call after webrnn's `init()`: the webgpu backend registers itself
 *  only if navigator.gpu exists when it is loaded, and webrnn would otherwise pick it up too. */
export async function loadTfjs(opts: { wasm: boolean } = { wasm: true }): Promise<TfjsHandle | null> {
  let tf: typeof TF;
  try {
    tf = quiet(() => req('@tensorflow/tfjs') as typeof TF);
  } catch (e) {
    console.warn(`bench: TensorFlow.js is not installed (${(e as Error).message.split('\n')[0]}); skipping the comparison`);
    return null;
  }
  const errors: TfjsHandle['errors'] = {};
  const backends: TfBackend[] = [];
  try {
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator?.gpu) {
      const dawn = req('webgpu') as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
      Object.assign(globalThis, dawn.globals);
      // Node 20 has no navigator; Node 21+ has one without `gpu`.
      const nav = Object.assign(g.navigator ?? {}, { gpu: dawn.create([]) });
      Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    }
    quiet(() => req('@tensorflow/tfjs-backend-webgpu'));
    if (await quiet(() => tf.setBackend('webgpu'))) backends.push('webgpu');
    else errors.webgpu = 'setBackend failed';
  } catch (e) {
    errors.webgpu = (e as Error).message;
  }
  if (opts.wasm) {
    try {
      const wasm = req('@tensorflow/tfjs-backend-wasm') as { setWasmPaths: (p: string) => void };
      wasm.setWasmPaths(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
      // One thread, SIMD: the CPU reference point of the issue (the threaded build needs workers).
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (await quiet(() => tf.setBackend('wasm'))) backends.push('wasm');
      else errors.wasm = 'setBackend failed';
    } catch (e) {
      errors.wasm = (e as Error).message;
    }
  }
  for (const [b, why] of Object.entries(errors)) console.warn(`bench: tfjs ${b} backend unavailable: ${why}`);
  return {
    tf,
    version: (tf.version as Record<string, string>)['tfjs'] ?? tf.version_core,
    backends,
    errors,
    async use(backend) {
      if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend ${backend} failed to start`);
    },
    async sync() {
      const b = tf.backend() as unknown as WebGpuBackendLike;
      if (!b.submitQueue || !b.endComputePassEncoder || !b.queue) return; // wasm runs synchronously
      // What tfjs itself does before a read-back: close the open pass, submit the encoder.
      b.endComputePassEncoder();
      if (b.commandEncoder) b.submitQueue();
      await b.queue.onSubmittedWorkDone();
    },
  };
}
