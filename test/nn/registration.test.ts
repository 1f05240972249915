// Module registration as in PyTorch: sub-modules and parameters assigned to properties are
// registered under the property's name; a shared module or parameter is listed once by
// parameters() (and updated once by an optimizer) but under every name by stateDict(); modules
// in a plain array are refused instead of silently left out of training.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, nn, ops, optim, randn, tensor, zeros, type Tensor } from 'webrnn';

beforeAll(async () => {
  await init();
});

const names = (m: nn.Module) => [...m.namedParameters()].map(([n]) => n);

describe('parameters() lists each parameter once (PyTorch de-duplication)', () => {
  test('new nn.Sequential(lin, new nn.Tanh(), lin): 2 tensors, PyTorch names; stateDict keeps both names', () => {
    const lin = new nn.Linear(3, 3, { seed: 1 });
    const seq = new nn.Sequential(lin, new nn.Tanh(), lin);
    expect(seq.parameters()).toEqual([lin.weight, lin.bias]);
    expect(names(seq)).toEqual(['0.weight', '0.bias']);
    expect([...seq.namedModules()].map(([n]) => n)).toEqual(['', '0', '1']);
    expect(seq.numParameters()).toBe(12);
    // torch: Sequential(lin, Tanh(), lin).state_dict().keys() == ['0.weight', '0.bias', '2.weight', '2.bias']
    const sd = seq.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(sd['2.weight']).toBe(lin.weight);
    seq.loadStateDict(seq.stateDict());
    lin.dispose();
  });

  test('SGD moves a shared weight by lr·grad once (weight tying holds)', async () => {
    const lin = new nn.Linear(2, 2, { seed: 3 });
    const seq = new nn.Sequential(lin, new nn.Tanh(), lin);
    const w0 = Array.from(await lin.weight.data());
    const y = seq.forward(tensor([[0.5, -1]]));
    const loss = ops.sum(y);
    loss.backward();
    const g = Array.from(await lin.weight.grad!.data());
    expect(g.some((v) => v !== 0)).toBe(true);
    const opt = new optim.SGD(seq.parameters(), { lr: 0.1 });
    opt.step();
    const w1 = Array.from(await lin.weight.data());
    w1.forEach((v, i) => expect(v).toBeCloseTo(w0[i]! - 0.1 * g[i]!, 6));
    for (const t of [y, loss]) t.dispose();
    lin.dispose();
  });
});

describe('properties register, as PyTorch\'s __setattr__', () => {
  class Model extends nn.Module {
    embed: nn.Embedding;
    lstm: nn.LSTM;
    scale: Tensor;
    state: Tensor;
    head = new nn.Linear(4, 2, { seed: 3 });
    constructor() {
      super();
      this.embed = new nn.Embedding(5, 3, { seed: 1 });
      this.lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 4, seed: 2 });
      this.scale = randn([2], { requiresGrad: true, seed: 4 }); // nn.Parameter
      this.state = zeros([1, 1, 4]); // a plain tensor (a buffer in PyTorch): not a parameter
    }
    forward(ids: Tensor): Tensor {
      const [y, [h, c]] = this.lstm.forward(this.embed.forward(ids).reshape([-1, 1, 3]));
      h.dispose();
      c.dispose();
      return ops.mul(this.head.forward(ops.select(y, 0, -1)), this.scale);
    }
  }

  test('sub-modules and parameters assigned as properties: names are the property names, in assignment order', () => {
    const m = new Model();
    // Property order is declaration order (JS defines every declared field first, then the
    // constructor assigns); PyTorch's named_parameters lists own parameters, then sub-modules.
    expect(names(m)).toEqual([
      'scale', 'embed.weight', 'lstm.weight_ih_l0', 'lstm.weight_hh_l0', 'lstm.bias_ih_l0', 'lstm.bias_hh_l0',
      'head.weight', 'head.bias',
    ]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['embed', 'lstm', 'head']);
    expect(m.parameters()).not.toContain(m.state);
    expect(Object.keys(m.stateDict())).toEqual(names(m));
    m.dispose();
  });

  test('training through property-registered modules changes every parameter', async () => {
    const m = new Model();
    const before = await Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));
    const opt = new optim.Adam(m.parameters(), { lr: 0.1 });
    const y = m.forward(tensor(new Int32Array([1, 4, 2]), [3], { dtype: 'int32' }));
    const loss = ops.sum(y);
    loss.backward();
    opt.step();
    const after = await Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));
    after.forEach((a, i) => expect(a, m.parameters()[i]!.toString()).not.toEqual(before[i]));
    for (const t of [y, loss]) t.dispose();
    opt.dispose();
    m.dispose();
  });

  test('an explicitly registered module that is also a property is listed once, under the registered name', () => {
    class Explicit extends nn.Module {
      rnn = this.registerModule('core', new nn.GRU({ inputSize: 2, hiddenSize: 2, seed: 1 }));
    }
    const m = new Explicit();
    expect(names(m)).toEqual(['core.weight_ih_l0', 'core.weight_hh_l0', 'core.bias_ih_l0', 'core.bias_hh_l0']);
    m.dispose();
  });

  test('modules or parameters in a plain array are refused by name (PyTorch registers nothing there)', () => {
    class Listed extends nn.Module {
      layers = [new nn.Linear(2, 2), new nn.Linear(2, 2)];
      weights = [randn([2], { requiresGrad: true })];
    }
    const m = new Listed();
    expect(() => m.parameters()).toThrow(/^webrnn: Listed\.layers holds modules in a plain array, which registers nothing \(as in PyTorch\): use nn\.Sequential/);
    m.layers = [];
    expect(() => m.parameters()).toThrow(/^webrnn: Listed\.weights holds parameters in a plain array/);
  });

  test('a cycle (a child that points at its parent) ends: each module once', () => {
    class Child extends nn.Module {
      lin = new nn.Linear(2, 2);
      parent: nn.Module | null = null;
    }
    class Parent extends nn.Module {
      child = new Child();
    }
    const p = new Parent();
    p.child.parent = p;
    expect(names(p)).toEqual(['child.lin.weight', 'child.lin.bias']);
    expect(Object.keys(p.stateDict())).toEqual(['child.lin.weight', 'child.lin.bias']);
    p.dispose();
  });
});
