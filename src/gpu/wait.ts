// Waiting for the GPU without taking a CPU from a software adapter. Dawn in Node resolves mapAsync
// and onSubmittedWorkDone by ticking the device from setImmediate for as long as one is pending: a
// busy loop on the main thread. Lavapipe runs its workgroups on the same CPUs, so on 2 CPUs that
// loop cost W1's training step a whole core (188 ms of CPU a step, 96 ms with a sleep first) and
// 17% of its wall time. So where it applies, a wait first sleeps (a timer, no polling) for most of
// what the last wait for the same number of dispatches took, and only then awaits Dawn's promise.

/** Shorter waits go straight to Dawn: a timer oversleeps by ~1 ms, which costs them more than the
 *  poll loop does (W3's 7 ms steps got 1–2 ms slower with a nap). */
const MIN_NAP_MS = 15;
/** The share of the last wait slept: work that got shorter is found out by 15% a step. */
const NAP_SHARE = 0.85;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class GpuWaiter {
  /** Milliseconds the last wait took, by the number of dispatches it waited for. */
  private lastMs = new Map<number, number>();

  constructor(private readonly enabled: boolean, private readonly clock: Clock = realClock) {}

  /** Awaits `wait()`, which resolves once the work of `dispatches` dispatches just submitted is done. */
  async wait<T>(dispatches: number, wait: () => Promise<T>): Promise<T> {
    if (!this.enabled) return wait();
    const t0 = this.clock.now();
    const last = this.lastMs.get(dispatches) ?? 0;
    if (last >= MIN_NAP_MS) await this.clock.sleep(NAP_SHARE * last);
    const result = await wait();
    if (this.lastMs.size >= 256) this.lastMs.clear(); // many different step shapes: start over
    this.lastMs.set(dispatches, this.clock.now() - t0);
    return result;
  }
}
