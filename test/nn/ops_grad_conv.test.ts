// conv2d and conv1d through the public API: the GPU forward against the float64 twin, and the
// tape's gradients of x, weight and bias against float64 finite differences of that twin.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init, type Tensor } from 'webrnn';
import { planConv2d, type Conv2dOptions } from '../../src/kernels/conv_plan.js';
import { conv2dRef } from '../../src/reference/conv.js';
import { checkGrad, input } from '../util/gradcheck.js';

beforeAll(async () => {
  await init();
});

const A = (xs: Tensor[], i = 0) => xs[i]!;

describe('conv2d', () => {
  const CASES: [string, number[], number[], Conv2dOptions, boolean][] = [
    ['plain 3×3', [2, 3, 5, 6], [4, 3, 3, 3], {}, true],
    ['stride 2, padding 1', [1, 2, 6, 7], [3, 2, 3, 3], { stride: 2, padding: 1 }, true],
    ['dilation 2, padding [2, 1], no bias', [2, 2, 6, 5], [3, 2, 2, 3], { dilation: 2, padding: [2, 1] }, false],
    ['groups 2, stride [2, 1]', [2, 4, 5, 5], [6, 2, 3, 2], { groups: 2, stride: [2, 1] }, true],
  ];
  test.each(CASES)('%s: x %j w %j', async (_n, xs, ws, opts, hasBias) => {
    const d = planConv2d('test', xs, ws, null, opts);
    await checkGrad({
      build: (t) => w.conv2d(A(t), A(t, 1), hasBias ? A(t, 2) : null, opts),
      f: ([x, wt, b]) => conv2dRef(x!, wt!, hasBias ? b : undefined, d),
      inputs: [input(xs, 1), input(ws, 2), ...(hasBias ? [input([ws[0]!], 3)] : [])],
      shape: [d.batch, d.cOut, d.oh, d.ow],
    });
  });

  test('only the weight requires grad (x is data)', async () => {
    const d = planConv2d('test', [2, 3, 4, 4], [2, 3, 3, 3], null, { padding: 1 });
    await checkGrad({
      build: (t) => w.conv2d(A(t), A(t, 1), null, { padding: 1 }),
      f: ([x, wt]) => conv2dRef(x!, wt!, undefined, d),
      inputs: [{ ...input([2, 3, 4, 4], 4), grad: false }, input([2, 3, 3, 3], 5)],
    });
  });
});

describe('conv1d', () => {
  const CASES: [string, [number, number, number], [number, number, number], w.Conv1dOptions][] = [
    ['kernel 3, padding 1', [2, 3, 9], [4, 3, 3], { padding: 1 }],
    ['stride 2, dilation 2, groups 3', [1, 6, 11], [3, 2, 3], { stride: 2, dilation: 2, groups: 3 }],
    ["padding 'same'", [3, 2, 7], [2, 2, 5], { padding: 'same' }],
  ];
  test.each(CASES)('%s: x %j w %j', async (_n, xs, ws, opts) => {
    // conv1d is conv2d over a height of 1: the twin sees the same data with H = KH = 1.
    const pad = opts.padding === 'same' ? ((opts.dilation ?? 1) * (ws[2] - 1)) / 2 : (opts.padding ?? 0);
    const d = planConv2d('test', [xs[0], xs[1], 1, xs[2]], [ws[0], ws[1], 1, ws[2]], null, {
      stride: [1, opts.stride ?? 1], padding: [0, pad as number], dilation: [1, opts.dilation ?? 1], groups: opts.groups,
    });
    await checkGrad({
      build: (t) => w.conv1d(A(t), A(t, 1), A(t, 2), opts),
      f: ([x, wt, b]) => conv2dRef(x!, wt!, b, d),
      inputs: [input(xs, 6), input(ws, 7), input([ws[0]], 8)],
      shape: [d.batch, d.cOut, d.ow],
    });
  });

  test('bad input is named', () => {
    const x = w.zeros([2, 3, 5]);
    expect(() => w.conv1d(x, w.zeros([4, 3, 3, 1]))).toThrow(/^webrnn: conv1d: weight must be \[C_out, C_in\/groups, K\]/);
    expect(() => w.conv1d(x, w.zeros([4, 2, 3]))).toThrow(/^webrnn: conv1d: weight .* needs 3 input channels per group/);
    expect(() => w.conv2d(x, w.zeros([4, 3, 3]))).toThrow(/^webrnn: conv2d: input must be \[B, C, H, W\]/);
    x.dispose();
  });
});
