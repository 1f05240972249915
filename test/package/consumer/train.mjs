// Consumer check (a): an ES module that imports the installed package and trains a small LSTM on
// one fixed batch (remember the first input of a sequence): the loss must fall. Prints JSON.
import { init, adapterInfo, tensor, tidy, nn, optim, crossEntropy } from 'webrnn';

await init();
const T = 6, B = 16, I = 3;
const x = Float32Array.from({ length: T * B * I }, (_, i) => ((i * 7919) % 97) / 97);
const y = Int32Array.from({ length: B }, (_, b) => (x[b * I] > 0.5 ? 1 : 0));
const lstm = new nn.LSTM({ inputSize: I, hiddenSize: 16, seed: 3 });
const head = new nn.Linear(16, 2, { seed: 4 });
const opt = new optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.05 });
const losses = [];
for (let step = 0; step < 25; step++) {
  const loss = tidy(() => {
    const [out] = lstm.forward(tensor(x, [T, B, I]));
    const l = crossEntropy(head.forward(out.select(0, -1)), tensor(y, [B], { dtype: 'int32' }));
    opt.zeroGrad();
    l.backward();
    opt.step();
    return l;
  });
  losses.push(await loss.item());
  loss.dispose();
}
console.log(JSON.stringify({ adapter: adapterInfo().description, first: losses[0], last: losses.at(-1) }));
