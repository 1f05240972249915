// conv2d_forward.wgsl, conv2d_backward_input.wgsl, conv2d_backward_weight.wgsl (+ its reduce over
// chunks), and the im2col.wgsl / col2im.wgsl + matmul path, vs their float64 twins: channel counts and widths that are not multiples
// of the 4×4 tiles, stride/padding/dilation/groups combinations, batch 1 and batches past one
// workgroup, 1×1 inputs and kernels.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { launchConv2d, launchConv2dBackwardBias, launchConv2dBackwardInput, launchConv2dBackwardWeight, launchIm2col } from '../../src/kernels/conv.js';
import { planConv2d, type Conv2dOptions } from '../../src/kernels/conv_plan.js';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef, im2colRef } from '../../src/reference/conv.js';
import { expectAllClose, reductionTol, TOL } from '../util/allclose.js';
import { f32, roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// [x shape, w shape, options]
const CASES: [number[], number[], Conv2dOptions][] = [
  [[1, 1, 1, 1], [1, 1, 1, 1], {}],
  [[1, 3, 7, 9], [5, 3, 3, 3], { padding: 1 }],
  [[2, 4, 11, 13], [6, 4, 3, 3], { stride: 2 }],
  [[3, 2, 9, 10], [7, 2, 3, 2], { stride: [1, 2], padding: [2, 1], dilation: 2 }],
  [[2, 4, 6, 9], [6, 2, 3, 3], { groups: 2, padding: 1 }],
  [[2, 6, 5, 7], [6, 1, 3, 3], { groups: 6, stride: 2, padding: 1 }],
  [[2, 9, 8, 8], [12, 3, 2, 2], { groups: 3, stride: 2, dilation: [1, 3], padding: [0, 2] }],
  [[65, 2, 5, 6], [3, 2, 3, 3], { padding: 'same' }],
  [[4, 3, 12, 33], [16, 3, 3, 3], {}],
  [[2, 5, 4, 4], [9, 5, 1, 1], { stride: 3 }],
  [[1, 1, 1, 30], [3, 1, 1, 5], { stride: [1, 4], padding: [0, 3] }],
];

// Every case both ways (groups > 1 always takes the implicit kernels).
describe.each(['implicit', 'im2col'] as const)('conv2d via %s', (variant) => {
  beforeAll(() => {
    gpu().tuning.convVariant = variant;
  });
  afterAll(() => {
    delete gpu().tuning.convVariant;
  });

  describe.each(CASES)('x %j w %j %j', (xs, ws, opts) => {
    const d = planConv2d('test', xs, ws, [ws[0]!], opts);
    const x = roundF32(uniform(size(xs), 1 + size(xs), -1, 1));
    const w = roundF32(uniform(size(ws), 2 + size(ws), -1, 1));
    const b = roundF32(uniform(ws[0]!, 3, -1, 1));
    const yShape = [d.batch, d.cOut, d.oh, d.ow];
    const dy = roundF32(uniform(size(yShape), 4, -1, 1));
    const taps = size(ws.slice(1));

    test('forward, with and without bias', async () => {
      for (const bias of [b, undefined]) {
        const y = launchConv2d(tensor(f32(x), xs), tensor(f32(w), ws), bias ? tensor(f32(bias), [ws[0]!]) : null, d);
        expect(y.shape).toEqual(yShape);
        expectAllClose(await y.data(), conv2dRef(x, w, bias, d), reductionTol(taps));
      }
    });

    test('backward: input, weight and bias gradients', async () => {
      const dyT = tensor(f32(dy), yShape);
      const dx = launchConv2dBackwardInput(dyT, tensor(f32(w), ws), d);
      expect(dx.shape).toEqual(xs);
      expectAllClose(await dx.data(), conv2dBackwardInputRef(dy, w, d), reductionTol(taps * d.cOut));
      const dw = launchConv2dBackwardWeight(dyT, tensor(f32(x), xs), d);
      expect(dw.shape).toEqual(ws);
      expectAllClose(await dw.data(), conv2dBackwardWeightRef(dy, x, d), reductionTol(d.batch * d.oh * d.ow));
      const db = launchConv2dBackwardBias(dyT, d);
      expectAllClose(await db.data(), conv2dBackwardBiasRef(dy, d), reductionTol(d.batch * d.oh * d.ow));
    });
  });
});

describe.each(CASES.filter(([, , o]) => (o.groups ?? 1) === 1))('im2col x %j w %j %j', (xs, ws, opts) => {
  test('matches the twin', async () => {
    const d = planConv2d('test', xs, ws, null, opts);
    const x = roundF32(uniform(size(xs), 5 + size(xs), -1, 1));
    const cols = launchIm2col(tensor(f32(x), xs), d);
    expect(cols.shape).toEqual([d.batch, size(ws.slice(1)), d.oh * d.ow]);
    expectAllClose(await cols.data(), im2colRef(x, d), TOL.elementwise);
  });
});

describe('planConv2d rejects bad shapes and options', () => {
  test.each([
    [[2, 3, 5], [4, 3, 3, 3], {}, /input must be \[B, C, H, W\]/],
    [[2, 3, 5, 5], [4, 2, 3, 3], {}, /needs 3 input channels per group/],
    [[2, 4, 5, 5], [6, 2, 3, 3], { groups: 3 }, /must divide the input channels/],
    [[2, 3, 2, 2], [4, 3, 3, 3], {}, /smaller than the dilated kernel/],
    [[2, 3, 5, 5], [4, 3, 3, 3], { stride: 0 }, /stride must be an integer ≥ 1/],
    [[2, 3, 5, 5], [4, 3, 3, 3], { padding: -1 }, /padding must be an integer ≥ 0/],
    [[2, 3, 5, 5], [4, 3, 2, 2], { padding: 'same' }, /even effective kernel/],
    [[2, 3, 5, 5], [4, 3, 3, 3], { padding: 'same', stride: 2 }, /needs stride 1/],
  ] as const)('x %j w %j %j', (xs, ws, opts, msg) => {
    expect(() => planConv2d('conv2d', xs, ws, null, opts as Conv2dOptions)).toThrow(msg);
    expect(() => planConv2d('conv2d', xs, ws, null, opts as Conv2dOptions)).toThrow(/^webrnn: conv2d: /);
  });
});
