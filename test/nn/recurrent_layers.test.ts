// The recurrent layers' own behaviour through nn.RNN/LSTM/GRU: bad input is refused, naming the
// problem, before any GPU work; dropout between layers applies in train mode only.
import { beforeAll, describe, expect, test } from 'vitest';
import { counters, init, memory, nn, tensor, type Tensor } from 'webrnn';
import { MODES, makeLayer, run, type Recurrent } from '../util/recurrent_layers.js';
import { uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

describe('recurrent layers refuse bad input, naming the problem, before any GPU work', () => {
  test.each(MODES)('%s', (mode) => {
    const layer = makeLayer(mode, { inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
    const f32 = (...shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    const x = f32(5, 2, 3);
    const [x2d, wideX, intX] = [f32(5, 3), f32(5, 2, 4), tensor(new Int32Array(30), [5, 2, 3])];
    const [h0, thinH0, wideH0, badC0] = [f32(2, 2, 4), f32(1, 2, 4), f32(2, 3, 4), f32(2, 2, 5)];
    const fwd = (input: Tensor, h?: Tensor, opts: { lengths?: number[] } = {}, c?: Tensor) => () => {
      if (layer instanceof nn.LSTM) layer.forward(input, h ? [h, c ?? h] : null, opts);
      else layer.forward(input, h ?? null, opts);
    };
    const name = layer.constructor.name;
    const before = { ...memory(), dispatches: counters().dispatches };
    expect(fwd(x2d)).toThrow(new RegExp(`nn.${name}: input must be 3-D .*got \\[5, 3\\]`));
    expect(fwd(wideX)).toThrow(/input \[5, 2, 4\] has feature size 4, expected inputSize 3/);
    expect(fwd(intX)).toThrow(/input must be float32, got int32/);
    expect(fwd(x, thinH0)).toThrow(/h0 \[1, 2, 4\] must be \[numLayers·D, B, H\] = \[2, 2, 4\]/);
    expect(fwd(x, wideH0)).toThrow(/h0 \[2, 3, 4\] must be .*\[2, 2, 4\]/);
    if (layer instanceof nn.LSTM) expect(fwd(x, h0, {}, badC0)).toThrow(/c0 \[2, 2, 5\] must be .*\[2, 2, 4\]/);
    expect(fwd(x, undefined, { lengths: [5] })).toThrow(/lengths has 1 entries, the batch has 2/);
    expect(fwd(x, undefined, { lengths: [5, 6] })).toThrow(/lengths\[1\] = 6 is outside 1\.\.5/);
    expect(fwd(x, undefined, { lengths: [0, 5] })).toThrow(/lengths\[0\] = 0 is outside 1\.\.5/);
    expect(fwd(x, undefined, { lengths: [2.5, 5] })).toThrow(/lengths\[0\] = 2.5/);
    expect({ ...memory(), dispatches: counters().dispatches }).toEqual(before);
    for (const v of [x, x2d, wideX, intX, h0, thinH0, wideH0, badC0]) v.dispose();
    expect(() => makeLayer(mode, { inputSize: 3, hiddenSize: 0 })).toThrow(/hiddenSize = 0 must be a positive integer/);
    expect(() => makeLayer(mode, { inputSize: 3, hiddenSize: 2, dropout: 1 })).toThrow(/dropout = 1 must be a number in \[0, 1\)/);
    layer.dispose();
  });
});

describe('dropout between recurrent layers', () => {
  test.each(MODES)('%s: only in train mode; eval equals a dropout = 0 model with the same weights', async (mode) => {
    const o = { inputSize: 3, hiddenSize: 16, numLayers: 3, seed: 4 };
    const withDrop = makeLayer(mode, { ...o, dropout: 0.5 });
    const plain = makeLayer(mode, { ...o, seed: 5 });
    plain.loadStateDict(withDrop.stateDict());
    const x = tensor(Float32Array.from(uniform(6 * 4 * 3, 7)), [6, 4, 3]);
    const outputs = async (m: Recurrent) => {
      const [y, h, c] = run(m, x);
      const v = Array.from(await y.data());
      for (const u of [y, h, c]) u?.dispose();
      return v;
    };
    const reference = await outputs(plain);
    withDrop.eval();
    expect(await outputs(withDrop)).toEqual(reference);
    expect(await outputs(withDrop)).toEqual(reference);
    withDrop.train();
    const trained1 = await outputs(withDrop);
    const trained2 = await outputs(withDrop);
    expect(trained1).not.toEqual(reference);
    // Each call draws a new mask.
    expect(trained2).not.toEqual(trained1);
    // Dropout never applies after the last layer, and plain.train() has nothing to drop.
    plain.train();
    expect(await outputs(plain)).toEqual(reference);
    x.dispose();
    withDrop.dispose();
    plain.dispose();
  });
});
