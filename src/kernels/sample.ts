// Token sampling on the GPU: logits [B, V] → int32 ids [B] (greedy, temperature, top-k,
// multinomial from dropout's Philox stream), so a generation loop feeds ids back without a readback.
import { recorder } from '../gpu/encoder.js';
import { defineKernel, grid1d } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

const TWO32 = 2 ** 32;
const WG = 64;
/** Rows up to this long are drawn by one invocation each (sample_row.wgsl): a workgroup's barriers
 *  cost a CPU adapter more than walking a short row, and a GPU little either way. */
const SHORT_ROW = 256;

// Tests force the layout: one invocation a row (true) or a workgroup (false); unset: by V.
declare module '../gpu/device.js' { interface Tuning { samplePerThread?: boolean } }

/** One id per row: the first maximum (greedy) or a draw from softmax(x/τ) over the top-k logits. */
export const sample = /* @__PURE__ */ defineKernel({
  name: 'sample',
  wgsl: [wgsl.nan, wgsl.philox, wgsl.sample, wgsl.sample_row],
  bindings: { logits: 'read', ids: 'read_write' },
  dims: {
    batch: 'u32', vocab: 'u32', greedy: 'u32', top_k: 'u32', inv_temperature: 'f32',
    phase: 'u32', block_lo: 'u32', block_hi: 'u32', seed_lo: 'u32', seed_hi: 'u32',
  },
  workgroupSize: [WG, 1, 1],
  overrides: { PER_THREAD: false },
  dispatch: ({ batch }, o) => grid1d(o.PER_THREAD ? batch : batch * WG, WG),
});

/** Options of sample(): temperature, top-k and the Philox seed and offset. */
export interface SampleOptions {
  /** 0: greedy (the most likely id); otherwise the softmax temperature τ > 0. Default 1. */
  temperature?: number;
  /** Draw only among the k largest logits (ties with the k-th included); 0: all. Default 0. */
  topK?: number;
  /** Philox key: the same seed and offset give the same draws. Default 0. */
  seed?: number;
  /** Philox element of row 0; row b uses offset + b. Advance it by B a call. Default 0. */
  offset?: number;
}

/** int32 ids [B] from float32 logits [B, V]. Writes into `out` ([B] int32) when given. */
export function launchSample(logits: Tensor, opts: SampleOptions = {}, out?: Tensor): Tensor {
  const { temperature = 1, topK = 0, seed = 0, offset = 0 } = opts;
  logits.assertAlive();
  if (logits.rank !== 2 || logits.dtype !== 'float32' || logits.shape[1]! < 1) {
    throw new Error(`webrnn: sample: logits must be float32 [B, V] with V ≥ 1, got ${logits.dtype} ${shapeStr(logits.shape)}`);
  }
  const [B, V] = logits.shape as [number, number];
  const invT = Math.fround(1 / temperature);
  if (!(temperature === 0 || (temperature > 0 && Number.isFinite(invT)))) {
    throw new Error(`webrnn: sample: temperature = ${temperature} must be 0 (greedy) or a positive number whose inverse is a finite float32`);
  }
  if (!Number.isInteger(topK) || topK < 0 || topK > 0xffffffff) throw new Error(`webrnn: sample: topK = ${topK} must be a non-negative integer`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`webrnn: sample: seed must be an integer in [0, 2^53), got ${seed}`);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + B)) {
    throw new Error(`webrnn: sample: offset must be an integer ≥ 0 with offset + B < 2^53, got ${offset}`);
  }
  if (out) {
    out.assertAlive();
    if (out.dtype !== 'int32' || out.size !== B) throw new Error(`webrnn: sample: out must be int32 with ${B} elements, got ${out.dtype} ${shapeStr(out.shape)}`);
    if (out.storage === logits.storage) throw new Error('webrnn: sample: out and logits share one buffer');
  }
  const ids = out ?? Tensor.empty([B], 'int32', logits.storage.g);
  const block = Math.floor(offset / 4);
  const g = logits.storage.g;
  const perThread = g.tuning.samplePerThread ?? V <= SHORT_ROW;
  recorder(g).dispatch(sample, { logits: logits.buffer, ids: ids.buffer }, {
    batch: B, vocab: V, greedy: temperature === 0 ? 1 : 0, top_k: topK, inv_temperature: temperature === 0 ? 1 : invT,
    phase: offset % 4, block_lo: block % TWO32, block_hi: Math.floor(block / TWO32),
    seed_lo: seed % TWO32, seed_hi: Math.floor(seed / TWO32),
  }, { PER_THREAD: perThread });
  return ids;
}
