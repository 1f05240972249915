// Modules: PyTorch's parameter names and shapes (RNN/LSTM/GRU with every option, Linear, Embedding,
// Sequential, nested modules), default initialisation, train/eval, loadStateDict's checks (a refused
// record leaves every parameter untouched) and safetensors round trips.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, loadSafetensors, manualSeed, nn, saveSafetensors, tensor, type Tensor } from 'webrnn';
import { paramShapes } from '../../src/reference/rnn_layer.js';
import { MODES, makeLayer, run, type Opts } from '../util/recurrent_layers.js';
import { uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

/** Every parameter's values, by name. */
async function snapshot(m: nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [n, p] of m.namedParameters()) out[n] = Array.from(await p.data());
  return out;
}

const shapesOf = (m: nn.Module) => [...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]);

describe('parameter names and shapes', () => {
  const options: Partial<Opts>[] = [
    {},
    { numLayers: 3 },
    { bidirectional: true },
    { numLayers: 2, bidirectional: true, bias: false },
    { numLayers: 2, bidirectional: true, batchFirst: true, dropout: 0.3 },
  ];
  const cases = MODES.flatMap((mode) => options.map((o) => [mode, JSON.stringify(o), o] as const));
  test.each(cases)('%s %s: PyTorch state_dict names, order and shapes', (mode, _s, o) => {
    const cfg = { mode, inputSize: 5, hiddenSize: 3, numLayers: o.numLayers ?? 1, bias: o.bias ?? true, bidirectional: o.bidirectional ?? false, batchFirst: o.batchFirst ?? false };
    const layer = makeLayer(mode, { inputSize: 5, hiddenSize: 3, ...o, seed: 1 });
    expect(shapesOf(layer)).toEqual(Object.entries(paramShapes(cfg)));
    layer.dispose();
  });

  test('a 2-layer bidirectional LSTM, spelled out', () => {
    const lstm = new nn.LSTM({ inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, seed: 1 });
    const expected: [string, number[]][] = [];
    for (const sfx of ['_l0', '_l0_reverse', '_l1', '_l1_reverse']) {
      const inSize = sfx.startsWith('_l0') ? 4 : 12;
      expected.push([`weight_ih${sfx}`, [24, inSize]], [`weight_hh${sfx}`, [24, 6]], [`bias_ih${sfx}`, [24]], [`bias_hh${sfx}`, [24]]);
    }
    expect(shapesOf(lstm)).toEqual(expected);
    expect(lstm.numParameters()).toBe(2 * (24 * 4 + 24 * 6 + 48) + 2 * (24 * 12 + 24 * 6 + 48));
    lstm.dispose();
  });

  test('Linear, Embedding, Sequential and nested modules', () => {
    const lin = new nn.Linear(4, 3, { seed: 1 });
    expect(shapesOf(lin)).toEqual([['weight', [3, 4]], ['bias', [3]]]);
    const noBias = new nn.Linear(4, 3, { bias: false, seed: 1 });
    expect(shapesOf(noBias)).toEqual([['weight', [3, 4]]]);
    const emb = new nn.Embedding(10, 7, { seed: 1 });
    expect(shapesOf(emb)).toEqual([['weight', [10, 7]]]);
    const seq = new nn.Sequential(new nn.Linear(4, 8, { seed: 2 }), new nn.Tanh(), new nn.Linear(8, 2, { seed: 3 }));
    expect(shapesOf(seq)).toEqual([['0.weight', [8, 4]], ['0.bias', [8]], ['2.weight', [2, 8]], ['2.bias', [2]]]);

    class Net extends nn.Module {
      readonly embed = this.registerModule('embed', new nn.Embedding(5, 3, { seed: 4 }));
      readonly rnn = this.registerModule('rnn', new nn.GRU({ inputSize: 3, hiddenSize: 2, seed: 5 }));
      readonly head = this.registerModule('head', new nn.Sequential(new nn.Dropout(0.1), new nn.Linear(2, 5, { seed: 6 })));
    }
    const net = new Net();
    expect([...net.namedParameters()].map(([n]) => n)).toEqual([
      'embed.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'head.1.weight', 'head.1.bias',
    ]);
    expect(Object.keys(net.stateDict())).toEqual([...net.namedParameters()].map(([n]) => n));
    expect([...net.namedModules()].map(([n]) => n)).toEqual(['', 'embed', 'rnn', 'head', 'head.0', 'head.1']);
    for (const m of [lin, noBias, emb, seq, net]) m.dispose();
  });
});

describe('initialisation', () => {
  test.each(MODES)('%s: every parameter in U(−1/√H, 1/√H), spread over the range', async (mode) => {
    const H = 20;
    const layer = makeLayer(mode, { inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 9 });
    const k = 1 / Math.sqrt(H);
    for (const [n, v] of Object.entries(await snapshot(layer))) {
      expect(Math.max(...v.map(Math.abs)), n).toBeLessThanOrEqual(k);
      // A draw of ≥ 20 uniform values reaches past half the bound with overwhelming probability.
      expect(Math.max(...v), n).toBeGreaterThan(k / 2);
      expect(Math.min(...v), n).toBeLessThan(-k / 2);
    }
    layer.dispose();
  });

  test('Linear is U(−1/√in, 1/√in); Embedding is N(0, 1)', async () => {
    const lin = new nn.Linear(16, 30, { seed: 1 });
    const w = Array.from(await lin.weight.data());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.2);
    const b = Array.from(await lin.bias!.data());
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(0.25);
    const emb = new nn.Embedding(100, 40, { seed: 2 });
    const e = Array.from(await emb.weight.data());
    const mean = e.reduce((a, x) => a + x, 0) / e.length;
    const sd = Math.sqrt(e.reduce((a, x) => a + (x - mean) ** 2, 0) / e.length);
    // 4000 draws: the sample mean's sd is 1/√4000 ≈ 0.016, the sample sd's ≈ 0.011.
    expect(Math.abs(mean)).toBeLessThan(0.08);
    expect(Math.abs(sd - 1)).toBeLessThan(0.06);
    lin.dispose();
    emb.dispose();
  });

  test('the same seed gives the same weights, another seed others; manualSeed reproduces unseeded ones', async () => {
    const make = (seed?: number) => new nn.LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed });
    const [a, b, c] = [make(7), make(7), make(8)];
    const [sa, sb, sc] = [await snapshot(a), await snapshot(b), await snapshot(c)];
    expect(sb).toEqual(sa);
    for (const n of Object.keys(sa)) expect(sc[n], n).not.toEqual(sa[n]);
    // Parameters of one module must not repeat each other either.
    expect(sa.weight_hh_l1).not.toEqual(sa.weight_hh_l0!.slice(0, sa.weight_hh_l1!.length));
    manualSeed(123);
    const d = make();
    manualSeed(123);
    const e = make();
    expect(await snapshot(e)).toEqual(await snapshot(d));
    for (const m of [a, b, c, d, e]) m.dispose();
  });
});

test('train() and eval() reach every sub-module', () => {
  const inner = new nn.Sequential(new nn.Linear(2, 2, { seed: 1 }), new nn.Dropout(0.5));
  class Outer extends nn.Module {
    readonly rnn = this.registerModule('rnn', new nn.LSTM({ inputSize: 2, hiddenSize: 2, dropout: 0.5, numLayers: 2, seed: 2 }));
    readonly inner = this.registerModule('inner', inner);
  }
  const outer = new Outer();
  const modes = () => [...outer.namedModules()].map(([, m]) => m.training);
  expect(modes()).toEqual([true, true, true, true, true]);
  expect(outer.eval()).toBe(outer);
  expect(modes()).toEqual([false, false, false, false, false]);
  outer.train();
  expect(modes().every((t) => t)).toBe(true);
  outer.train(false);
  expect(modes().some((t) => t)).toBe(false);
  outer.dispose();
});

describe('loadStateDict', () => {
  const make = (seed: number) => new nn.GRU({ inputSize: 3, hiddenSize: 2, seed });

  test('copies values from tensors and from Float32Arrays', async () => {
    const src = make(1);
    const dst = make(2);
    dst.loadStateDict(src.stateDict());
    expect(await snapshot(dst)).toEqual(await snapshot(src));
    const values = Object.fromEntries([...dst.namedParameters()].map(([n, p]) => [n, Float32Array.from(uniform(p.size, n.length, -3, 3))]));
    dst.loadStateDict(values);
    for (const [n, p] of dst.namedParameters()) expect(await p.data(), n).toEqual(values[n]);
    src.dispose();
    dst.dispose();
  });

  test("loading a module's own state dict into itself is a no-op", async () => {
    const m = make(3);
    const before = await snapshot(m);
    m.loadStateDict(m.stateDict());
    expect(await snapshot(m)).toEqual(before);
    m.dispose();
  });

  test('strict: false skips missing names', async () => {
    const m = make(4);
    const before = await snapshot(m);
    m.loadStateDict({ weight_hh_l0: new Float32Array(12).fill(0.5) }, { strict: false });
    const after = await snapshot(m);
    expect(after.weight_hh_l0).toEqual(new Array(12).fill(0.5));
    expect(after.weight_ih_l0).toEqual(before.weight_ih_l0);
    m.dispose();
  });

  const bad: [string, (good: Record<string, Tensor | Float32Array>) => Record<string, Tensor | Float32Array>, RegExp][] = [
    ['a missing name', ({ bias_hh_l0: _, ...rest }) => rest, /missing 'bias_hh_l0'/],
    ['an unexpected name', (g) => ({ ...g, weight_ih_l1: tensor(new Float32Array(18), [6, 3]) }), /unexpected 'weight_ih_l1'/],
    ['a wrong shape', (g) => ({ ...g, weight_ih_l0: tensor(new Float32Array(18), [3, 6]) }), /'weight_ih_l0' has \[3, 6\], expected \[6, 3\]/],
    ['a wrong dtype', (g) => ({ ...g, bias_ih_l0: tensor(new Int32Array(6), [6]) }), /'bias_ih_l0' has dtype int32, expected float32/],
    ['a Float32Array of the wrong length', (g) => ({ ...g, weight_hh_l0: new Float32Array(11) }), /'weight_hh_l0' has 11 values, expected \[6, 2\]/],
    ['a disposed tensor', (g) => {
      const t = tensor(new Float32Array(6), [6]);
      t.dispose();
      return { ...g, bias_hh_l0: t };
    }, /'bias_hh_l0'.*disposed/],
  ];
  test.each(bad)('refuses %s with a clear error and touches no parameter', async (_what, corrupt, message) => {
    const m = make(5);
    const src = make(6);
    const before = await snapshot(m);
    // A bad entry placed last: nothing before it may have been copied either.
    const record = corrupt(src.stateDict());
    const dispatches = counters().dispatches;
    expect(() => m.loadStateDict(record)).toThrow(message);
    expect(counters().dispatches).toBe(dispatches);
    expect(await snapshot(m)).toEqual(before);
    m.dispose();
    src.dispose();
  });
});

test('stateDict → saveSafetensors → loadSafetensors → loadStateDict gives identical outputs', async () => {
  const a = new nn.LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 1 });
  const b = new nn.LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 2 });
  const bytes = await saveSafetensors(a.stateDict());
  const loaded = await loadSafetensors(bytes);
  expect(Object.keys(loaded).sort()).toEqual(Object.keys(a.stateDict()).sort());
  b.loadStateDict(loaded);
  for (const t of Object.values(loaded)) t.dispose();
  const x = tensor(Float32Array.from(uniform(4 * 2 * 3, 3)), [4, 2, 3]);
  const [ya, ha, ca] = run(a, x);
  const [yb, hb, cb] = run(b, x);
  expect(await yb.data()).toEqual(await ya.data());
  expect(await hb.data()).toEqual(await ha.data());
  expect(await cb!.data()).toEqual(await ca!.data());
  for (const t of [x, ya, ha, ca, yb, hb, cb]) t?.dispose();
  a.dispose();
  b.dispose();
});
