// Options and states of the public layers, as issue 14 found them ignored: every unknown or
// foreign option is refused with a suggestion, an option we accept is honoured (Embedding's
// paddingIdx), one we cannot honour yet is refused by name (LSTM's projSize), and recurrent states
// are checked like inputs (the [h, c] pair, dtype, shape), all before any GPU work.
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { batchNorm, conv1d, conv2d, counters, init, memory, nn, ones, tensor, zeros, type Tensor } from 'webrnn';

beforeAll(async () => {
  await init();
});

const f32 = (...shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
/** memory and dispatch counts, to show a refusal did no GPU work. */
const snapshot = () => ({ ...memory(), dispatches: counters().dispatches });

describe('unknown and foreign options are refused with the right spelling', () => {
  test.each([
    ['nn.LSTM', () => new nn.LSTM({ inputSize: 2, hiddenSize: 3, num_layers: 2 } as never), "webrnn: nn.LSTM: unknown option 'num_layers' (did you mean 'numLayers'?)"],
    ['nn.GRU', () => new nn.GRU({ inputSize: 2, hiddenSize: 3, batch_first: true } as never), "webrnn: nn.GRU: unknown option 'batch_first' (did you mean 'batchFirst'?)"],
    ['nn.RNN', () => new nn.RNN({ inputSize: 2, units: 3 } as never), "webrnn: nn.RNN: unknown option 'units' (did you mean 'hiddenSize'?)"],
    ['nn.LSTM returnSequences', () => new nn.LSTM({ inputSize: 2, hiddenSize: 3, returnSequences: true } as never), "webrnn: nn.LSTM: unknown option 'returnSequences' (use nothing: forward() always returns"],
    ['nn.GRU nonlinearity', () => new nn.GRU({ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu' } as never), "webrnn: nn.GRU: unknown option 'nonlinearity'"],
    ['nn.LSTMCell', () => new nn.LSTMCell(2, 3, { use_bias: false } as never), "webrnn: nn.LSTMCell: unknown option 'use_bias' (did you mean 'bias'?)"],
    ['nn.Linear', () => new nn.Linear(2, 3, { useBias: false } as never), "webrnn: nn.Linear: unknown option 'useBias' (did you mean 'bias'?)"],
    ['nn.Embedding', () => new nn.Embedding(5, 3, { padding_idx: 0 } as never), "webrnn: nn.Embedding: unknown option 'padding_idx' (did you mean 'paddingIdx'?)"],
    ['nn.Embedding maxNorm', () => new nn.Embedding(5, 3, { maxNorm: 1 } as never), "webrnn: nn.Embedding: unknown option 'maxNorm'"],
    ['nn.Dropout', () => new nn.Dropout(0.5, { inplace: true } as never), "webrnn: nn.Dropout: unknown option 'inplace'"],
    ['nn.RNN sizes', () => new nn.RNN({ inputSize: 2, hiddenSize: 1e6 + 0.5 }), 'webrnn: nn.RNN: option hiddenSize = 1000000.5 must be a positive integer'],
    ['nn.LSTM no options', () => new (nn.LSTM as unknown as new () => nn.LSTM)(), 'webrnn: nn.LSTM: needs options'],
    ['nn.LSTM missing hiddenSize', () => new nn.LSTM({ inputSize: 2 } as never), 'webrnn: nn.LSTM: option hiddenSize is required'],
    ['nn.LSTM bidirectional', () => new nn.LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: 'yes' } as never), "webrnn: nn.LSTM: option bidirectional = 'yes' must be true or false"],
    ['nn.Linear size', () => new nn.Linear(2, 0), 'webrnn: nn.Linear: outFeatures = 0 must be a positive integer'],
    ['nn.Dropout p', () => new nn.Dropout(1), 'webrnn: nn.Dropout: p = 1 must be a number in [0, 1)'],
    ['nn.Sequential', () => new nn.Sequential(new nn.Tanh(), 'relu' as never), "webrnn: nn.Sequential: layer 1 must be a module with forward(), got 'relu'"],
  ])('%s', (_name, make, msg) => {
    const before = snapshot();
    expect(make).toThrow(msg);
    expect(snapshot()).toEqual(before);
  });

  test('LSTM projSize > 0 is refused by name before any parameter is made; 0 is no projection', () => {
    const before = snapshot();
    expect(() => new nn.LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2 })).toThrow('webrnn: nn.LSTM: projSize is not supported yet');
    expect(snapshot()).toEqual(before);
    const lstm = new nn.LSTM({ inputSize: 2, hiddenSize: 3, projSize: 0, seed: 1 });
    expect(Object.keys(lstm.stateDict()).some((k) => k.startsWith('weight_hr'))).toBe(false);
    lstm.dispose();
  });

  test('dropout with numLayers = 1 warns as PyTorch does (it applies between layers only)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const one = new nn.GRU({ inputSize: 2, hiddenSize: 3, dropout: 0.2 });
    expect(warn).toHaveBeenCalledWith('webrnn: nn.GRU: dropout = 0.2 does nothing with numLayers = 1 (it applies between layers)');
    warn.mockClear();
    const two = new nn.GRU({ inputSize: 2, hiddenSize: 3, dropout: 0.2, numLayers: 2 });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    one.dispose();
    two.dispose();
  });

  test('options given as numbers, booleans written as strings: the layer names them', () => {
    expect(() => new nn.GRU({ inputSize: 2, hiddenSize: 3, resetAfter: 'false' } as never)).toThrow("webrnn: nn.GRU: option resetAfter = 'false' must be true or false");
    expect(() => new nn.Linear(2, 3, 5 as never)).toThrow('webrnn: nn.Linear: options must be an object, got 5');
  });
});

describe('recurrent states are checked like inputs', () => {
  const x = () => f32(4, 2, 3);
  test.each([
    ['one tensor', (h: Tensor) => h, /nn.LSTM: state must be the pair \[h, c\] \(both, or none\), got one Tensor \[1, 2, 5\]/],
    ['[h0] alone', (h: Tensor) => [h], /nn.LSTM: state must be the pair \[h, c\] \(both, or none\), got an array of 1/],
    ['[h0, undefined]', (h: Tensor) => [h, undefined], /nn.LSTM: state must be the pair \[h, c\]/],
    ['int32 h0', () => [tensor(new Int32Array(10), [1, 2, 5]), f32(1, 2, 5)], /nn.LSTM: h0 must be float32, got int32 \[1, 2, 5\]/],
    ['an array as h0', () => [[1, 2], f32(1, 2, 5)], /nn.LSTM: h0 must be a Tensor \[numLayers·D, B, H\] = \[1, 2, 5\], got an array of 2/],
  ])('LSTM state as %s: a named error, no GPU work', (_name, make, msg) => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 5, seed: 1 });
    const [input, h] = [x(), f32(1, 2, 5)];
    const state = make(h);
    const before = snapshot();
    expect(() => lstm.forward(input, state as never)).toThrow(msg);
    expect(snapshot()).toEqual(before);
    lstm.dispose();
  });

  test.each(['GRU', 'RNN'] as const)('%s: h0 given as an array, as int32 or of the wrong shape is refused by name', (kind) => {
    const layer = kind === 'GRU' ? new nn.GRU({ inputSize: 3, hiddenSize: 5, seed: 1 }) : new nn.RNN({ inputSize: 3, hiddenSize: 5, seed: 1 });
    const input = x();
    const h = f32(1, 2, 5);
    const before = snapshot();
    expect(() => layer.forward(input, [h, h] as never)).toThrow(`webrnn: nn.${kind}: h0 must be a Tensor [numLayers·D, B, H] = [1, 2, 5], got an array of 2`);
    expect(() => layer.forward(input, tensor(new Int32Array(10), [1, 2, 5]))).toThrow(`webrnn: nn.${kind}: h0 must be float32, got int32 [1, 2, 5]`);
    expect(() => layer.forward(input, f32(2, 5))).toThrow(`webrnn: nn.${kind}: h0 [2, 5] must be [numLayers·D, B, H] = [1, 2, 5]`);
    expect(() => layer.forward(input, null, { length: [4, 4] } as never)).toThrow(`webrnn: nn.${kind}.forward: unknown option 'length' (did you mean 'lengths'?)`);
    expect(snapshot().dispatches).toBe(before.dispatches);
    layer.dispose();
  });

  test('cells: LSTMCell needs [h, c]; GRUCell h must be a float32 tensor [B, H]', () => {
    const lc = new nn.LSTMCell(3, 4, { seed: 1 });
    const gc = new nn.GRUCell(3, 4, { seed: 1 });
    const [input, h] = [f32(2, 3), f32(2, 4)];
    expect(() => lc.forward(input, h as never)).toThrow('webrnn: nn.LSTMCell: state must be the pair [h, c] (both, or none), got one Tensor [2, 4]');
    expect(() => lc.forward(input, [h] as never)).toThrow('webrnn: nn.LSTMCell: state must be the pair [h, c]');
    expect(() => lc.forward(input, [h, tensor(new Int32Array(8), [2, 4])])).toThrow('webrnn: nn.LSTMCell: c must be float32, got int32 [2, 4]');
    expect(() => gc.forward(input, [h] as never)).toThrow('webrnn: nn.GRUCell: h must be a Tensor [B, hiddenSize] = [2, 4], got an array of 1');
    expect(() => gc.forward(tensor(new Int32Array(6), [2, 3]))).toThrow('webrnn: nn.GRUCell: input must be float32, got int32');
    lc.dispose();
    gc.dispose();
  });

  test('a valid state still works: [h0, c0] changes the LSTM output', async () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 5, seed: 1 });
    const input = x();
    const [y0] = lstm.forward(input);
    const [y1] = lstm.forward(input, [ones([1, 2, 5]), ones([1, 2, 5])]);
    const [a, b] = [await y0.data(), await y1.data()];
    expect(Array.from(a).some((v, i) => Math.abs(v - b[i]!) > 1e-3)).toBe(true);
    lstm.dispose();
  });
});

describe('nn.Embedding paddingIdx (PyTorch semantics)', () => {
  test.each([1, -2])('paddingIdx %i: the row starts at zeros and gets no gradient; the others do', async (pad) => {
    const V = 5;
    const row = (pad + V) % V;
    const emb = new nn.Embedding(V, 3, { paddingIdx: pad, seed: 2 });
    expect(emb.paddingIdx).toBe(row);
    const w = await emb.weight.data();
    expect(Array.from(w.subarray(row * 3, row * 3 + 3))).toEqual([0, 0, 0]);
    expect(Array.from(w).filter((v) => v !== 0).length).toBe(12);
    const idx = tensor(Int32Array.from([row, 0, row, 4, 2]), [5]);
    emb.forward(idx).sum().backward();
    const g = await emb.weight.grad!.data();
    expect(Array.from(g.subarray(row * 3, row * 3 + 3))).toEqual([0, 0, 0]);
    expect(Array.from(g.subarray(0, 3))).toEqual(row === 0 ? [0, 0, 0] : [1, 1, 1]);
    expect(Array.from(g.subarray(12, 15))).toEqual([1, 1, 1]);
    emb.dispose();
  });

  test('paddingIdx outside [−V, V) or not an integer is refused', () => {
    expect(() => new nn.Embedding(5, 3, { paddingIdx: 5 })).toThrow('webrnn: nn.Embedding: option paddingIdx = 5 must be an integer in [−5, 5)');
    expect(() => new nn.Embedding(5, 3, { paddingIdx: -6 })).toThrow('option paddingIdx = -6 must be an integer in [−5, 5)');
    expect(() => new nn.Embedding(5, 3, { paddingIdx: 1.5 })).toThrow('option paddingIdx = 1.5');
  });
});

describe('backward and init options', () => {
  test("backward({ retain_graph: true }) and init({ force_software: true }) are refused with the right spelling", async () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(() => y.backward(undefined, { retain_graph: true } as never)).toThrow("webrnn: backward: unknown option 'retain_graph' (did you mean 'retainGraph'?)");
    await expect(init({ force_software: true } as never)).rejects.toThrow("webrnn: init: unknown option 'force_software' (did you mean 'forceSoftware'?)");
    y.backward(undefined, { retainGraph: true });
    expect(Array.from(await x.grad!.data())).toEqual([2, 4]);
  });
});

describe('CNN ops', () => {
  test('conv1d, conv2d and batchNorm refuse foreign option keys', () => {
    const [x1, w1, x2, w2] = [f32(1, 2, 5), f32(3, 2, 2), f32(1, 2, 4, 4), f32(3, 2, 2, 2)];
    expect(() => conv1d(x1, w1, null, { kernel_size: 2 } as never)).toThrow("webrnn: conv1d: unknown option 'kernel_size'");
    expect(() => conv2d(x2, w2, null, { padding_mode: 'zeros' } as never)).toThrow("webrnn: conv2d: unknown option 'padding_mode'; known options: stride, padding, dilation, groups");
    expect(() => batchNorm(x2, null, null, null, null, { train: true } as never)).toThrow("webrnn: batchNorm: unknown option 'train' (did you mean 'training'?)");
    expect(conv2d(x2, w2, null, { stride: 2 }).shape).toEqual([1, 3, 2, 2]);
  });
});

describe('tensor creation', () => {
  test("dtype 'float16' (or any other label) is refused; only float32 and int32 exist", () => {
    const before = snapshot();
    expect(() => tensor([1, 2], undefined, { dtype: 'float16' as 'float32' })).toThrow("webrnn: tensor: option dtype = 'float16' must be one of 'float32', 'int32'");
    expect(() => zeros([2], { dtype: 'float64' as 'float32' })).toThrow("webrnn: zeros: option dtype = 'float64' must be one of 'float32', 'int32'");
    expect(() => zeros([2], { requires_grad: true } as never)).toThrow("webrnn: zeros: unknown option 'requires_grad' (did you mean 'requiresGrad'?)");
    expect(snapshot()).toEqual(before);
  });
});
