// Tensors carry their device: after a device is destroyed (or lost) and init() opens the next,
// an old tensor, module or optimizer is refused with a named error that says which device, before
// anything is recorded, and the new device's pending work is unaffected. Concurrent init() calls
// share one device. This file destroys its default device, so it runs alone (one file a worker).
import { expect, test } from 'vitest';
import { add, clipGradNorm, clipGradValue, createDevice, init, memory, nn, optim, tensor, Tensor } from 'webrnn';

test('init() called twice concurrently shares one device (one promise), also after a loss', async () => {
  const [a, b] = await Promise.all([init(), init()]);
  expect(a).toBe(b);
  expect(a.label).toMatch(/^webrnn device #\d+$/);
  expect(a.device.label).toBe(a.label);
  a.device.destroy();
  const [c, d] = await Promise.all([init(), init()]);
  expect(c).toBe(d);
  expect(c).not.toBe(a);
  expect(c.label).not.toBe(a.label);
});

test('a tensor, module or optimizer of a destroyed device is refused by name; other results are unaffected', async () => {
  const g1 = await init();
  const old = tensor([1, 2, 3]);
  const lin = new nn.Linear(3, 2, { seed: 1 });
  const x1 = tensor([[1, 2, 3]]);
  const y1 = lin.forward(x1);
  y1.backward(tensor([[1, 1]]));
  const opt = new optim.SGD(lin.parameters(), { lr: 0.1, momentum: 0.9 });
  opt.step(); // makes its momentum buffers
  const optState = opt.stateDict();
  const saved = lin.stateDict();
  g1.device.destroy(); // marks the device lost at once: no await needed before the next init()
  const g2 = await init();
  expect(g2).not.toBe(g1);
  const oldName = g1.label.replace('#', '\\#');
  const lost = new RegExp(`tensor \\[\\d+(, \\d+)*\\] is on ${oldName}, which was lost \\(destroyed\\); a tensor cannot move to another device`);

  const a = tensor([1, 1, 1]);
  const b = tensor([2, 2, 2]);
  const x2 = tensor([[1, 2, 3]]);
  const s = add(a, b); // recorded, not yet submitted: a stale operand must not void this submit
  const base = memory();
  expect(() => add(a, old)).toThrow(new RegExp(`^webrnn: add: ${lost.source}`));
  expect(() => add(old, a)).toThrow(new RegExp(`^webrnn: add: ${lost.source}`));
  const fresh = new nn.Linear(3, 2, { seed: 2 });
  const before = await fresh.weight.data();
  expect(() => fresh.loadStateDict(saved)).toThrow(new RegExp(`^webrnn: loadStateDict: 'weight': ${lost.source}.*; 'bias': `));
  expect(Array.from(await fresh.weight.data())).toEqual(Array.from(before));
  expect(() => lin.forward(x2)).toThrow(new RegExp(`^webrnn: linear: ${lost.source}`));
  expect(() => opt.step()).toThrow(new RegExp(`^webrnn: SGD.step: ${lost.source}`));
  expect(() => clipGradNorm(lin.parameters(), 1)).toThrow(new RegExp(`^webrnn: clipGradNorm: ${lost.source}`));
  expect(() => clipGradValue(lin.parameters(), 1)).toThrow(new RegExp(`^webrnn: clipGradValue: ${lost.source}`));
  const freshOpt = new optim.SGD(fresh.parameters(), { lr: 0.1, momentum: 0.9 });
  expect(() => freshOpt.loadStateDict(optState)).toThrow(new RegExp(`^webrnn: SGD.loadStateDict: ${lost.source}`));
  expect(freshOpt.stateDict().tensors).toEqual({});
  expect(() => new nn.Linear(3, 2).loadStateDict({ weight: new Float32Array(6), bias: new Float32Array(2) })).not.toThrow();
  await expect(old.data()).rejects.toThrow(lost);
  // Nothing recorded or allocated by the refused calls: fresh's 2 parameters and the last Linear's 2.
  expect(memory().liveBuffers).toBe(base.liveBuffers + 4);
  expect(memory().liveTensors).toBe(base.liveTensors + 4);
  expect(Array.from(await s.data())).toEqual([3, 3, 3]);
});

test('a tensor of another live device is refused, naming both devices', async () => {
  const current = await init();
  const other = await createDevice();
  const foreign = Tensor.empty([3], 'float32', other);
  const a = tensor([1, 2, 3]);
  const s = add(a, a);
  expect(() => add(a, foreign)).toThrow(new RegExp(`^webrnn: add: tensor \\[3\\] is on ${other.label}, but work runs on ${current.label} \\(the device init\\(\\) returned\\)$`));
  expect(Array.from(await s.data())).toEqual([2, 4, 6]);
  other.device.destroy();
});
