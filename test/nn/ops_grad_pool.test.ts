// maxPool2d, avgPool2d and the reshapes of a CNN → RNN bridge (permute, flatten) through the public
// API: the GPU forward against float64 twins, the tape's gradients against finite differences.
import { beforeAll, describe, expect, test } from 'vitest';
import * as w from 'webrnn';
import { init } from 'webrnn';
import { planPool2d } from '../../src/kernels/pool.js';
import { pool2dRef } from '../../src/reference/pool.js';
import { transposeRef } from '../../src/reference/shape.js';
import { TOL } from '../util/allclose.js';
import { checkGrad, input } from '../util/gradcheck.js';
import { roundF32, uniform } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

/** Distinct values at least 0.05 apart (shuffled), so no max window has a near-tie for the differences to cross. */
function distinct(shape: number[], seed: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = uniform(n, seed);
  const order = [...r.keys()].sort((a, b) => r[a]! - r[b]!);
  const data = new Float64Array(n);
  order.forEach((at, rank) => (data[at] = roundF32([-2 + rank * 0.05])[0]!));
  return { data, shape };
}

describe('pooling', () => {
  test.each([
    ['2×2', [2, 3, 4, 5], 2, {}],
    ['3×3 stride 2 padding 1', [1, 2, 5, 6], 3, { stride: 2, padding: 1 }],
    ['[2, 3] stride 1, 3-D input', [2, 4, 5], [2, 3], { stride: 1 }],
  ] as const)('maxPool2d %s', async (_n, shape, k, opts) => {
    const d = planPool2d('test', shape, k, opts);
    await checkGrad({
      build: ([x]) => w.maxPool2d(x!, k, opts),
      f: ([x]) => pool2dRef(x!, d, 'max').y,
      inputs: [distinct([...shape], 1)],
      shape: [...shape.slice(0, -2), d.oh, d.ow],
      outTol: TOL.elementwise,
    });
  });

  test.each([
    ['2×2', [2, 3, 4, 5], 2, {}],
    ['3×3 stride 2 padding 1 (padding counted)', [1, 2, 5, 6], 3, { stride: 2, padding: 1 }],
    ['3×3 stride 2 padding 1, countIncludePad false', [1, 2, 5, 6], 3, { stride: 2, padding: 1, countIncludePad: false }],
  ] as const)('avgPool2d %s', async (_n, shape, k, opts) => {
    const d = planPool2d('test', shape, k, opts);
    await checkGrad({
      build: ([x]) => w.avgPool2d(x!, k, opts),
      f: ([x]) => pool2dRef(x!, d, 'avg', 'countIncludePad' in opts ? opts.countIncludePad : true).y,
      inputs: [input(shape, 2)],
    });
  });
});

describe('permute and flatten', () => {
  const X = input([2, 3, 4], 3);
  test.each([[[2, 0, 1]], [[0, 2, 1]], [[0, 1, 2]]])('permute %j', async (perm) => {
    await checkGrad({
      build: ([x]) => x!.permute(...perm),
      f: ([x]) => transposeRef(x!, X.shape, perm).data,
      inputs: [X],
      shape: perm.map((p) => X.shape[p]!),
      outTol: TOL.elementwise,
    });
  });

  test.each([
    [0, -1, [24]], [1, -1, [2, 12]], [0, 1, [6, 4]], [1, 1, [2, 3, 4]], [-2, -1, [2, 12]],
  ] as const)('flatten(%i, %i) → %j', async (s, e, shape) => {
    await checkGrad({ build: ([x]) => w.flatten(x!, s, e), f: ([x]) => x!, inputs: [X], shape, outTol: TOL.elementwise });
  });

  test('bad dims are named', () => {
    const x = w.zeros([2, 3, 4]);
    expect(() => x.permute(0, 1)).toThrow(/^webrnn: permute: \[0, 1\] must name each of the 3 dims/);
    expect(() => x.permute(0, 1, 1)).toThrow(/not a permutation/);
    expect(() => x.flatten(2, 1)).toThrow(/^webrnn: flatten: startDim 2 comes after endDim 1/);
    expect(() => x.flatten(0, 3)).toThrow(/^webrnn: flatten: axis 3 is out of range/);
    x.dispose();
  });
});
