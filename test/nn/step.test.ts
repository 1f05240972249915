// The step API (src/nn/step.ts): stepping a layer T times from a state equals forward() over the
// sequence from that state, for every cell kind, one and two layers, batch 1 and batches that take
// the blocked kernels; under noGrad and with gradients; bad input refused by name.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, nn, noGrad, ops, tensor, tidy, type Tensor } from 'webrnn';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { KINDS } from '../util/cell_sequence.js';
import { LAYERS } from '../util/layer_check.js';
import { f32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

type State = Tensor | [Tensor, Tensor];
type Stepper = nn.RNNBase & {
  forward(x: Tensor, s?: State | null): [Tensor, State];
  step(x: Tensor, s: State): [Tensor, State];
  initialState(batch: number): State;
};
const make = (kind: CellKind, o: { I: number; H: number; layers: number; bidirectional?: boolean; dropout?: number }) =>
  LAYERS[kind]({ inputSize: o.I, hiddenSize: o.H, numLayers: o.layers, bidirectional: o.bidirectional, dropout: o.dropout, seed: 7 }) as Stepper;
const states = (s: State): Tensor[] => (Array.isArray(s) ? s : [s]);
const dataOf = async (t: Tensor) => Array.from(await t.data());

// The step kernels and the whole-sequence launch add in other orders than one step at a time.
const TOL_STEP = TOL.reduction;

describe.each(KINDS)('%s: T steps equal forward() over the sequence', (kind) => {
  test.each([
    [1, 1, 5, 8],
    [1, 5, 4, 16],
    [2, 1, 3, 8],
    [2, 6, 4, 16],
  ])('layers %i, B = %i, T = %i, H = %i', async (layers, B, T, H) => {
    const I = 5;
    const layer = make(kind, { I, H, layers }).eval();
    const x = tensor(f32(uniform(T * B * I, 3 + B, -1, 1)), [T, B, I]);
    const s0Data = () => tensor(f32(uniform(layers * B * H, 11 + layers, -0.5, 0.5)), [layers, B, H]);
    const s0: State = CELLS[layer.kind].cellState ? [s0Data(), s0Data()] : s0Data();
    const [yWant, sWant] = noGrad(() => layer.forward(x, s0));
    let s = s0;
    const ys: Tensor[] = [];
    noGrad(() => {
      for (let t = 0; t < T; t++) {
        const [y, next] = layer.step(ops.select(x, 0, t), s);
        if (s !== s0) for (const v of states(s)) v.dispose();
        ys.push(y);
        s = next;
      }
    });
    for (const y of ys) expect(y.shape).toEqual([B, H]);
    expectAllClose((await Promise.all(ys.map(dataOf))).flat(), await dataOf(yWant), TOL_STEP);
    const [got, want] = [states(s), states(sWant)];
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]!.shape).toEqual([layers, B, H]);
      expectAllClose(await dataOf(got[i]!), await dataOf(want[i]!), TOL_STEP);
    }
    layer.dispose();
  });
});

test.each(['lstm', 'gru', 'gru_reset_before'] as CellKind[])('%s without biases: steps equal forward()', async (kind) => {
  const [T, B, I, H] = [3, 2, 4, 8];
  const layer = LAYERS[kind]({ inputSize: I, hiddenSize: H, numLayers: 2, bias: false, seed: 4 }).eval() as Stepper;
  const x = tensor(f32(uniform(T * B * I, 9)), [T, B, I]);
  const [yWant] = noGrad(() => layer.forward(x));
  let s = layer.initialState(B);
  const ys: number[] = [];
  for (let t = 0; t < T; t++) {
    const [y, next] = noGrad(() => layer.step(ops.select(x, 0, t), s));
    ys.push(...(await dataOf(y)));
    s = next;
  }
  expectAllClose(ys, await dataOf(yWant), TOL_STEP);
});

describe('initialState and errors', () => {
  test('initialState is zeros [numLayers, B, H] (LSTM: h and c); a step from it equals forward() with no state', async () => {
    const lstm = make('lstm', { I: 3, H: 4, layers: 2 }).eval();
    const s = lstm.initialState(2) as [Tensor, Tensor];
    for (const t of s) {
      expect(t.shape).toEqual([2, 2, 4]);
      expect(await dataOf(t)).toEqual(new Array(16).fill(0));
    }
    const gru = make('gru', { I: 3, H: 4, layers: 1 });
    expect((gru.initialState(3) as Tensor).shape).toEqual([1, 3, 4]);
    const x = tensor(f32(uniform(6, 1)), [2, 3]);
    const [y] = noGrad(() => lstm.step(x, s));
    const [yf] = noGrad(() => lstm.forward(x.reshape([1, 2, 3])));
    expectAllClose(await dataOf(y), await dataOf(yf), TOL_STEP);
  });

  test('a step records a graph: gradients of T steps equal those of forward()', async () => {
    const T = 3;
    const B = 2;
    const layer = make('lstm', { I: 3, H: 4, layers: 2 }).eval();
    const x = tensor(f32(uniform(T * B * 3, 5)), [T, B, 3]);
    const grads = (run: () => Tensor) => {
      layer.zeroGrad();
      tidy(() => run().backward());
      return layer.parameters().map((p) => p.grad!);
    };
    const viaForward = grads(() => ops.sum(ops.square(layer.forward(x)[0])));
    const want = await Promise.all(viaForward.map(dataOf));
    const viaSteps = grads(() => {
      let s = layer.initialState(B);
      let loss: Tensor | null = null;
      for (let t = 0; t < T; t++) {
        const [y, next] = layer.step(ops.select(x, 0, t), s);
        s = next;
        const l = ops.sum(ops.square(y));
        loss = loss ? ops.add(loss, l) : l;
      }
      return loss!;
    });
    for (let i = 0; i < want.length; i++) expectAllClose(await dataOf(viaSteps[i]!), want[i]!, TOL.bptt);
  });

  test('bidirectional, dropout in training, and wrong inputs are refused by name', () => {
    const bi = make('gru', { I: 3, H: 4, layers: 1, bidirectional: true });
    expect(() => bi.step(tensor(f32(uniform(3, 1)), [1, 3]), bi.initialState(1))).toThrow(/webrnn: nn.GRU.step: a bidirectional layer cannot step/);
    const drop = make('lstm', { I: 3, H: 4, layers: 2, dropout: 0.5 });
    const x = tensor(f32(uniform(6, 1)), [2, 3]);
    expect(() => drop.step(x, drop.initialState(2))).toThrow(/webrnn: nn.LSTM.step: dropout = 0.5 between layers in training mode/);
    const lstm = make('lstm', { I: 3, H: 4, layers: 2 });
    expect(() => lstm.step(x, lstm.initialState(3))).toThrow(/nn.LSTM.step: h \[2, 3, 4\] must be \[numLayers, B, H\] = \[2, 2, 4\]/);
    expect(() => lstm.step(tensor(f32(uniform(8, 1)), [2, 4]), lstm.initialState(2))).toThrow(/x float32 \[2, 4\] must be float32 \[B, 3\]/);
    expect(() => lstm.step(x, (lstm.initialState(2) as [Tensor, Tensor])[0])).toThrow(/nn.LSTM.step: state must be the pair \[h, c\]/);
    const rnn = make('rnn_tanh', { I: 3, H: 4, layers: 1 });
    expect(() => rnn.step(x, [rnn.initialState(2) as Tensor, rnn.initialState(2) as Tensor])).toThrow(/nn.RNN.step: h must be a Tensor \[numLayers, B, H\]/);
    expect(() => rnn.initialState(0)).toThrow(/webrnn: nn.RNN.initialState: batch = 0 must be a positive integer/);
  });
});
