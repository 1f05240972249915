// Tape semantics: fan-out and repeated backward() accumulate, noGrad/detach record nothing,
// backward's argument checks, freed graphs and retainGraph, the memory a graph holds, saved
// tensors outliving dispose(), deep chains, the typed op table, and bad input through the API.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, matmul, memory, nn, noGrad, ops, reshape, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import type { Op } from '../../src/graph/tape.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { fdGrad } from '../util/gradcheck.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const leaf = (x: ArrayLike<number>, shape: number[] = [x.length]) => tensor(Float32Array.from(x), shape, { requiresGrad: true });
const values = async (t: Tensor | null) => {
  expect(t, 'missing gradient').not.toBeNull();
  return Array.from(await t!.data());
};

describe('accumulation', () => {
  test('fan-out: a tensor used several times gets the sum of every path', async () => {
    const xs = roundF32(uniform(6, 1, -1.5, 1.5));
    const x = leaf(xs);
    // L = Σ (t·t + t + x)·x with t = tanh(x): x reaches L through four uses.
    tidy(() => {
      const t = x.tanh();
      t.mul(t).add(t).add(x).mul(x).sum().backward();
    });
    const f = ([v]: readonly Float64Array[]) => v!.map((a) => (Math.tanh(a) ** 2 + Math.tanh(a) + a) * a);
    expectAllClose(await values(x.grad), fdGrad(f, [xs], new Float64Array(6).fill(1), [true])[0]!, TOL.bptt);
  });

  test('gradients add up across backward() calls until zeroGrad (like PyTorch)', async () => {
    const lin = new nn.Linear(3, 2, { seed: 4 });
    const xs = roundF32(uniform(12, 2));
    const x = tensor(Float32Array.from(xs), [4, 3]);
    const step = () => tidy(() => lin.forward(x).sum().backward());
    // L = Σ (x·Wᵀ + b): dW[o, i] = Σ_rows x[r, i], db[o] = rows.
    const colSums = [0, 1, 2].map((i) => xs[i]! + xs[3 + i]! + xs[6 + i]! + xs[9 + i]!);
    const dW = [...colSums, ...colSums];
    const [weight, bias] = [lin.weight, lin.bias!];
    step();
    expectAllClose(await values(weight.grad), dW, TOL.reduction);
    step();
    expectAllClose(await values(weight.grad), dW.map((v) => 2 * v), TOL.reduction);
    expectAllClose(await values(bias.grad), [8, 8], TOL.reduction);
    lin.zeroGrad();
    expect(weight.grad).toBeNull();
    step();
    expectAllClose(await values(weight.grad), dW, TOL.reduction);
    expectAllClose(await values(bias.grad), [4, 4], TOL.reduction);
    lin.dispose();
  });

  test('a 3000-add chain neither overflows the stack nor loses a path', async () => {
    const x = leaf([0.5, -2]);
    const y = tidy(() => {
      let y = x;
      for (let i = 0; i < 3000; i++) y = y.add(x); // y = 3001·x, x fanned out 3001 times
      y.sum().backward();
      return y;
    });
    expect(await values(y)).toEqual([1500.5, -6002]);
    expect(await values(x.grad)).toEqual([3001, 3001]);
  });

  test('a 20000-deep graph of views (no GPU work) backpropagates without recursion', async () => {
    // Deep enough that a recursive topological sort or backward would overflow the JS stack.
    const x = leaf([1, 2]);
    tidy(() => {
      let y = x;
      for (let i = 0; i < 20_000; i++) y = y.reshape(i % 2 ? [2] : [1, 2]);
      y.mul(y).sum().backward();
    });
    expect(await values(x.grad)).toEqual([2, 4]);
  });
});

describe('what is recorded', () => {
  test('noGrad() records nothing and holds no saved buffers', async () => {
    const x = leaf([1, 2, 3]);
    const base = memory().liveBuffers;
    const y = noGrad(() => tidy(() => x.exp().tanh()));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(memory().liveBuffers).toBe(base + 1); // y alone: exp's output is gone
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
    // Recorded, exp's output outlives the tidy: exp's backward reads it (d eˣ = eˣ).
    const z = tidy(() => x.exp().tanh());
    expect(z.gradFn?.name).toBe('unary');
    expect(memory().liveBuffers).toBe(base + 1 + 2);
    y.dispose();
    z.dispose();
  });

  test('detach() shares the values and cuts the graph', async () => {
    const xs = [0.5, -1, 2];
    const x = leaf(xs);
    tidy(() => {
      const c = x.mul(2).detach();
      expect(c.requiresGrad).toBe(false);
      expect(c.gradFn).toBeNull();
      c.mul(x).sum().backward(); // d/dx Σ c·x with c held constant = c = 2x
    });
    expectAllClose(await values(x.grad), xs.map((v) => 2 * v), TOL.elementwise);
  });

  test('ops on tensors that need no grad record nothing', () => {
    const a = tensor([1, 2]);
    const y = a.exp().mul(a);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });
});

describe('backward()', () => {
  test('a non-scalar without an explicit gradient is refused, naming its shape', () => {
    const y = leaf([1, 2, 3, 4, 5, 6], [2, 3]).mul(2);
    expect(() => y.backward()).toThrow(/needs a scalar, got shape \[2, 3\]/);
  });

  test('an explicit output gradient is used as the seed; a wrong-sized one is refused', async () => {
    const x = leaf([1, 2, 3, 4], [2, 2]);
    const y = x.mul(3).square(); // dy/dx = 18x
    const g = tensor([[1, -1], [0.5, 2]]);
    y.backward(g);
    expectAllClose(await values(x.grad), [18, -36, 27, 144], TOL.elementwise);
    expect(await values(g)).toEqual([1, -1, 0.5, 2]); // the caller's gradient is left alone
    expect(() => x.mul(3).backward(tensor([1, 2, 3]))).toThrow(/gradient shape \[3\] does not match \[2, 2\]/);
  });

  test('a second backward through a freed graph names the op and retainGraph', () => {
    const x = leaf([1, 2]);
    const loss = x.exp().sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward through sum a second time.*retainGraph/);
  });

  test('retainGraph keeps the graph for one more backward, which accumulates', async () => {
    const xs = [0.25, -0.5];
    const x = leaf(xs);
    const loss = x.exp().sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expectAllClose(await values(x.grad), xs.map((v) => 2 * Math.exp(v)), TOL.elementwise);
    expect(() => loss.backward()).toThrow(/retainGraph/);
  });

  test('backward on a leaf seeds its own gradient', async () => {
    const x = leaf([7]);
    x.backward();
    expect(await values(x.grad)).toEqual([1]);
  });
});

describe('memory', () => {
  test('backward frees what the graph saved: live buffers return to the baseline after tidy', async () => {
    const w = leaf(roundF32(uniform(12, 3)), [3, 4]);
    const x = tensor(Float32Array.from(uniform(6, 4)), [2, 3]);
    const run = () =>
      tidy(() => {
        const h = matmul(x, w).tanh();
        ops.logSoftmax(h.mul(h).add(h), 1).max(1).mean().backward();
      });
    run(); // warm-up: creates w.grad, the one buffer that outlives the step
    const base = memory().liveBuffers;
    for (let i = 0; i < 3; i++) run();
    expect(memory().liveBuffers).toBe(base);
    expect(w.grad!.shape).toEqual([3, 4]);
  });

  test('disposing an intermediate before backward still gives the right gradient', async () => {
    const xs = roundF32(uniform(5, 5, 0.5, 2));
    const x = leaf(xs);
    const t = x.sqrt(); // saved by sqrt's backward (its output) and by mul
    const y = t.mul(x);
    t.dispose();
    y.sum().backward(); // d(√x·x)/dx = 1.5·√x
    expectAllClose(await values(x.grad), Array.from(xs, (v) => 1.5 * Math.sqrt(v)), TOL.elementwise);
  });
});

test('an op without a backward does not type-check', () => {
  // @ts-expect-error: `backward` is missing (an unused directive fails tsc if Op stops requiring it)
  const incomplete: Op<null, null> = { name: 'noBackward', forward: ([x]) => ({ outputs: [x!], saved: null }) };
  expect(incomplete.name).toBe('noBackward');
});

describe('bad input through the public API names the shapes, before anything is dispatched', () => {
  test.each([
    ['matmul inner dims', () => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]])), /\[1, 3\].*\[1, 2\]/],
    ['matmul batch dims', () => matmul(tensor(new Float32Array(12), [2, 2, 3]), tensor(new Float32Array(18), [3, 3, 2])), /\[2, 2, 3\].*\[3, 3, 2\]/],
    ['matmul of a vector', () => matmul(tensor([1, 2]), tensor([[1], [2]])), /\[2\].*\[2, 1\]/],
    ['add broadcast', () => ops.add(tensor(new Float32Array(6), [2, 3]), tensor([1, 2, 3, 4])), /\[2, 3\].*\[4\]/],
    ['mul broadcast', () => tensor(new Float32Array(6), [2, 3]).mul(tensor(new Float32Array(4), [2, 1, 1, 2])), /\[2, 3\].*\[2, 1, 1, 2\]/],
    ['reshape', () => reshape(tensor(new Float32Array(6), [2, 3]), [4]), /\[2, 3\].*\[4\]/],
    ['reshape -1', () => tensor(new Float32Array(6), [2, 3]).reshape([-1, 4]), /\[2, 3\].*\[-1, 4\]/],
    ['linear', () => ops.linear(tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(8), [2, 4])), /\[2, 3\].*\[2, 4\]/],
    ['slice', () => tensor(new Float32Array(6), [2, 3]).slice(1, 2, 5), /\[2, 5\).*\[2, 3\]/],
    ['stack', () => ops.stack([tensor([1, 2]), tensor([1, 2, 3])]), /\[2\].*\[3\]/],
  ])('%s', (_n, call, message) => {
    resetCounters();
    expect(call).toThrow(message);
    expect(counters().dispatches).toBe(0);
  });
});
