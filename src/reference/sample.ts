// CPU twin of sample.wgsl in float64: greedy (the first maximum, NaN first) or a draw from
// softmax(x/τ) over the top-k logits, with dropout's Philox uniform of element offset + b and the
// cumulative-sum rule in index order. Also reports how far each draw's u·Σw lay from the nearest
// cumulative boundary (a fraction of Σw): float32 on the GPU can only pick another id where that
// margin is within its rounding.
import { philoxUniformRef } from './dropout.js';

export interface SampleRefOptions {
  /** 0: greedy (argmax); otherwise τ > 0. */
  temperature: number;
  /** Keep the logits ≥ the k-th largest (0: all). */
  topK: number;
  seed: number;
  /** Philox element of row 0 (row b uses offset + b). */
  offset: number;
}

const isNan = (v: number) => v !== v;

/** The first maximum of a row, a NaN counting as the largest (torch.argmax). */
function argmaxRef(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) {
    const v = row[i]!;
    const b = row[best]!;
    if (isNan(b)) continue;
    if (isNan(v) || v > b) best = i;
  }
  return best;
}

/** The k-th largest non-NaN value counting repeats (−Inf when k is 0, ≥ V, or more than the non-NaN values). */
export function topKThreshold(row: ArrayLike<number>, k: number): number {
  if (k === 0 || k >= row.length) return -Infinity;
  const sorted = Array.from(row).filter((v) => !isNan(v)).sort((a, b) => b - a);
  return k <= sorted.length ? sorted[k - 1]! : -Infinity;
}

/** Ids int32 [B] from logits [B, V] (row-major), and each row's margin (Infinity for greedy rows). */
export function sampleRef(logits: ArrayLike<number>, batch: number, vocab: number, o: SampleRefOptions): { ids: Int32Array; margin: Float64Array } {
  const ids = new Int32Array(batch);
  const margin = new Float64Array(batch).fill(Infinity);
  // The kernel multiplies by 1/τ rounded to float32.
  const invT = Math.fround(1 / o.temperature);
  for (let b = 0; b < batch; b++) {
    const row = Array.prototype.slice.call(logits, b * vocab, (b + 1) * vocab) as number[];
    if (o.temperature === 0) {
      ids[b] = argmaxRef(row);
      continue;
    }
    const thr = topKThreshold(row, o.topK);
    const kept = row.map((x) => x >= thr);
    const top = Math.max(...row.filter((_, i) => kept[i]));
    const w = row.map((x, i) => (kept[i] ? Math.exp((x - top) * invT) : 0));
    const total = w.reduce((a, v) => a + v, 0);
    const goal = philoxUniformRef(o.seed, o.offset + b) * total;
    let id = -1;
    let acc = 0;
    let near = Infinity;
    for (let i = 0; i < vocab; i++) {
      if (!kept[i]) continue;
      near = Math.min(near, Math.abs(goal - acc));
      acc += w[i]!;
      near = Math.min(near, Math.abs(goal - acc));
      if (goal < acc) {
        id = i;
        break;
      }
    }
    // Rounding may leave u·Σw at or past the last sum: the last kept index (−1 when none is kept).
    if (id < 0) id = kept.lastIndexOf(true);
    ids[b] = id;
    margin[b] = near / total;
  }
  return { ids, margin };
}
