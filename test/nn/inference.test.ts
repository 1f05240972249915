// Whole layers run for inference (noGrad, and an eval() layer whose parameters are frozen): the
// sequence op is not recorded, so its steps run the inference forward (state rings, no saved
// gates). Outputs and final states against the float64 reference model, on shapes that take the
// simple and the register-blocked step kernels, with variable lengths and both directions.
import { describe, expect, test } from 'vitest';
import { init, nn, noGrad, tensor, tidy, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { recorder } from '../../src/gpu/encoder.js';
import type { Overrides } from '../../src/gpu/kernel.js';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import { rnnForwardRef, type RnnRefConfig } from '../../src/reference/rnn_layer.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { LAYERS } from '../util/layer_check.js';
import { roundF32, uniform } from '../util/rng.js';

await init();

/** Runs `fn` and returns the overrides of every forward step kernel it dispatched. */
function stepOverrides<R>(fn: () => R): { result: R; seen: Overrides[] } {
  const r = recorder(gpu());
  const seen: Overrides[] = [];
  const dispatch = r.dispatch;
  r.dispatch = function (this: typeof r, kernel, buffers, dims, overrides) {
    if (/_step_(forward|gates)/.test(kernel.name)) seen.push(overrides ?? {});
    return dispatch.call(this, kernel, buffers, dims, overrides);
  } as typeof dispatch;
  try {
    return { result: fn(), seen };
  } finally {
    r.dispatch = dispatch;
  }
}

interface Case { mode: CellKind; layers: number; D: 1 | 2; T: number; B: number; I: number; H: number; lengths?: number[] }
const CASES: Case[] = [
  { mode: 'lstm', layers: 2, D: 2, T: 4, B: 8, I: 5, H: 16, lengths: [4, 1, 3, 4, 2, 4, 4, 1] }, // blocked (where possible)
  { mode: 'lstm', layers: 1, D: 1, T: 1, B: 1, I: 3, H: 5 }, // simple, batch 1, length 1
  { mode: 'gru', layers: 2, D: 2, T: 5, B: 9, I: 6, H: 16, lengths: [5, 2, 1, 5, 3, 4, 5, 5, 2] },
  { mode: 'gru_reset_before', layers: 1, D: 2, T: 3, B: 3, I: 4, H: 7, lengths: [3, 1, 2] },
  { mode: 'rnn_tanh', layers: 2, D: 1, T: 3, B: 5, I: 4, H: 8 },
];

const name = (c: Case) => `${c.mode} L=${c.layers} D=${c.D} T=${c.T} B=${c.B} H=${c.H}${c.lengths ? ` lengths=${c.lengths}` : ''}`;

describe.each(CASES.map((c) => [name(c), c] as const))('%s', (_n, c) => {
  const lstm = CELLS[c.mode].cellState;
  const LD = c.layers * c.D;
  const x = roundF32(uniform(c.T * c.B * c.I, 1, -2, 2));
  const h0 = roundF32(uniform(LD * c.B * c.H, 2));
  const c0 = roundF32(uniform(LD * c.B * c.H, 3));

  async function check(how: 'noGrad' | 'frozen eval'): Promise<void> {
    const layer = LAYERS[c.mode]({ inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bidirectional: c.D === 2, seed: 5 });
    if (how === 'frozen eval') {
      layer.eval();
      for (const p of layer.parameters()) p.requiresGrad = false;
    }
    const run = () => tidy(() => {
      const xt = tensor(Float32Array.from(x), [c.T, c.B, c.I]);
      const s = (v: Float64Array) => tensor(Float32Array.from(v), [LD, c.B, c.H]);
      const opts = { lengths: c.lengths };
      let y: Tensor, hN: Tensor, cN: Tensor | null = null;
      if (lstm) [y, [hN, cN]] = (layer as nn.LSTM).forward(xt, [s(h0), s(c0)], opts);
      else [y, hN] = (layer as nn.GRU).forward(xt, s(h0), opts);
      return { y, hN, cN };
    });
    const { result: got, seen } = stepOverrides(() => (how === 'noGrad' ? noGrad(run) : run()));
    expect(got.y.requiresGrad).toBe(false); // nothing recorded
    // Every step launch ran the inference forward.
    expect(seen.length).toBeGreaterThanOrEqual(c.layers);
    expect(seen.every((o) => o.RING === true), JSON.stringify(seen)).toBe(true);
    const params = Object.fromEntries(await Promise.all([...layer.namedParameters()].map(async ([n, p]) => [n, Float64Array.from(await p.data())] as const)));
    const cfg: RnnRefConfig = { mode: c.mode, inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bias: true, bidirectional: c.D === 2, batchFirst: false };
    const ref = rnnForwardRef(cfg, params, { x, seqLen: c.T, batch: c.B, h0, c0: lstm ? c0 : undefined, lengths: c.lengths });
    expectAllClose(await got.y.data(), ref.y, TOL.bptt);
    expectAllClose(await got.hN.data(), ref.hN, TOL.bptt);
    if (lstm) expectAllClose(await got.cN!.data(), ref.cN!, TOL.bptt);
    for (const t of [got.y, got.hN, got.cN]) t?.dispose();
    layer.dispose();
  }

  test('under noGrad: outputs and final states match the reference', () => check('noGrad'));
  test('an eval() layer with frozen parameters: the same', () => check('frozen eval'));
});

test('a recorded forward saves per-step states and gates (no ring)', () => {
  const layer = new nn.LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 1, seed: 5 });
  const { result, seen } = stepOverrides(() => layer.forward(tensor(new Float32Array(2 * 4 * 3), [2, 4, 3])));
  expect(result[0].requiresGrad).toBe(true);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.some((o) => o.RING === true)).toBe(false);
  tidy(() => result[0].sum().backward()); // the backward finds what it needs
  for (const p of layer.parameters()) expect(p.grad).not.toBeNull();
  result[0].dispose();
  for (const t of result[1]) t.dispose();
  layer.dispose();
});
