// Training checkpoints: resuming from a checkpoint equals an uninterrupted run (bit for bit), the
// file is plain safetensors with the documented names and metadata, the write is atomic, and a
// file that does not fit is refused before the model or the optimizer changes.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { clipGradNorm, counters, crossEntropy, loadSafetensors, memory, nn, optim, saveSafetensors, tensor, tidy, type Tensor } from 'webrnn';
import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { ints, uniform } from '../util/rng.js';
import { useTempDir } from '../util/temp_dir.js';

const dir = useTempDir('webrnn-checkpoint-');

const [T, B, I, H, C] = [5, 4, 3, 6, 3];

/** A GRU encoder with a linear head on the last step. */
class Net extends nn.Module {
  readonly rnn: nn.GRU;
  readonly head: nn.Linear;
  constructor(seed: number, hidden = H) {
    super();
    this.rnn = this.registerModule('rnn', new nn.GRU({ inputSize: I, hiddenSize: hidden, numLayers: 2, seed }));
    this.head = this.registerModule('head', new nn.Linear(hidden, C, { seed: seed + 1 }));
  }
  forward(x: Tensor): Tensor {
    const [y] = this.rnn.forward(x);
    return this.head.forward(y.select(0, T - 1));
  }
}

/** Batch `i` of a fixed data stream. */
const batch = (i: number) => ({ x: Float32Array.from(uniform(T * B * I, 100 + i)), y: ints(B, C, 200 + i) });

function trainSteps(net: Net, opt: optim.Adam, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const { x, y } = batch(i);
    tidy(() => {
      const loss = crossEntropy(net.forward(tensor(x, [T, B, I])), tensor(y, [B]));
      opt.zeroGrad();
      loss.backward();
      clipGradNorm(net.parameters(), 1);
      opt.step();
    });
  }
}

/** Every value of the model and the optimizer's state, plus its counters. */
async function snapshot(net: Net, opt?: optim.Optimizer<{ lr: number }>) {
  const out: Record<string, unknown> = {};
  for (const [n, p] of net.namedParameters()) out[`model.${n}`] = Array.from(await p.data());
  if (opt) {
    const s = opt.stateDict();
    for (const [k, t] of Object.entries(s.tensors)) out[`optim.${k}`] = Array.from(await t.data());
    out.meta = { step: s.step, paramSteps: s.paramSteps, options: s.options };
  }
  return out;
}

const makeOpt = (net: Net) => new optim.Adam(net.parameters(), { lr: 0.02 });

test('save after 3 steps, load into a fresh model and optimizer, 3 more steps = 6 uninterrupted steps', async () => {
  const straight = new Net(1);
  const straightOpt = makeOpt(straight);
  trainSteps(straight, straightOpt, 0, 6);

  const first = new Net(1);
  const firstOpt = makeOpt(first);
  trainSteps(first, firstOpt, 0, 3);
  const path = join(dir(), 'resume.safetensors');
  const bytes = await saveCheckpoint(path, { model: first, optimizer: firstOpt, extra: { epoch: 1, note: 'ü', nextBatch: 3 } });
  first.dispose();
  firstOpt.dispose();

  const resumed = new Net(2); // other initial weights: all must come from the file
  const resumedOpt = new optim.Adam(resumed.parameters(), { lr: 0.5 });
  const { step, extra } = await loadCheckpoint(path, { model: resumed, optimizer: resumedOpt });
  expect(step).toBe(3);
  expect(extra).toEqual({ epoch: 1, note: 'ü', nextBatch: 3 });
  expect(resumedOpt.lr).toBe(0.02);
  trainSteps(resumed, resumedOpt, (extra as { nextBatch: number }).nextBatch, 3);
  expect(await snapshot(resumed, resumedOpt)).toEqual(await snapshot(straight, straightOpt));

  // Loading from bytes does the same as loading from the path.
  const again = new Net(3);
  const againOpt = makeOpt(again);
  await loadCheckpoint(bytes, { model: again, optimizer: againOpt });
  trainSteps(again, againOpt, 3, 3);
  expect(await snapshot(again, againOpt)).toEqual(await snapshot(straight, straightOpt));
  for (const x of [straight, straightOpt, resumed, resumedOpt, again, againOpt]) x.dispose();
});

test('the file is plain safetensors: model.<name>, optim.<i>.<name>, JSON metadata; no temp file left', async () => {
  const net = new Net(4);
  const opt = makeOpt(net);
  trainSteps(net, opt, 0, 2);
  const path = join(dir(), 'layout.safetensors');
  const bytes = await saveCheckpoint(path, { model: net, optimizer: opt, step: 17 });
  expect((await readdir(dir())).filter((f) => f.startsWith('layout'))).toEqual(['layout.safetensors']);
  const file = decodeSafetensors(bytes);
  const params = [...net.namedParameters()];
  const names = [
    ...params.map(([n]) => `model.${n}`),
    ...params.flatMap((_, i) => [`optim.${i}.exp_avg`, `optim.${i}.exp_avg_sq`]),
  ];
  expect(Object.keys(file.tensors).sort()).toEqual(names.sort());
  expect(file.tensors['model.head.weight']!.shape).toEqual([C, H]);
  expect(Array.from(file.tensors['model.head.weight']!.data)).toEqual(Array.from(await net.head.weight.data()));
  expect(file.metadata.format).toBe(CHECKPOINT_FORMAT);
  expect(JSON.parse(file.metadata.step!)).toBe(17);
  expect(file.metadata.extra).toBeUndefined();
  const o = JSON.parse(file.metadata.optimizer!);
  expect(o).toEqual({ type: 'Adam', step: 2, paramSteps: params.map(() => 2), options: { ...opt.options } });
  // Any safetensors reader gets the tensors.
  const loaded = await loadSafetensors(path);
  expect(Array.from(await loaded['optim.0.exp_avg']!.data())).toEqual(Array.from(await opt.stateDict().tensors['0.exp_avg']!.data()));
  for (const t of Object.values(loaded)) t.dispose();
  net.dispose();
  opt.dispose();
});

test('a model-only checkpoint: step defaults to 0, extra to undefined; the optimizer part is optional', async () => {
  const a = new Net(5);
  const b = new Net(6);
  const bytes = await saveCheckpoint(null, { model: a });
  expect(await loadCheckpoint(bytes, { model: b })).toEqual({ step: 0, extra: undefined });
  expect(await snapshot(b)).toEqual(await snapshot(a));
  // A full checkpoint loads into a model alone too.
  const opt = makeOpt(a);
  const full = await saveCheckpoint(null, { model: a, optimizer: opt, extra: [1, null] });
  expect(await loadCheckpoint(full, { model: b })).toEqual({ step: 0, extra: [1, null] });
  for (const x of [a, b, opt]) x.dispose();
});

test('bad arguments to saveCheckpoint throw before any readback', async () => {
  const net = new Net(7);
  const readbacks = counters().readbacks;
  await expect(saveCheckpoint(null, { model: net, step: -1 })).rejects.toThrow(/step = -1 must be a non-negative integer/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await expect(saveCheckpoint(null, { model: net, extra: cyclic })).rejects.toThrow(/extra cannot be stored as JSON/);
  await expect(saveCheckpoint(null, { model: net, extra: () => 1 })).rejects.toThrow(/extra cannot be stored as JSON/);
  expect(counters().readbacks).toBe(readbacks);
  net.dispose();
});

describe('a checkpoint that does not fit is refused; model and optimizer stay untouched', () => {
  /** Rewrites a checkpoint's tensors and metadata. */
  function edit(bytes: Uint8Array, f: (file: ReturnType<typeof decodeSafetensors>) => void): Uint8Array {
    const file = decodeSafetensors(bytes);
    f(file);
    return encodeSafetensors(file.tensors, file.metadata);
  }

  test('every corruption names its problem', async () => {
    const src = new Net(8);
    const srcOpt = makeOpt(src);
    trainSteps(src, srcOpt, 0, 2);
    const good = await saveCheckpoint(null, { model: src, optimizer: srcOpt, extra: { a: 1 } });
    const wider = new Net(8, H + 1);
    const widerOpt = makeOpt(wider);
    const sgd = new optim.SGD(src.parameters(), { lr: 0.1, momentum: 0.9 });
    trainSteps(src, sgd as unknown as optim.Adam, 0, 1);
    const cases: [string, Uint8Array, RegExp][] = [
      ['garbage', Uint8Array.of(1, 2, 3), /safetensors: the file is 3 bytes, too short/],
      ['truncated', good.subarray(0, good.length - 10), /safetensors: /],
      ['a weights file, not a checkpoint', await saveSafetensors(src), /not a webrnn checkpoint \(metadata format is missing/],
      ['another architecture', await saveCheckpoint(null, { model: wider, optimizer: widerOpt }), /'model.rnn.weight_ih_l0' has shape \[21, 3\], the model's is \[18, 3\]/],
      ['a missing tensor', edit(good, (f) => delete f.tensors['model.head.bias']), /missing 'model.head.bias' \[3\]/],
      ['an unexpected tensor', edit(good, (f) => (f.tensors['model.head.extra'] = f.tensors['model.head.bias']!)), /unexpected tensor 'model.head.extra'/],
      ['a stray tensor', edit(good, (f) => (f.tensors.other = f.tensors['model.head.bias']!)), /unexpected tensor 'other'/],
      ['an int32 weight', edit(good, (f) => (f.tensors['model.head.bias'] = { dtype: 'int32', shape: [3], data: new Int32Array(3) })), /'model.head.bias' has dtype int32/],
      ['a bad optimizer state shape', edit(good, (f) => (f.tensors['optim.0.exp_avg'] = { dtype: 'float32', shape: [2], data: new Float32Array(2) })), /does not fit the optimizer: .*state '0.exp_avg' has shape \[2\]/],
      ['another optimizer type', await saveCheckpoint(null, { model: src, optimizer: sgd }), /the checkpoint's optimizer is SGD, not Adam/],
      ['no optimizer state', await saveCheckpoint(null, { model: src }), /holds no optimizer state/],
      ['unparsable metadata', edit(good, (f) => (f.metadata.extra = '{oops')), /metadata 'extra' is not valid JSON/],
      ['a bad step', edit(good, (f) => (f.metadata.step = '-3')), /metadata step = -3/],
      ['a bad option', edit(good, (f) => (f.metadata.optimizer = f.metadata.optimizer!.replace('"lr":0.02', '"lr":"fast"'))), /option lr = fast is not a valid number/],
    ];
    const target = new Net(9);
    const targetOpt = makeOpt(target);
    trainSteps(target, targetOpt, 5, 1);
    const before = await snapshot(target, targetOpt);
    const mem = memory();
    const dispatches = counters().dispatches;
    for (const [what, bytes, message] of cases) {
      await expect(loadCheckpoint(bytes, { model: target, optimizer: targetOpt }), what).rejects.toThrow(message);
    }
    // Nothing was uploaded, allocated or dispatched, and every value is as it was.
    expect(memory().liveBuffers).toBe(mem.liveBuffers);
    expect(counters().dispatches).toBe(dispatches);
    expect(await snapshot(target, targetOpt)).toEqual(before);
    await expect(loadCheckpoint(join(dir(), 'does-not-exist'), { model: target })).rejects.toThrow(/ENOENT/);
    for (const x of [src, srcOpt, wider, widerOpt, sgd, target, targetOpt]) x.dispose();
  });
});
