// PyTorch's loss options through the public API, each against PyTorch's formula written out here in
// float64 (not the twins): crossEntropy's class `weight` (the weighted mean divides by the targets'
// weights) and `labelSmoothing` (PyTorch's (1 − ε)·nll + ε/C·smooth, both with the same
// denominator), binaryCrossEntropyWithLogits' `posWeight` and `weight`; gradients by finite
// differences; and the option checks (`reduction: 'avg'`, unknown keys).
import { beforeAll, describe, expect, test } from 'vitest';
import { binaryCrossEntropyWithLogits, crossEntropy, init, mseLoss, tensor } from 'webrnn';
import { expectAllClose, TOL } from '../util/allclose.js';
import { checkGrad, indices, input } from '../util/gradcheck.js';
import { ints, roundF32 } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

type Reduction = 'mean' | 'sum' | 'none';
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

interface XentCase { weight?: number[]; labelSmoothing?: number; ignoreIndex?: number; mask?: number[] }

/** PyTorch's cross_entropy (aten's cross_entropy_loss_label_smoothing): logp = log_softmax(x);
 *  nll_i = −w[t_i]·logp[i, t_i], smooth_i = −Σ_c w[c]·logp[i, c], both 0 on ignored rows;
 *  result (1 − ε)·nll + ε/C·smooth, 'mean' dividing both by Σ over kept rows of w[t_i] (· mask_i). */
function crossEntropyTorch(x: Float64Array, t: number[], n: number, c: number, reduction: Reduction, o: XentCase): Float64Array {
  const w = (k: number) => o.weight?.[k] ?? 1;
  const eps = o.labelSmoothing ?? 0;
  const rows = new Float64Array(n);
  let denom = 0;
  for (let i = 0; i < n; i++) {
    if (t[i] === o.ignoreIndex) continue;
    const row = x.subarray(i * c, (i + 1) * c);
    const m = Math.max(...row);
    const lse = m + Math.log(sum(row.map((v) => Math.exp(v - m))));
    const logp = row.map((v) => v - lse);
    const nll = -w(t[i]!) * logp[t[i]!]!;
    let smooth = 0;
    for (let k = 0; k < c; k++) smooth -= w(k) * logp[k]!;
    const mk = o.mask?.[i] ?? 1;
    rows[i] = ((1 - eps) * nll + (eps / c) * smooth) * mk;
    denom += w(t[i]!) * mk;
  }
  if (reduction === 'none') return rows;
  return Float64Array.of(reduction === 'sum' ? sum(rows) : sum(rows) / denom);
}

describe('crossEntropy weight and labelSmoothing (PyTorch semantics)', () => {
  const [n, c] = [7, 5];
  const targets = Array.from(ints(n, c, 11));
  const withIgnored = targets.map((t, i) => (i % 3 === 1 ? -100 : t));
  const weight = Array.from(roundF32([0.5, 2, 1, 0.25, 3]));
  const mask = Array.from(roundF32([1, 0, 1, 0.5, 1, 1, 0.75]));
  const VARIANTS: [string, number[], XentCase][] = [
    ['labelSmoothing 0.1', targets, { labelSmoothing: 0.1 }],
    ['labelSmoothing 1', targets, { labelSmoothing: 1 }],
    ['class weight', targets, { weight }],
    ['weight + labelSmoothing 0.2', targets, { weight, labelSmoothing: 0.2 }],
    ['weight + labelSmoothing + ignoreIndex', withIgnored, { weight, labelSmoothing: 0.3, ignoreIndex: -100 }],
    ['labelSmoothing + ignoreIndex', withIgnored, { labelSmoothing: 0.3, ignoreIndex: -100 }],
    ['weight + labelSmoothing + mask', targets, { weight, labelSmoothing: 0.1, mask }],
  ];
  const cases = (['mean', 'sum', 'none'] as const).flatMap((r) => VARIANTS.map(([name, t, o]) => [r, name, t, o] as const));

  test.each(cases)('reduction %s, %s: value and gradient', async (reduction, _name, t, o) => {
    await checkGrad({
      build: ([x, tg]) =>
        crossEntropy(x!, tg!, {
          reduction,
          ignoreIndex: o.ignoreIndex,
          labelSmoothing: o.labelSmoothing,
          weight: o.weight && tensor(o.weight),
          mask: o.mask && tensor(o.mask),
        }),
      f: ([x]) => crossEntropyTorch(x!, t, n, c, reduction, o),
      inputs: [input([n, c], 3, -3, 3), indices(t)],
      shape: reduction === 'none' ? [n] : [],
    });
  });

  test('a 3×4 batch: labelSmoothing 0.1 changes the loss, to PyTorch\'s value', async () => {
    const x = roundF32([0.1, 1.2, -0.3, 0.8, 2.0, -1.0, 0.5, 0.0, -0.7, 0.3, 1.5, -0.2]);
    const t = [1, 0, 2];
    const plain = await crossEntropy(tensor(Float32Array.from(x), [3, 4]), tensor(Int32Array.from(t))).item();
    const smoothed = await crossEntropy(tensor(Float32Array.from(x), [3, 4]), tensor(Int32Array.from(t)), { labelSmoothing: 0.1 }).item();
    expectAllClose([smoothed], crossEntropyTorch(x, t, 3, 4, 'mean', { labelSmoothing: 0.1 }), TOL.reduction);
    expect(Math.abs(smoothed - plain)).toBeGreaterThan(0.01);
  });

  test('bad weight, labelSmoothing and reduction are refused by name', () => {
    const x = tensor(new Float32Array(6), [2, 3]);
    const t = tensor(Int32Array.from([0, 2]));
    expect(() => crossEntropy(x, t, { weight: tensor([1, 2]) })).toThrow('webrnn: crossEntropy: weight must be float32 [C] = [3], got float32 [2]');
    expect(() => crossEntropy(x, t, { labelSmoothing: 1.5 })).toThrow('webrnn: crossEntropy: option labelSmoothing = 1.5 must be a number in [0, 1]');
    expect(() => crossEntropy(x, t, { reduction: 'avg' as 'mean' })).toThrow("webrnn: crossEntropy: option reduction = 'avg' must be one of 'mean', 'sum', 'none'");
    expect(() => crossEntropy(x, t, { label_smoothing: 0.1 } as never)).toThrow("webrnn: crossEntropy: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)");
    expect(() => crossEntropy(x, t, { weight: [1, 2, 3] } as never)).toThrow('webrnn: crossEntropy: option weight = an array of 3 must be a Tensor');
    expect(() => mseLoss(x, x, { reduction: 'avg' as 'mean' })).toThrow("webrnn: mseLoss: option reduction = 'avg'");
    const ints = tensor(new Int32Array(6), [2, 3]);
    expect(() => mseLoss(x, x, { mask: tensor(Int32Array.from([1, 0]), [2]) })).toThrow('webrnn: mseLoss: mask must be float32, got int32 [2]');
    expect(() => mseLoss(x, ints)).toThrow('webrnn: mseLoss: target must be float32, got int32 [2, 3]');
    expect(() => binaryCrossEntropyWithLogits(ints, x)).toThrow('webrnn: binaryCrossEntropyWithLogits: input must be float32, got int32 [2, 3]');
  });
});

/** PyTorch's binary_cross_entropy_with_logits: −w·[p·t·log σ(x) + (1 − t)·log(1 − σ(x))], p
 *  broadcast over the last dim, w over the trailing dims; 'mean' divides by the element count. */
function bceTorch(x: Float64Array, t: Float64Array, c: number, reduction: Reduction, pos: Float64Array | null, w: Float64Array | null): Float64Array {
  const logSig = (v: number) => -Math.log1p(Math.exp(-v)); // fine for |x| < 30
  const el = x.map((v, i) => {
    const p = pos ? pos[i % c]! : 1;
    const wi = w ? w[i % w.length]! : 1;
    return -wi * (p * t[i]! * logSig(v) + (1 - t[i]!) * logSig(-v));
  });
  if (reduction === 'none') return el;
  return Float64Array.of(reduction === 'sum' ? sum(el) : sum(el) / el.length);
}

describe('binaryCrossEntropyWithLogits posWeight and weight (PyTorch semantics)', () => {
  const [rows, c] = [3, 4];
  const t = roundF32([1, 0, 1, 0.25, 0, 1, 1, 0, 0.5, 1, 0, 1]);
  test.each(['mean', 'sum', 'none'] as const)('reduction %s: posWeight [C] and weight [C] get PyTorch\'s value and gradients', async (reduction) => {
    await checkGrad({
      build: ([x, tg, pw, w]) => binaryCrossEntropyWithLogits(x!, tg!, { reduction, posWeight: pw!, weight: w! }),
      f: ([x, tg, pw, w]) => bceTorch(x!, tg!, c, reduction, pw!, w!),
      inputs: [input([rows, c], 5, -4, 4), { data: t, shape: [rows, c] }, { data: roundF32([0.5, 2, 3, 1]), shape: [c] }, { data: roundF32([1, 0.5, 2, 1]), shape: [c], grad: false }],
      shape: reduction === 'none' ? [rows, c] : [],
    });
  });

  test('posWeight of the wrong shape is refused', () => {
    const x = tensor(new Float32Array(12), [3, 4]);
    expect(() => binaryCrossEntropyWithLogits(x, x, { posWeight: tensor([1, 2, 3]) })).toThrow(
      'webrnn: binaryCrossEntropyWithLogits: posWeight must be float32 and broadcast to [3, 4], got float32 [3]',
    );
    expect(() => binaryCrossEntropyWithLogits(x, x, { pos_weight: x } as never)).toThrow("unknown option 'pos_weight' (did you mean 'posWeight'?)");
  });
});
