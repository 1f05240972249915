// Generating tokens with the whole loop on the GPU: each step feeds the last token ids (int32 [B])
// to the model's step, samples the next ids from its logits with the sample kernel, and copies them
// into the output [N, B]; nothing is read back until the end, and each token is one submit.
import { tensor } from '../graph/create.js';
import { ops } from '../graph/ops/index.js';
import { sample, type SampleOptions } from '../graph/ops/sample.js';
import { noGrad } from '../graph/tape.js';
import { recorder } from '../gpu/encoder.js';
import { sliceAssign } from '../kernels/shape.js';
import { tidy } from '../tensor/scope.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';

/** A state: tensors, or arrays / records of them (an LSTM's [h, c], a model's per-layer states). */
export type StepState = Tensor | readonly StepState[] | { readonly [k: string]: StepState };

/** A model that maps token ids int32 [B] and a state to logits [B, V] and the next state. */
export interface TokenStepper<S extends StepState> {
  /** The state before the first token, for `batch` rows. */
  initialState(batch: number): S;
  /** One token: ids int32 [B] and the state → [logits [B, V], the next state]. */
  step(ids: Tensor, state: S): [Tensor, S];
}

/** Options of generate(): the number of tokens, and sample()'s options for drawing them. */
export interface GenerateOptions extends SampleOptions {
  /** Tokens to generate after the prompt, per batch row. */
  length: number;
  /** Submit the recorded work every this many tokens (default 1; 0: once, at the read-back). */
  submitEvery?: number;
}

/** Disposes every tensor of a state. */
export function disposeState(s: StepState | null | undefined): void {
  if (!s) return;
  if (s instanceof Tensor) s.dispose();
  else for (const v of Array.isArray(s) ? s : Object.values(s)) disposeState(v as StepState);
}

/** Runs the prompt (int32 [P, B] time-major, or P ids for one row) through `model.step` from its
 *  initial state, then generates `length` ids a row: row b of step k draws Philox element
 *  offset + k·B + b. Returns the ids time-major, [length, B] flattened. Runs without a graph; the
 *  model's mode (train/eval) is the caller's. */
export async function generate<S extends StepState>(model: TokenStepper<S>, prompt: Tensor | ArrayLike<number>, opts: GenerateOptions): Promise<Int32Array> {
  const { length, submitEvery = 1, offset = 0, ...sampling } = opts;
  if (!Number.isInteger(length) || length < 0) throw new Error(`webrnn: generate: length = ${length} must be a non-negative integer`);
  if (!Number.isInteger(submitEvery) || submitEvery < 0) throw new Error(`webrnn: generate: submitEvery = ${submitEvery} must be a non-negative integer`);
  const ids = prompt instanceof Tensor ? prompt : tensor(Int32Array.from(prompt), [prompt.length, 1], { dtype: 'int32' });
  try {
    if (ids.dtype !== 'int32' || ids.rank !== 2 || ids.shape[0]! < 1 || ids.shape[1]! < 1) {
      throw new Error(`webrnn: generate: the prompt must be int32 [P, B] with P, B ≥ 1, got ${ids.dtype} ${shapeStr(ids.shape)}`);
    }
    const [P, B] = ids.shape as [number, number];
    if (length === 0) return new Int32Array(0);
    const out = Tensor.empty([length, B], 'int32', ids.storage.g);
    const rec = recorder(ids.storage.g);
    let state: S = noGrad(() => model.initialState(B));
    let last: Tensor = noGrad(() => ops.select(ids, 0, 0));
    try {
      for (let t = 0; t < P - 1 + length; t++) {
        const k = t - (P - 1); // the output row this step samples, once the prompt is in
        const [next, s] = noGrad(() =>
          tidy(() => {
            const [logits, s] = model.step(last, state);
            if (k < 0) return [ops.select(ids, 0, t + 1), s] as const;
            const drawn = sample(logits, { ...sampling, offset: offset + k * B });
            sliceAssign(out, drawn.view([1, B]), 0, k);
            return [drawn, s] as const;
          }),
        );
        last.dispose();
        disposeState(state);
        [last, state] = [next, s];
        if (submitEvery > 0 && (t + 1) % submitEvery === 0) rec.flush();
      }
      return (await out.data()) as Int32Array;
    } finally {
      last.dispose();
      disposeState(state);
      out.dispose();
    }
  } finally {
    if (ids !== prompt) ids.dispose();
  }
}
