// Live tensors per device, for the leak checks: memory().liveTensors, checkLeaks(fn), and a
// warning (once per device) when the count passes a threshold, the sign of a loop that makes
// tensors outside tidy() and never disposes them.
import { gpu, type Gpu } from '../gpu/device.js';
import { memory as poolMemory, type MemoryInfo as PoolMemory } from '../gpu/memory.js';
import type { Tensor } from './tensor.js';

const live = new WeakMap<Gpu, Set<Tensor>>();
const warned = new WeakSet<Gpu>();
let warnAt: number | null = 10_000;

function liveSet(g: Gpu): Set<Tensor> {
  let s = live.get(g);
  if (!s) live.set(g, (s = new Set()));
  return s;
}

export function noteCreated(t: Tensor): void {
  const s = liveSet(t.storage.g);
  s.add(t);
  if (warnAt !== null && s.size > warnAt && !warned.has(t.storage.g)) {
    warned.add(t.storage.g);
    console.warn(
      `webrnn: ${s.size} tensors are alive on ${t.storage.g.label} (${(poolMemory().liveBytes / 2 ** 20).toFixed(1)} MiB): ` +
        'tensors made outside tidy() live until dispose(); wrap each step in tidy() or dispose what it returns. ' +
        'checkLeaks(fn) names what a call leaves behind; setLeakWarning(n | null) moves or silences this warning.',
    );
  }
}

export function noteDisposed(t: Tensor): void {
  live.get(t.storage.g)?.delete(t);
}

/** Warn (once per device) when more than `n` tensors are alive; null turns the warning off. */
export function setLeakWarning(n: number | null): void {
  if (n !== null && !(Number.isInteger(n) && n > 0)) throw new Error(`webrnn: setLeakWarning(${n}): expected a positive integer or null`);
  warnAt = n;
}

/** What memory() reports: GPU bytes and buffers held by live tensors and waiting in the pool, and the live tensors. */
export interface MemoryInfo extends PoolMemory {
  /** Tensors (views included) not yet disposed. */
  liveTensors: number;
}

/** Live and pooled GPU bytes and buffers of the default device, and its live tensors. */
export function memory(): MemoryInfo {
  return { ...poolMemory(), liveTensors: liveSet(gpu()).size };
}

/** Runs `fn` and throws if tensors it made are still alive afterwards, other than the ones it
 *  returns (a tensor, or tensors in an array or plain object) and kept ones (parameters,
 *  optimizer state). An async `fn` is checked when its promise settles. */
export function checkLeaks<R>(fn: () => R): R {
  const before = new Set(liveSet(gpu()));
  const check = (result: unknown): void => {
    const returned = new Set<Tensor>();
    collectTensors(result, returned, 0);
    const made = [...liveSet(gpu())].filter((t) => !before.has(t) && !returned.has(t) && !t.kept);
    // What graphs saved for a backward goes with the outputs that hold those graphs.
    const left = made.filter((t) => !t.savedForBackward);
    if (!left.length) return;
    const bytes = [...new Set(made.map((t) => t.storage))].reduce((n, s) => n + s.byteLength, 0);
    const shown = left.slice(0, 8).map((t) => `${t.dtype} [${t.shape.join(', ')}]${t.gradFn ? ` from ${t.gradFn.name}` : ''}`);
    throw new Error(
      `webrnn: checkLeaks: ${left.length} tensor(s) made inside were not disposed (holding ${bytes} bytes with what ` +
        `their graphs saved): ` +
        `${shown.join(', ')}${left.length > shown.length ? ', …' : ''}`,
    );
  };
  const result = fn();
  if (result instanceof Promise) return result.then((r) => (check(r), r)) as R;
  check(result);
  return result;
}

/** Tensors inside a returned value (a tensor, or arrays / plain objects / Maps of them). */
export function collectTensors(v: unknown, out: Set<Tensor>, depth: number): void {
  if (!v || typeof v !== 'object' || depth > 4) return;
  if ('storage' in v && 'shape' in v && 'dtype' in v) {
    out.add(v as Tensor);
    return;
  }
  const values = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
  for (const x of values) collectTensors(x, out, depth + 1);
}
