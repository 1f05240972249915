// Training end to end on the software driver, each run bounded: an LSTM learns Trask's 8-bit
// binary addition to 100% on held-out pairs; a steady-state loop keeps GPU memory flat over 1,000
// steps; a step is one fused dispatch per layer and time step each way and one submit.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  binaryCrossEntropyWithLogits, clipGradNorm, counters, crossEntropy, flush, init, memory, mseLoss, nn, optim, resetCounters, tensor, tidy, type Tensor,
} from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { Random } from '../../src/util/random.js';

beforeAll(async () => {
  await init();
});

describe("Trask's task: 8-bit binary addition", () => {
  // a, b < 128 so a + b fits in 8 bits; step t sees bit t of a and of b (least significant first)
  // and must output bit t of the sum, which needs the carry remembered from step t − 1.
  const BITS = 8;
  const LIMIT = 1 << (BITS - 1);
  const bit = (n: number, t: number) => (n >>> t) & 1;

  /** Time-major inputs [T, B, 2] and targets [T, B, 1] for pairs given as keys a·LIMIT + b. */
  function encode(keys: number[]): { x: Float32Array; y: Float32Array } {
    const B = keys.length;
    const x = new Float32Array(BITS * B * 2);
    const y = new Float32Array(BITS * B);
    keys.forEach((k, i) => {
      const [a, b] = [Math.floor(k / LIMIT), k % LIMIT];
      for (let t = 0; t < BITS; t++) {
        x[(t * B + i) * 2] = bit(a, t);
        x[(t * B + i) * 2 + 1] = bit(b, t);
        y[t * B + i] = bit(a + b, t);
      }
    });
    return { x, y };
  }

  test('an LSTM (H = 16, Adam lr 0.05, batch 64) gets every bit of every held-out sum right within 400 steps', async () => {
    const rng = new Random(2024);
    const heldOut = new Set<number>();
    while (heldOut.size < 512) heldOut.add(rng.int(LIMIT * LIMIT));
    const heldKeys = [...heldOut];
    const sample = (n: number) => {
      const keys: number[] = [];
      while (keys.length < n) {
        const k = rng.int(LIMIT * LIMIT);
        if (!heldOut.has(k)) keys.push(k); // held-out pairs are never trained on
      }
      return keys;
    };

    const [B, H] = [64, 16];
    const lstm = new nn.LSTM({ inputSize: 2, hiddenSize: H, seed: 1 });
    const head = new nn.Linear(H, 1, { seed: 2 });
    const params = [...lstm.parameters(), ...head.parameters()];
    const opt = new optim.Adam(params, { lr: 0.05 });
    const logitsOf = (x: Tensor) => head.forward(lstm.forward(x)[0]); // [T, B, 1]

    /** Fraction of held-out pairs whose 8 predicted bits all match the sum (one readback). */
    async function heldOutAccuracy(): Promise<number> {
      const { x, y } = encode(heldKeys);
      const logits = tidy(() => logitsOf(tensor(x, [BITS, heldKeys.length, 2])));
      const v = await logits.data();
      logits.dispose();
      let right = 0;
      heldKeys.forEach((_, i) => {
        let ok = true;
        for (let t = 0; t < BITS; t++) ok &&= (v[t * heldKeys.length + i]! > 0 ? 1 : 0) === y[t * heldKeys.length + i];
        if (ok) right++;
      });
      return right / heldKeys.length;
    }

    const MAX_STEPS = 400;
    let steps = 0;
    let accuracy = await heldOutAccuracy();
    expect(accuracy).toBeLessThan(0.5); // it has to learn it
    while (accuracy < 1 && steps < MAX_STEPS) {
      for (let i = 0; i < 25; i++, steps++) {
        const { x, y } = encode(sample(B));
        tidy(() => {
          const loss = binaryCrossEntropyWithLogits(logitsOf(tensor(x, [BITS, B, 2])), tensor(y, [BITS, B, 1]));
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
      accuracy = await heldOutAccuracy();
    }
    expect({ accuracy, withinSteps: steps <= MAX_STEPS }).toEqual({ accuracy: 1, withinSteps: true });
    console.log(`binary addition: 100% of ${heldKeys.length} held-out sums after ${steps} steps`);
    opt.dispose();
    lstm.dispose();
    head.dispose();
  });
});

/** The README's training step: forward, cross-entropy on the last time step, backward, clip, Adam;
 *  only the loss is read back (or, with read = false, the step is only submitted). */
function readmeLoop(layer: nn.LSTM, head: nn.Linear, T: number, B: number, I: number, classes: number) {
  const params = [...layer.parameters(), ...head.parameters()];
  const opt = new optim.Adam(params, { lr: 1e-3 });
  const rng = new Random(5);
  const x = Float32Array.from({ length: T * B * I }, () => rng.uniform());
  const y = Int32Array.from({ length: B }, () => rng.int(classes));
  const step = async (read = true): Promise<number> => {
    const loss = tidy(() => {
      const [out] = layer.forward(tensor(x, [T, B, I]));
      const logits = head.forward(out.select(0, -1));
      const l = crossEntropy(logits, tensor(y, [B], { dtype: 'int32' }));
      opt.zeroGrad();
      l.backward();
      clipGradNorm(params, 1);
      opt.step();
      return l;
    });
    if (!read) {
      loss.dispose();
      flush();
      return Number.NaN;
    }
    const value = await loss.item();
    loss.dispose();
    return value;
  };
  return { step, opt };
}

describe('steady state', () => {
  const restore: (() => void)[] = [];
  afterEach(() => restore.splice(0).forEach((f) => f()));

  /** Counts the device's createBuffer calls (every GPU allocation, pooled or not) from now on. */
  function spyCreateBuffer(): GPUBufferDescriptor[] {
    const device = gpu().device;
    const original = device.createBuffer;
    const seen: GPUBufferDescriptor[] = [];
    device.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor) {
      seen.push(d);
      return original.call(this, d);
    };
    restore.push(() => void (device.createBuffer = original));
    return seen;
  }

  test('memory() stays flat over 1,000 training steps after warm-up; no storage buffer is created', async () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const head = new nn.Linear(4, 2, { seed: 2 });
    const { step, opt } = readmeLoop(lstm, head, 3, 2, 3, 2);
    // The loss is read every 10th step (a readback waits ~10 ms here, which would dominate); the
    // other steps are submitted without waiting, one submit each.
    const loop = async (n: number) => {
      let losses = 0;
      for (let i = 1; i <= n; i++) if (Number.isFinite(await step(i % 10 === 0))) losses++;
      return losses;
    };
    await loop(20);
    const before = memory();
    const created = spyCreateBuffer();
    resetCounters();
    expect(await loop(1000)).toBe(100);
    const after = memory();
    expect(after.createdBuffers).toBe(before.createdBuffers);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveBuffers).toBe(before.liveBuffers);
    expect(after.pooledBytes).toBe(before.pooledBytes);
    // What the device still creates per step are transient staging buffers (map-read for the
    // loss, mapped-at-creation for an upload recorded mid-step), never storage buffers.
    const STORAGE = 0x80;
    expect(created.filter((d) => (d.usage & STORAGE) !== 0)).toEqual([]);
    expect(created.length).toBeLessThanOrEqual(2 * 1000);
    expect(counters().submits).toBe(1000);
    console.log(`steady state: liveBytes ${after.liveBytes} (${after.liveBuffers} buffers), pooled ${after.pooledBytes}; ` +
      `${created.length / 1000} transient staging buffers and ${counters().submits / 1000} submits per step`);
    opt.dispose();
    lstm.dispose();
    head.dispose();
  });

  test("the README's loop: one submit and one readback per step", async () => {
    const lstm = new nn.LSTM({ inputSize: 5, hiddenSize: 8, numLayers: 2, seed: 3 });
    const head = new nn.Linear(8, 4, { seed: 4 });
    const { step, opt } = readmeLoop(lstm, head, 6, 4, 5, 4);
    await step();
    resetCounters();
    for (let i = 0; i < 5; i++) await step();
    expect(counters().submits).toBe(5);
    expect(counters().readbacks).toBe(5);
    opt.dispose();
    lstm.dispose();
    head.dispose();
  });
});

/** Dispatches of a step kernel, summed over its variants (e.g. `lstm_step_forward_blocked`). */
const stepDispatches = (name: string): number =>
  [...counters().byKernel].filter(([k]) => k === name || k.startsWith(`${name}_`)).reduce((n, [, v]) => n + v, 0);

describe('dispatch counts: one fused forward and one fused backward per layer and time step, both directions together', () => {
  const KERNELS = { lstm: 'lstm_step', gru: 'gru_step', rnn: 'rnn_step' } as const;
  const cases = (['lstm', 'gru', 'rnn'] as const).flatMap((mode) => [1, 2].map((layers) => [mode, layers] as const));
  test.each(cases)('%s, %i layers, bidirectional', (mode, layers) => {
    const [T, B, I, H] = [7, 3, 4, 5];
    const o = { inputSize: I, hiddenSize: H, numLayers: layers, bidirectional: true, seed: 1 };
    const layer = mode === 'lstm' ? new nn.LSTM(o) : mode === 'gru' ? new nn.GRU(o) : new nn.RNN(o);
    const x = tensor(new Float32Array(T * B * I).fill(0.5), [T, B, I]);
    resetCounters();
    tidy(() => {
      const [y] = layer instanceof nn.LSTM ? layer.forward(x) : layer.forward(x);
      const fwd = stepDispatches(`${KERNELS[mode]}_forward`);
      expect(fwd).toBe(layers * T);
      mseLoss(y, y.detach().mul(0.5)).backward();
    });
    expect(stepDispatches(`${KERNELS[mode]}_forward`)).toBe(layers * T);
    expect(stepDispatches(`${KERNELS[mode]}_backward`)).toBe(layers * T);
    expect(counters().submits).toBe(0); // nothing was read, so nothing was submitted
    for (const p of layer.parameters()) expect(p.grad).not.toBeNull();
    x.dispose();
    layer.dispose();
  });

  test('a 2-layer LSTM training step with T = 64 (B = 4, H = 8): the count, for the record', async () => {
    const [T, B, I, H] = [64, 4, 8, 8];
    const lstm = new nn.LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, seed: 6 });
    const head = new nn.Linear(H, 10, { seed: 7 });
    const { step, opt } = readmeLoop(lstm, head, T, B, I, 10);
    await step();
    resetCounters();
    await step();
    const c = counters();
    // One fused launch per layer and step, or (small hidden sizes on a CPU adapter) one launch per
    // layer looping over all T steps inside the workgroup: never more.
    for (const k of ['lstm_step_forward', 'lstm_step_backward']) expect([2 * T, 2]).toContain(stepDispatches(k));
    expect(c.submits).toBe(1);
    // Everything but the fused steps: a fixed number, independent of T.
    const steps = stepDispatches('lstm_step_forward') + stepDispatches('lstm_step_backward');
    console.log(`2-layer LSTM, T = ${T}: ${c.dispatches} dispatches per step (${steps} fused step launches + ${c.dispatches - steps} others: ` +
      `${[...c.byKernel].filter(([k]) => !k.startsWith('lstm_step')).map(([k, v]) => `${k} ${v}`).join(', ')}); liveBytes ${memory().liveBytes}`);
    opt.dispose();
    lstm.dispose();
    head.dispose();
  });
});
