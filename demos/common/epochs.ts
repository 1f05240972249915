// Bookkeeping of the demos that train in epochs (seq-mnist, char-rnn): the step budget, the training
// loss summed on the GPU between reports, and the training time with evaluations kept out of it.
import { noGrad, ops, type Tensor } from '../../src/index.js';

/** Steps to run: `epochs` passes, capped at `steps` when both are set (0 means unset). */
export function totalSteps(epochs: number, steps: number, perEpoch: number): number {
  if (steps > 0) return epochs > 0 ? Math.min(steps, epochs * perEpoch) : steps;
  return epochs * perEpoch;
}

/** Training losses summed on the GPU: one readback per report keeps the queue full between reports. */
export class LossMeter {
  private sum: Tensor | null = null;
  private count = 0;

  /** Adds one step's loss and takes it over (disposes of it). */
  add(loss: Tensor): void {
    if (!this.sum) {
      this.sum = loss;
    } else {
      const sum = noGrad(() => ops.add(this.sum!, loss));
      this.sum.dispose();
      loss.dispose();
      this.sum = sum;
    }
    this.count++;
  }

  /** The mean of the losses added since the last call (the readback), and a fresh start. */
  async mean(): Promise<number> {
    if (!this.sum) return NaN;
    const mean = (await this.sum.item()) / this.count;
    this.dispose();
    return mean;
  }

  dispose(): void {
    this.sum?.dispose();
    this.sum = null;
    this.count = 0;
  }
}

/** Training time, less the time spent evaluating; `stop()` freezes it when the training loop ends. */
export class TrainingClock {
  private readonly started = performance.now();
  private frozen: number | null = null;
  evalSeconds = 0;

  constructor(private readonly firstStep: number, private readonly perEpoch: number) {}

  /** Runs an evaluation, whose time does not count as training. */
  async evaluate<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.evalSeconds += (performance.now() - t0) / 1000;
    }
  }

  /** Seconds of training so far, or up to `stop()` (evaluations after it do not change it). */
  get trainSeconds(): number {
    return this.frozen ?? (performance.now() - this.started) / 1000 - this.evalSeconds;
  }

  /** Ends the training time; returns it. */
  stop(): number {
    this.frozen = this.trainSeconds;
    return this.frozen;
  }

  /** The rows of a demo summary that the clock knows, after `step` steps. */
  summary(step: number, stopped: boolean): Record<string, number | string> {
    const seconds = this.trainSeconds;
    return {
      steps: step,
      epochs: +(step / this.perEpoch).toFixed(3),
      trainSeconds: +seconds.toFixed(1),
      secondsPerEpoch: +((seconds * this.perEpoch) / Math.max(step - this.firstStep, 1)).toFixed(1),
      evalSeconds: +this.evalSeconds.toFixed(1),
      stopped: stopped ? 'yes' : 'no',
    };
  }
}
