// The CNN modules: PyTorch's parameter and buffer names, shapes and order in the state dict,
// initialisation bounds and seeding, forward against the twins, batch norm's running statistics
// after several training steps (momentum, cumulative, eval mode, no tracking), loadStateDict and
// safetensors round trips with the int32 counter, and a captcha conv block end to end.
import { beforeAll, describe, expect, test } from 'vitest';
import { batchNorm, conv2d, init, loadCheckpoint, loadSafetensors, nn, saveCheckpoint, saveSafetensors, tensor, tidy, type Tensor } from 'webrnn';
import { planConv2d } from '../../src/kernels/conv_plan.js';
import { conv2dRef } from '../../src/reference/conv.js';
import { normForwardRef, normStatsRef, runningUpdateRef } from '../../src/reference/norm.js';
import { pool2dRef } from '../../src/reference/pool.js';
import { planPool2d } from '../../src/kernels/pool.js';
import { expectAllClose, reductionTol, TOL } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const shapes = (r: Record<string, Tensor>) => Object.entries(r).map(([n, t]) => [n, [...t.shape], t.dtype]);
const data = async (t: Tensor) => Float64Array.from(await t.data());
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const conv2dOp = (x: Tensor) => conv2d(x, tensor(f32(new Float64Array(3 * 3 * 9)), [3, 3, 3, 3]), null, { strides: 2 } as never);
const batchNormOp = (x: Tensor) => batchNorm(x, null, null, null, null, { train: true } as never);

describe('nn.Conv2d and nn.Conv1d', () => {
  test('names, shapes, PyTorch init bound U(±1/√fan_in), seeding', async () => {
    const c = new nn.Conv2d(6, 8, [3, 2], { groups: 2, seed: 3 });
    expect(shapes(c.stateDict())).toEqual([['weight', [8, 3, 3, 2], 'float32'], ['bias', [8], 'float32']]);
    const bound = 1 / Math.sqrt(3 * 3 * 2);
    for (const p of c.parameters()) {
      const v = await data(p);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound / 2);
    }
    const again = new nn.Conv2d(6, 8, [3, 2], { groups: 2, seed: 3 });
    expect(await data(again.weight)).toEqual(await data(c.weight));
    expect(await data(new nn.Conv2d(6, 8, [3, 2], { groups: 2, seed: 4 }).weight)).not.toEqual(await data(c.weight));
    const c1 = new nn.Conv1d(4, 5, 3, { bias: false, seed: 1 });
    expect(shapes(c1.stateDict())).toEqual([['weight', [5, 4, 3], 'float32']]);
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/^webrnn: nn.Conv2d: groups = 2 must divide inChannels \(3\)/);
    // Unknown option keys are refused with a suggestion, in the modules and the ops.
    expect(() => new nn.Conv2d(3, 4, 3, { padding_mode: 'zeros' } as never)).toThrow(/^webrnn: nn.Conv2d: unknown option 'padding_mode'/);
    expect(() => new nn.BatchNorm2d(3, { track_running_stats: false } as never)).toThrow(/unknown option 'track_running_stats' \(did you mean 'trackRunningStats'\?\)/);
    expect(() => new nn.LayerNorm(3, { elementwise_affine: false } as never)).toThrow(/did you mean 'elementwiseAffine'/);
    expect(() => new nn.AvgPool2d(2, { count_include_pad: false } as never)).toThrow(/did you mean 'countIncludePad'/);
    const x = tensor(f32(new Float64Array(2 * 3 * 4 * 4)), [2, 3, 4, 4]);
    expect(() => conv2dOp(x)).toThrow(/^webrnn: conv2d: unknown option 'strides' \(did you mean 'stride'\?\)/);
    expect(() => new nn.BatchNorm2d(3).forward(x) && batchNormOp(x)).toThrow(/^webrnn: batchNorm: unknown option 'train'/);
  });

  test("forward: the seed's nn.Conv2d(3, 16, 3, 1), stride as the 4th argument, and conv1d", async () => {
    const conv = new nn.Conv2d(3, 16, 3, 2);
    const xs = [2, 3, 7, 9];
    const x = roundF32(uniform(size(xs), 1));
    const d = planConv2d('test', xs, [16, 3, 3, 3], null, { stride: 2 });
    const y = conv.forward(tensor(f32(x), xs));
    expect(y.shape).toEqual([2, 16, 3, 4]);
    expectAllClose(await y.data(), conv2dRef(x, await data(conv.weight), await data(conv.bias!), d), reductionTol(27));
    const c1 = new nn.Conv1d(2, 3, 3, { padding: 1 });
    const x1 = roundF32(uniform(2 * 2 * 6, 2));
    const d1 = planConv2d('test', [2, 2, 1, 6], [3, 2, 1, 3], null, { padding: [0, 1] });
    const y1 = c1.forward(tensor(f32(x1), [2, 2, 6]));
    expect(y1.shape).toEqual([2, 3, 6]);
    expectAllClose(await y1.data(), conv2dRef(x1, await data(c1.weight), await data(c1.bias!), d1), reductionTol(6));
  });
});

describe('nn.BatchNorm2d / nn.BatchNorm1d', () => {
  test('state dict: weight, bias, running_mean, running_var, num_batches_tracked; buffers are not parameters', () => {
    const bn = new nn.BatchNorm2d(4);
    expect(shapes(bn.stateDict())).toEqual([
      ['weight', [4], 'float32'], ['bias', [4], 'float32'], ['running_mean', [4], 'float32'],
      ['running_var', [4], 'float32'], ['num_batches_tracked', [], 'int32'],
    ]);
    expect([...bn.namedParameters()].map(([n]) => n)).toEqual(['weight', 'bias']);
    expect([...bn.namedBuffers()].map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new nn.BatchNorm1d(3, { affine: false, trackRunningStats: false }).stateDict())).toEqual([]);
    expect(Object.keys(new nn.BatchNorm1d(3, { affine: false }).stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  });

  // Three training steps on different batches, then eval: the running statistics and the counter
  // against the twin's update applied three times, the eval output against the twin's forward.
  test.each([[0.1], [0.3], [null]] as const)('running statistics after 3 training steps, momentum %s, then eval', async (momentum) => {
    const shape = [3, 4, 2, 5];
    const v = { outer: 3, c: 4, inner: 10 };
    const bn = new nn.BatchNorm2d(4, { momentum });
    let rm: Float64Array = new Float64Array(4);
    let rv: Float64Array = new Float64Array(4).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = roundF32(uniform(size(shape), 10 + step, -1 + step, 2 + step));
      tidy(() => {
        bn.forward(tensor(f32(x), shape));
      });
      const s = normStatsRef(x, v, 1e-5);
      ({ mean: rm, variance: rv } = runningUpdateRef(rm, rv, s.mean, s.variance, 30, momentum ?? 1 / (step + 1)));
    }
    expectAllClose(await data(bn.runningMean!), rm, reductionTol(30));
    expectAllClose(await data(bn.runningVar!), rv, reductionTol(30));
    expect(Array.from(await bn.numBatchesTracked!.data())).toEqual([3]);
    bn.eval();
    const x = roundF32(uniform(size(shape), 20));
    const y = bn.forward(tensor(f32(x), shape));
    const invstd = Float64Array.from(await bn.runningVar!.data(), (s) => 1 / Math.sqrt(s + 1e-5));
    expectAllClose(await y.data(), normForwardRef(x, v, await data(bn.runningMean!), invstd, 1, [1, 1, 1, 1], [0, 0, 0, 0]), TOL.reduction);
    expect(Array.from(await bn.numBatchesTracked!.data())).toEqual([3]); // eval does not count
  });

  test('without running statistics, eval mode normalises with the batch; BatchNorm1d on [B, C] and [B, C, L]', async () => {
    for (const [bn, shape, v] of [
      [new nn.BatchNorm1d(3, { trackRunningStats: false }), [5, 3], { outer: 5, c: 3, inner: 1 }],
      [new nn.BatchNorm1d(3, { eps: 1e-3 }), [2, 3, 4], { outer: 2, c: 3, inner: 4 }],
    ] as const) {
      if (!bn.runningMean) bn.eval();
      const x = roundF32(uniform(size(shape), 30));
      const y = bn.forward(tensor(f32(x), [...shape]));
      const s = normStatsRef(x, v, bn.eps);
      expectAllClose(await y.data(), normForwardRef(x, v, s.mean, s.invstd, 0), TOL.reduction);
    }
    expect(() => new nn.BatchNorm2d(3).forward(tensor(f32(new Float64Array(12)), [2, 3, 2]))).toThrow(/^webrnn: nn.BatchNorm2d: input must be \[B, C, H, W\] with C = 3/);
  });

  test('loadStateDict and safetensors round trips carry the buffers and the int32 counter', async () => {
    const a = new nn.BatchNorm2d(2);
    tidy(() => {
      a.forward(tensor(f32(uniform(2 * 2 * 3, 40)), [2, 2, 3, 1]));
    });
    const b = new nn.BatchNorm2d(2);
    b.loadStateDict(await loadSafetensors(await saveSafetensors(a)));
    for (const k of ['running_mean', 'running_var'] as const) expect(await data(b.stateDict()[k]!)).toEqual(await data(a.stateDict()[k]!));
    expect(Array.from(await b.numBatchesTracked!.data())).toEqual([1]);
    b.loadStateDict({ ...b.stateDict(), num_batches_tracked: Float32Array.of(7) });
    expect(Array.from(await b.numBatchesTracked!.data())).toEqual([7]);
    expect(() => b.loadStateDict({ ...b.stateDict(), num_batches_tracked: tensor(Float32Array.of(1), []) })).toThrow(/'num_batches_tracked' has dtype float32, expected int32/);
  });

  test('checkpoints carry the buffers too', async () => {
    const a = new nn.Sequential(new nn.Conv2d(2, 3, 1, { seed: 1 }), new nn.BatchNorm2d(3));
    tidy(() => {
      a.forward(tensor(f32(uniform(2 * 2 * 3 * 2, 41)), [2, 2, 3, 2]));
    });
    const b = new nn.Sequential(new nn.Conv2d(2, 3, 1, { seed: 2 }), new nn.BatchNorm2d(3));
    await loadCheckpoint(await saveCheckpoint(null, { model: a }), { model: b });
    for (const [k, t] of Object.entries(a.stateDict())) expect(Array.from(await b.stateDict()[k]!.data()), k).toEqual(Array.from(await t.data()));
    expect(Array.from(await (b.layers[1] as nn.BatchNorm2d).numBatchesTracked!.data())).toEqual([1]);
  });
});

describe('nn.LayerNorm, activations, pooling, flatten', () => {
  test('LayerNorm: weight and bias of normalizedShape, forward', async () => {
    const ln = new nn.LayerNorm([2, 3]);
    expect(shapes(ln.stateDict())).toEqual([['weight', [2, 3], 'float32'], ['bias', [2, 3], 'float32']]);
    expect(Object.keys(new nn.LayerNorm(4, { elementwiseAffine: false }).stateDict())).toEqual([]);
    const x = roundF32(uniform(24, 50));
    const v = { outer: 1, c: 4, inner: 6 };
    const s = normStatsRef(x, v, 1e-5);
    expectAllClose(await ln.forward(tensor(f32(x), [4, 2, 3])).data(), normForwardRef(x, v, s.mean, s.invstd, 0), TOL.reduction);
  });

  test('LeakyReLU, MaxPool2d, AvgPool2d, Flatten', async () => {
    const xs = [2, 3, 4, 6];
    const x = roundF32(uniform(size(xs), 60));
    const t = tensor(f32(x), xs);
    expectAllClose(await new nn.LeakyReLU(0.2).forward(t).data(), x.map((v) => (v < 0 ? 0.2 * v : v)), TOL.elementwise);
    expectAllClose(await new nn.LeakyReLU().forward(t).data(), x.map((v) => (v < 0 ? 0.01 * v : v)), TOL.elementwise);
    const d = planPool2d('test', xs, 2, {});
    expectAllClose(await new nn.MaxPool2d(2).forward(t).data(), pool2dRef(x, d, 'max').y, TOL.elementwise);
    const d3 = planPool2d('test', xs, 3, { stride: 1, padding: 1 });
    expectAllClose(await new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(t).data(), pool2dRef(x, d3, 'avg', false).y, TOL.reduction);
    expect(new nn.Flatten().forward(t).shape).toEqual([2, 72]);
    expect(new nn.Flatten(2).forward(t).shape).toEqual([2, 3, 24]);
    expect(new nn.Flatten(0, 1).forward(t).shape).toEqual([6, 4, 6]);
  });

  test('a captcha block (Conv2d → BatchNorm2d → LeakyReLU) → a sequence: names and every gradient', async () => {
    const block = new nn.Sequential(new nn.Conv2d(3, 4, 3, { stride: 2, seed: 1 }), new nn.BatchNorm2d(4), new nn.LeakyReLU());
    expect(Object.keys(block.stateDict())).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
    ]);
    const loss = tidy(() => {
      const f = block.forward(tensor(f32(uniform(2 * 3 * 9 * 13, 70)), [2, 3, 9, 13])); // [2, 4, 4, 6]
      const seq = f.permute(0, 3, 1, 2).flatten(2); // [B, W, C·H]: one step per column, as the captcha GRU reads it
      expect(seq.shape).toEqual([2, 6, 16]);
      const l = seq.square().mean();
      l.backward();
      return l;
    });
    expect(Number.isFinite(await loss.item())).toBe(true);
    for (const [n, p] of block.namedParameters()) {
      expect(p.grad, n).not.toBeNull();
      expect((await data(p.grad!)).some((g) => g !== 0), n).toBe(true);
    }
  });
});
