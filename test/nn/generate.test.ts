// generate() (src/nn/generate.ts): the ids it makes on the GPU equal a read-back loop over
// forward() (greedy: the argmax; sampling: the sample twin on the same logits, same seed and
// offsets), for batch 1 and 3; one submit a token and a single read-back; bad options refused.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, nn, noGrad, ops, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import { generate, type TokenStepper } from '../../src/nn/generate.js';
import { sampleRef } from '../../src/reference/sample.js';

beforeAll(async () => {
  await init();
});

const V = 11;

/** Embedding → 2-layer LSTM → Linear, stepping on token ids. */
class TinyLM extends nn.Module implements TokenStepper<[Tensor, Tensor]> {
  readonly emb = this.registerModule('emb', new nn.Embedding(V, 6, { seed: 1 }));
  readonly lstm = this.registerModule('lstm', new nn.LSTM({ inputSize: 6, hiddenSize: 12, numLayers: 2, seed: 2 }));
  readonly head = this.registerModule('head', new nn.Linear(12, V, { seed: 3 }));
  initialState(batch: number): [Tensor, Tensor] {
    return this.lstm.initialState(batch);
  }
  step(ids: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [y, s] = this.lstm.step(this.emb.forward(ids), state);
    return [ops.mul(this.head.forward(y), 3), s]; // sharper logits: draws differ from uniform
  }
  /** Logits [T, B, V] of a whole sequence by forward(). */
  logits(ids: Int32Array, T: number, B: number): Tensor {
    const [y] = this.lstm.forward(this.emb.forward(tensor(ids, [T, B], { dtype: 'int32' })));
    return ops.mul(this.head.forward(y.reshape([T * B, 12])), 3).reshape([T, B, V]);
  }
}

/** The same generation by a loop that reads all logits back each token and decides on the CPU. */
async function readBackLoop(m: TinyLM, prompt: number[][], length: number, pick: (row: number[], b: number, k: number) => number): Promise<number[]> {
  const P = prompt.length;
  const B = prompt[0]!.length;
  const seq = prompt.map((r) => [...r]);
  const out: number[] = [];
  for (let k = 0; k < length; k++) {
    const T = seq.length;
    const l = noGrad(() => tidy(() => ops.select(m.logits(Int32Array.from(seq.flat()), T, B), 0, T - 1)));
    const rows = Array.from(await l.data());
    l.dispose();
    const next = Array.from({ length: B }, (_, b) => pick(rows.slice(b * V, (b + 1) * V), b, k));
    out.push(...next);
    seq.push(next);
  }
  expect(seq.length).toBe(P + length);
  return out;
}

describe('generate', () => {
  test.each([1, 3])('greedy ids equal the read-back argmax loop (B = %i)', async (B) => {
    const m = new TinyLM().eval();
    const prompt = [Array.from({ length: B }, (_, b) => b + 1), Array.from({ length: B }, (_, b) => 2 * b)];
    const got = await generate(m, tensor(Int32Array.from(prompt.flat()), [2, B], { dtype: 'int32' }), { length: 7, temperature: 0 });
    const want = await readBackLoop(m, prompt, 7, (row) => row.indexOf(Math.max(...row)));
    expect(Array.from(got)).toEqual(want);
    m.dispose();
  });

  test.each([1, 3])('sampled ids equal the twin on the same logits, seed and offsets (B = %i)', async (B) => {
    const m = new TinyLM().eval();
    const opts = { temperature: 0.9, topK: 6, seed: 77, offset: 5 };
    const prompt = [Array.from({ length: B }, (_, b) => (3 * b) % V)];
    const got = await generate(m, tensor(Int32Array.from(prompt.flat()), [1, B], { dtype: 'int32' }), { length: 12, ...opts });
    let margins = Infinity;
    const want = await readBackLoop(m, prompt, 12, (row, b, k) => {
      const r = sampleRef(row, 1, V, { ...opts, offset: opts.offset + k * B + b });
      margins = Math.min(margins, r.margin[0]!);
      return r.ids[0]!;
    });
    // A draw within float32 rounding of a boundary could go either way; these seeds have none.
    expect(margins).toBeGreaterThan(1e-5);
    expect(Array.from(got)).toEqual(want);
    expect(new Set(got).size).toBeGreaterThan(2);
    m.dispose();
  });

  test('a prompt of ids for one row; one submit a token, one read-back in all', async () => {
    const m = new TinyLM().eval();
    await generate(m, [1, 2], { length: 2, temperature: 0 }); // warm-up
    resetCounters();
    const got = await generate(m, [1, 2, 3], { length: 20, seed: 1 });
    const c = counters();
    expect(got.length).toBe(20);
    expect(c.readbacks).toBe(1);
    expect(c.submits).toBe(2 + 20 + 1); // every step (2 prompt + 20) then the read-back's own (the last step's copy)
    resetCounters();
    await generate(m, [1, 2, 3], { length: 20, seed: 1, submitEvery: 0 });
    expect(counters().submits).toBe(1);
    m.dispose();
  });

  test('generating and disposing the model leaves no GPU buffers behind', async () => {
    const before = memory().liveBuffers;
    const m = new TinyLM().eval();
    const prompt = tensor(Int32Array.of(1, 2, 3, 4), [2, 2], { dtype: 'int32' });
    await generate(m, prompt, { length: 5, seed: 3 });
    await generate(m, [1], { length: 3, temperature: 0 });
    expect(prompt.isDisposed).toBe(false); // the caller's prompt stays theirs
    prompt.dispose();
    m.dispose();
    expect(memory().liveBuffers).toBe(before);
  });

  test('bad options', async () => {
    const m = new TinyLM().eval();
    await expect(generate(m, [1], { length: -1 })).rejects.toThrow(/webrnn: generate: length = -1/);
    await expect(generate(m, [1], { length: 2, submitEvery: 0.5 })).rejects.toThrow(/submitEvery = 0.5/);
    await expect(generate(m, [], { length: 2 })).rejects.toThrow(/the prompt must be int32 \[P, B\]/);
    await expect(generate(m, [1], { length: 2, temperature: -1 })).rejects.toThrow(/webrnn: sample: temperature = -1/);
    expect(await generate(m, [1], { length: 0 })).toEqual(new Int32Array(0));
    m.dispose();
  });
});
