// nn.Sequential with recurrent layers (their output sequence passed on, the final state freed) and
// nn.LastStep: the same values as the layers called by hand, gradients through both, no tensor
// left behind, bad input named.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory, nn, noGrad, tensor, type Tensor } from 'webrnn';

beforeAll(async () => {
  await init();
});

const x = () => tensor(Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.cos(i * 0.9)), [2, 5, 3]);

describe('nn.Sequential with recurrent layers', () => {
  test.each([
    ['LSTM', () => new nn.LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 1 })],
    ['GRU', () => new nn.GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 1 })],
    ['RNN', () => new nn.RNN({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 1 })],
  ])('%s → LastStep → Linear equals the layers called by hand; the state is freed', async (_n, make) => {
    const rnn = make();
    const head = new nn.Linear(4, 2, { seed: 2 });
    const seq = new nn.Sequential(rnn, new nn.LastStep(), head);
    const input = x();
    const before = memory().liveTensors;
    const y = noGrad(() => seq.forward(input)); // (with grad, the tape keeps what backward needs)
    expect(memory().liveTensors).toBe(before + 1); // only the output
    const [h, state, last, want] = noGrad(() => {
      const [hs, st] = rnn.forward(input);
      const l = hs.select(1, 4);
      return [hs, st, l, head.forward(l)] as const;
    });
    expect([...y.shape]).toEqual([2, 2]);
    expect(Array.from(await y.data())).toEqual(Array.from(await want.data()));
    for (const t of [h, last, want, y, input, ...[state].flat()]) t.dispose();
    seq.dispose();
  });

  test('gradients flow through the recurrent layer in a Sequential', async () => {
    const rnn = new nn.LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 3 });
    const seq = new nn.Sequential(rnn, new nn.Linear(4, 1, { seed: 4 }));
    const input = x();
    const loss = seq.forward(input).square().sum();
    loss.backward();
    const g = Array.from(await rnn.namedParameters().next().value![1].grad!.data());
    expect(g.some((v) => v !== 0)).toBe(true);
    loss.dispose();
    input.dispose();
    seq.dispose();
  });

  test('LastStep picks index T − 1 of its axis; a missing axis is named', async () => {
    const t = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const a = new nn.LastStep(0).forward(t);
    const b = new nn.LastStep(1).forward(t);
    expect(Array.from(await a.data())).toEqual([5, 6]);
    expect(Array.from(await b.data())).toEqual([2, 4, 6]);
    expect(() => new nn.LastStep(2).forward(t)).toThrow(/^webrnn: nn\.LastStep: input must be a Tensor with an axis 2, got \[3, 2\]/);
    expect(() => new nn.LastStep(-1)).toThrow(/nn\.LastStep.*dim/);
    for (const u of [t, a, b] as Tensor[]) u.dispose();
  });
});
