// Waiting for the GPU without taking a CPU from a software adapter. Dawn in Node resolves mapAsync
// and onSubmittedWorkDone by ticking the device from setImmediate for as long as one is pending: a
// busy loop on the main thread. Lavapipe runs its workgroups on the same CPUs, so on a small host
// that loop takes a whole core from the work it waits for (measured: bench/RESULTS.md,
// "Measurements behind the kernel design"). So where it applies, a wait first sleeps (a timer, no
// polling) for most of what the same work took last time, then awaits Dawn's promise. "The same
// work" is the recorder's key of the dispatches waited for (pipelines, grids, bound buffer sizes).
// A submit that used a pipeline for the first time is no estimate: lavapipe compiles a pipeline's
// shader at its first dispatch, on its queue thread, which can take seconds (bench/RESULTS.md,
// "Cold start"), so such a wait neither naps nor is remembered.

/** Shorter waits go straight to Dawn: a timer oversleeps by about a millisecond, which costs a
 *  short step more than the poll loop does. */
const MIN_NAP_MS = 15;
/** The share of the estimate slept; the rest is polled, which measures the work again. */
const NAP_SHARE = 0.85;
/** A wait that resolves this soon after the nap (or within DONE_AT_ONCE_SHARE of the estimate, as
 *  on a loaded host a poll that finds the work done still takes a few ms) found the work done: it
 *  may have been done long before (a smaller step), so the estimate halves. */
const DONE_AT_ONCE_MS = 1;
const DONE_AT_ONCE_SHARE = 0.05;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class GpuWaiter {
  /** Estimated milliseconds of work, by the recorder's key of the work waited for. */
  private estimateMs = new Map<number, number>();

  constructor(private readonly enabled: boolean, private readonly clock: Clock = realClock) {}

  /** Awaits `wait()`, which resolves once the work just submitted is done; `work` keys that work
   *  (equal keys: the same dispatches, so the same time is expected). `compiled`: the work used a
   *  pipeline for the first time (its time says nothing about the next). */
  async wait<T>(work: number, wait: () => Promise<T>, compiled = false): Promise<T> {
    if (!this.enabled || compiled) return wait();
    const t0 = this.clock.now();
    const estimate = this.estimateMs.get(work) ?? 0;
    const napped = estimate >= MIN_NAP_MS;
    if (napped) await this.clock.sleep(NAP_SHARE * estimate);
    const t1 = this.clock.now();
    const result = await wait();
    const t2 = this.clock.now();
    if (this.estimateMs.size >= 256) this.estimateMs.clear(); // many different step shapes: start over
    const doneAtOnce = t2 - t1 < Math.max(DONE_AT_ONCE_MS, DONE_AT_ONCE_SHARE * estimate);
    this.estimateMs.set(work, napped && doneAtOnce ? estimate / 2 : t2 - t0);
    return result;
  }
}
