// Binary addition data (Trask's classic LSTM example): a, b < 2^(bits−1) so a + b fits in `bits` bits. A sample is
// `bits` time steps, least significant bit first: x[t] = (bit t of a, bit t of b), y[t] = bit t of
// a + b. Batches are time-major: x [T, B, 2], y [T, B, 1]. Held-out pairs never appear in training.
import { Random } from '../../src/util/random.js';

/** One addition problem. */
export interface Pair {
  a: number;
  b: number;
}

/** Bit t (0 = least significant) of n. */
export const bit = (n: number, t: number): number => (n >>> t) & 1;

/** `[0 1 0 1 0 0 0 1]:81`, most significant bit first, the way Trask's example prints numbers. */
export function formatBits(n: number, bits: number): string {
  return `[${Array.from({ length: bits }, (_, i) => bit(n, bits - 1 - i)).join(' ')}]:${n}`;
}

/** The network inputs and targets of `pairs` as time-major float arrays. */
export function encode(pairs: readonly Pair[], bits: number): { x: Float32Array; y: Float32Array } {
  const B = pairs.length;
  const x = new Float32Array(bits * B * 2);
  const y = new Float32Array(bits * B);
  pairs.forEach(({ a, b }, i) => {
    for (let t = 0; t < bits; t++) {
      x[(t * B + i) * 2] = bit(a, t);
      x[(t * B + i) * 2 + 1] = bit(b, t);
      y[t * B + i] = bit(a + b, t);
    }
  });
  return { x, y };
}

/** The sums the network predicts: logits [T, B] (time-major), bit t set where logit > 0. */
export function decode(logits: ArrayLike<number>, bits: number, batch: number): number[] {
  return Array.from({ length: batch }, (_, i) => {
    let n = 0;
    for (let t = 0; t < bits; t++) if (logits[t * batch + i]! > 0) n |= 1 << t;
    return n;
  });
}

/** Every pair a, b < 2^(bits−1), split into a fixed held-out set and the pairs training may draw. */
export class AdditionData {
  readonly heldOut: Pair[];
  private readonly heldOutKeys: Set<number>;
  private readonly limit: number;

  constructor(readonly bits: number, holdout: number, seed: number) {
    if (!(Number.isInteger(bits) && bits >= 2 && bits <= 24)) throw new Error(`binary-add: bits = ${bits} must be an integer in 2..24`);
    this.limit = 2 ** (bits - 1);
    const all = this.limit * this.limit;
    if (!(Number.isInteger(holdout) && holdout >= 1 && holdout <= all / 2)) {
      throw new Error(`binary-add: holdout = ${holdout} must be an integer in 1..${all / 2} (half of the ${all} pairs of ${bits - 1}-bit numbers)`);
    }
    // A different stream from the training draws, so the split does not depend on them.
    const rng = new Random(seed ^ 0x5bd1e995);
    this.heldOutKeys = new Set();
    while (this.heldOutKeys.size < holdout) this.heldOutKeys.add(rng.int(all));
    this.heldOut = [...this.heldOutKeys].map((k) => this.pair(k));
  }

  private pair(key: number): Pair {
    return { a: Math.floor(key / this.limit), b: key % this.limit };
  }

  /** True when (a, b) is a held-out pair. */
  isHeldOut(p: Pair): boolean {
    return this.heldOutKeys.has(p.a * this.limit + p.b);
  }

  /** `batch` random training pairs, never held-out ones. */
  sample(batch: number, rng: Random): Pair[] {
    const out: Pair[] = [];
    while (out.length < batch) {
      const key = rng.int(this.limit * this.limit);
      if (!this.heldOutKeys.has(key)) out.push(this.pair(key));
    }
    return out;
  }
}
