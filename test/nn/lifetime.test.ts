// Lifetime outside tidy(): every layer, loss and op frees its internal buffers once the caller
// disposes what it returns (with or without a backward); failed constructors and ops free what
// they made; size limits are checked before anything is allocated; the leak checks
// (memory().liveTensors, checkLeaks, the pile-up warning) report what is left behind.
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  binaryCrossEntropyWithLogits, checkLeaks, crossEntropy, full, init, memory, mseLoss, nn, ops, optim, randn,
  setLeakWarning, tensor, tidy, type Gpu, type Tensor,
} from 'webrnn';

let g: Gpu;
beforeAll(async () => {
  g = await init();
});

/** Every tensor in a nested result. */
const flat = (v: unknown): Tensor[] => (Array.isArray(v) ? v.flatMap(flat) : v ? [v as Tensor] : []);

/** Live buffers and tensors, the two counts that must return to where they were. */
const counts = () => {
  const m = memory();
  return { buffers: m.liveBuffers, tensors: m.liveTensors };
};

type Case = [name: string, make: () => nn.Module, inputs: () => Tensor[], run: (m: nn.Module, inputs: Tensor[]) => unknown];
const ids = (n: number[]) => tensor(new Int32Array(n), [n.length], { dtype: 'int32' });
const seq = (name: string, Layer: typeof nn.LSTM | typeof nn.GRU | typeof nn.RNN, o: object, x: number[]): Case => [
  `${name} ${JSON.stringify(o)}`,
  () => new Layer({ inputSize: 3, hiddenSize: 4, seed: 1, ...o }),
  () => [randn(x, { seed: 2 })],
  (m, [x0]) => (m as nn.LSTM).forward(x0!),
];

const CASES: Case[] = [
  seq('LSTM', nn.LSTM, {}, [5, 2, 3]),
  seq('GRU', nn.GRU, {}, [5, 2, 3]),
  seq('RNN', nn.RNN, { nonlinearity: 'relu' }, [5, 2, 3]),
  seq('LSTM', nn.LSTM, { numLayers: 2, bidirectional: true, batchFirst: true }, [2, 5, 3]),
  seq('GRU', nn.GRU, { numLayers: 2, dropout: 0.5, resetAfter: false }, [5, 2, 3]),
  ['LSTM with a state and lengths', () => new nn.LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 }),
    () => [randn([5, 2, 3]), randn([2, 2, 4]), randn([2, 2, 4])],
    (m, [x, h, c]) => (m as nn.LSTM).forward(x!, [h!, c!], { lengths: [5, 3] })],
  ['LSTMCell', () => new nn.LSTMCell(3, 4, { seed: 1 }), () => [randn([2, 3])], (m, [x]) => (m as nn.LSTMCell).forward(x!)],
  ['GRUCell with h', () => new nn.GRUCell(3, 4, { seed: 1 }), () => [randn([2, 3]), randn([2, 4])], (m, [x, h]) => (m as nn.GRUCell).forward(x!, h!)],
  ['RNNCell', () => new nn.RNNCell(3, 4, { seed: 1 }), () => [randn([2, 3])], (m, [x]) => (m as nn.RNNCell).forward(x!)],
  ['Linear', () => new nn.Linear(3, 4, { seed: 1 }), () => [randn([2, 3])], (m, [x]) => (m as nn.Linear).forward(x!)],
  ['Embedding', () => new nn.Embedding(5, 3, { seed: 1 }), () => [ids([0, 4, 2])], (m, [i]) => (m as nn.Embedding).forward(i!)],
  ['Sequential(lin, tanh, dropout, lin)', () => {
    const lin = new nn.Linear(3, 3, { seed: 1 });
    return new nn.Sequential(lin, new nn.Tanh(), new nn.Dropout(0.5, { seed: 1 }), lin);
  }, () => [randn([2, 3])], (m, [x]) => (m as nn.Sequential).forward(x!)],
];

/** A scalar of everything a forward returned, so a backward reaches every output. */
function lossOf(outs: Tensor[]): Tensor {
  let loss = ops.sum(outs[0]!);
  for (const t of outs.slice(1)) {
    const part = ops.sum(t);
    const next = ops.add(loss, part);
    for (const u of [loss, part]) u.dispose();
    loss = next;
  }
  return loss;
}

describe('a forward outside tidy leaves nothing behind once its outputs are disposed', () => {
  test.each(CASES)('%s: with and without a backward', (_name, make, inputs, run) => {
    const m = make();
    const xs = inputs();
    const base = counts();
    for (const withBackward of [false, true, false]) {
      const outs = flat(run(m, xs));
      expect(outs.length).toBeGreaterThan(0);
      if (withBackward) {
        const loss = lossOf(outs);
        loss.backward();
        loss.dispose();
        m.zeroGrad();
      }
      for (const t of outs) t.dispose();
      expect(counts()).toEqual(base);
    }
    for (const t of xs) t.dispose();
    m.dispose();
  });
});

describe('losses outside tidy', () => {
  const make = () => ({ x: randn([4, 3], { requiresGrad: true }), y: randn([4, 3]), t: ids([0, 2, 1, 2]), mask: tensor([1, 0, 1, 1]) });
  const LOSSES: [string, (i: ReturnType<typeof make>) => Tensor][] = [
    ['crossEntropy', (i) => crossEntropy(i.x, i.t)],
    ['crossEntropy with mask and ignoreIndex', (i) => crossEntropy(i.x, i.t, { mask: i.mask, ignoreIndex: 2 })],
    ['mseLoss with mask', (i) => mseLoss(i.x, i.y, { mask: i.mask })],
    ['binaryCrossEntropyWithLogits, sum', (i) => binaryCrossEntropyWithLogits(i.x, i.y, { reduction: 'sum' })],
  ];
  test.each(LOSSES)('%s: forward + backward, loss and grad disposed → back to the baseline', (_n, f) => {
    const i = make();
    const base = counts();
    for (let k = 0; k < 3; k++) {
      const l = f(i);
      l.backward();
      l.dispose();
      i.x.grad!.dispose();
      i.x.grad = null;
    }
    expect(counts()).toEqual(base);
    for (const t of Object.values(i)) t.dispose();
  });
});

describe('training loops', () => {
  test('without tidy, disposing what each step makes, memory is flat from the second step', async () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, batchFirst: true, seed: 1 });
    const head = new nn.Linear(10, 2, { seed: 2 });
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new optim.Adam(params, { lr: 1e-2 });
    const x = randn([2, 4, 3], { seed: 3 });
    const y = ids([0, 1]);
    const seen: ReturnType<typeof counts>[] = [];
    for (let step = 0; step < 4; step++) {
      opt.zeroGrad();
      const [out, [hN, cN]] = lstm.forward(x);
      const last = ops.select(out, 1, -1);
      const logits = head.forward(last);
      const loss = crossEntropy(logits, y);
      loss.backward();
      opt.step();
      await loss.item();
      for (const t of [out, hN, cN, last, logits, loss]) t.dispose();
      seen.push(counts());
    }
    expect(seen[3]).toEqual(seen[1]);
    expect(seen[2]).toEqual(seen[1]);
    for (const t of [x, y]) t.dispose();
    opt.dispose();
  });
});

describe('allocation limits and failed constructors', () => {
  /** Runs `fn` with the device's buffer limits lowered to `bytes` (deterministic on any adapter). */
  function withLimit<R>(bytes: number, fn: () => R): R {
    const real = g.limits;
    const fake: Record<string, number> = {};
    for (const k in real) fake[k] = (real as unknown as Record<string, number>)[k]!;
    Object.assign(fake, { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes });
    g.limits = fake as unknown as GPUSupportedLimits;
    try {
      return fn();
    } finally {
      g.limits = real;
    }
  }

  test('hiddenSize: 1e6 is a named error before anything is allocated (no RangeError)', () => {
    const base = counts();
    const created = memory().createdBuffers;
    expect(() => new nn.LSTM({ inputSize: 3, hiddenSize: 1e6 })).toThrow(/^webrnn: parameter weight_ih_l0 of shape \[4000000, 3\] needs 48000000 bytes|^webrnn: parameter weight_hh_l0 of shape \[4000000, 1000000\]/);
    expect(() => new nn.GRU({ inputSize: 3, hiddenSize: 1e9 })).toThrow(/^webrnn: parameter weight_\w+_l0 of shape \[3000000000, \d+\] needs \d+ bytes, more than webrnn device #\d+ can hold/);
    expect(() => new nn.LSTMCell(3, 1e6)).toThrow(/^webrnn: parameter weight_\w+ of shape \[4000000, /);
    expect(() => new nn.Linear(1e5, 1e5)).toThrow(/^webrnn: a tensor of shape \[100000, 100000\] needs 40000000000 bytes/);
    expect(() => randn([1e6, 1e6])).toThrow(/^webrnn: a tensor of shape \[1000000, 1000000\]/);
    expect(() => full([1e6, 1e6], 1, { dtype: 'int32' })).toThrow(/^webrnn: a tensor of shape/);
    expect(counts()).toEqual(base);
    expect(memory().createdBuffers).toBe(created);
  });

  test('a constructor that fails part-way frees the parameters it had made', () => {
    const base = counts();
    // Layer 0's weight_hh [240, 60] (57,600 bytes) fits 64 KiB; layer 1's weight_ih [240, 120] does not.
    expect(() => withLimit(65536, () => new nn.LSTM({ inputSize: 3, hiddenSize: 60, numLayers: 2, bidirectional: true })))
      .toThrow(/^webrnn: parameter weight_ih_l1 of shape \[240, 120\] needs 115200 bytes, more than webrnn device #\d+ can hold in one buffer \(maxStorageBufferBindingSize\/maxBufferSize = 65536 bytes\)/);
    expect(counts()).toEqual(base);
  });

  test('an op that fails part-way outside tidy frees what it had made', () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const x = randn([100, 20, 3]);
    const base = counts();
    // 30,000 bytes: the lengths and zero states fit, the input projection [2000, 16] does not.
    expect(() => withLimit(30000, () => lstm.forward(x))).toThrow(/^webrnn: a tensor of shape \[2000, 16\]/);
    expect(counts()).toEqual(base);
    x.dispose();
    lstm.dispose();
  });

  test('full(shape, NaN) and ±Inf fill on the GPU and leave no buffer behind; int32 takes integers only', async () => {
    const base = counts();
    for (const v of [NaN, Infinity, -Infinity]) {
      const t = full([3, 70], v);
      expect(Array.from(await t.data()).every((x) => Object.is(x, v))).toBe(true);
      t.dispose();
    }
    expect(() => full([2], NaN, { dtype: 'int32' })).toThrow(/^webrnn: full\(\): value NaN is not an int32/);
    expect(() => full([2], 2.5, { dtype: 'int32' })).toThrow(/^webrnn: full\(\): value 2.5 is not an int32/);
    expect(() => full([2], 2 ** 31, { dtype: 'int32' })).toThrow(/is not an int32/);
    expect(Array.from(await full([2], -7, { dtype: 'int32' }).data())).toEqual([-7, -7]);
    expect(counts().tensors).toBe(base.tensors + 1);
  });
});

describe('leak checks', () => {
  afterEach(() => setLeakWarning(10_000));

  test('memory().liveTensors counts tensors and views until they are disposed', () => {
    const base = memory().liveTensors;
    const a = randn([2, 3]);
    const v = a.reshape([3, 2]);
    expect(memory().liveTensors).toBe(base + 2);
    a.dispose();
    v.dispose();
    expect(memory().liveTensors).toBe(base);
  });

  test('checkLeaks(fn) names what fn left alive, and passes what it returns, kept tensors and tidy()', async () => {
    const lin = new nn.Linear(3, 2, { seed: 1 });
    const x = randn([4, 3]);
    expect(() => checkLeaks(() => {
      const y = lin.forward(x);
      return ops.sum(y);
    })).toThrow(/^webrnn: checkLeaks: 1 tensor\(s\) made inside were not disposed \(holding \d+ bytes with what their graphs saved\): float32 \[4, 2\] from linear$/);
    const s = checkLeaks(() => tidy(() => ops.sum(lin.forward(x))));
    expect(s.shape).toEqual([]);
    s.dispose();
    await expect(checkLeaks(async () => {
      const y = lin.forward(x);
      await y.data();
      return 1;
    })).rejects.toThrow(/^webrnn: checkLeaks: 1 tensor/);
    expect(checkLeaks(() => new nn.Linear(2, 2)).parameters().length).toBe(2); // parameters are kept
  });

  test('a pile-up of live tensors warns once, naming tidy(); setLeakWarning(null) silences it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      setLeakWarning(memory().liveTensors + 5);
      const made = Array.from({ length: 12 }, () => randn([2]));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^webrnn: \d+ tensors are alive on webrnn device #\d+ .*tidy\(\).*checkLeaks/);
      for (const t of made) t.dispose();
      expect(() => setLeakWarning(0)).toThrow(/^webrnn: setLeakWarning\(0\)/);
    } finally {
      warn.mockRestore();
    }
  });
});
