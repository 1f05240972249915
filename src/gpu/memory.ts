// memory(): what the default device holds, for users and for the steady-state tests.
import { pool, type PoolStats } from './buffers.js';
import { recorder, type Counters } from './encoder.js';

/** GPU memory of the default device: bytes and buffers held by live tensors and waiting in the pool. */
export interface MemoryInfo extends PoolStats {}

/** Live and pooled GPU bytes and buffers of the default device. */
export function memory(): MemoryInfo {
  return pool().stats();
}

/** Dispatch, submit and readback counts of the default device since the last reset. */
export function counters(): Counters {
  return recorder().counters;
}

/** Sets the dispatch, submit and readback counts of counters() back to zero. */
export function resetCounters(): void {
  recorder().resetCounters();
}

/** Waits for the GPU to finish all submitted work (for timing). */
export function sync(): Promise<void> {
  return recorder().sync();
}

/** Submits recorded work without waiting for it. */
export function flush(): void {
  recorder().flush();
}
