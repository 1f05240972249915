// Whole layers (forward + BPTT through the graph) on the shapes that take the register-blocked
// step kernels (batch ≥ 4, H % 8 == 0) and the blocked matmul, against the float64 reference model:
// outputs, final states and the gradient of every parameter, the input and the initial states.
import { describe, expect, test } from 'vitest';
import { counters, init, nn, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import { gpu } from '../../src/gpu/device.js';
import { blockedStepsPossible, wholeSequenceLaunch } from '../../src/kernels/rnn.js';
import { rnnForwardRef, type RnnMode, type RnnRefConfig } from '../../src/reference/rnn_layer.js';
import { rnnBackwardRef } from '../../src/reference/rnn_layer_backward.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { roundF32, uniform } from '../util/rng.js';

await init();

interface Case {
  mode: RnnMode;
  layers: number;
  bidirectional: boolean;
  bias: boolean;
  batchFirst: boolean;
  T: number;
  B: number;
  I: number;
  H: number;
  lengths?: number[];
  h0: boolean;
}

const base = { layers: 1, bidirectional: false, bias: true, batchFirst: false, T: 5, B: 9, I: 6, H: 16, h0: true };
const CASES: Case[] = [
  { ...base, mode: 'lstm' },
  { ...base, mode: 'lstm', layers: 2, bidirectional: true, B: 8, H: 8, T: 4, lengths: [4, 1, 3, 4, 2, 4, 4, 1] },
  { ...base, mode: 'lstm', bidirectional: true, batchFirst: true, B: 5, H: 24, T: 3, lengths: [3, 1, 2, 3, 3], h0: false },
  { ...base, mode: 'lstm', bias: false, B: 17, H: 40, T: 2 },
  { ...base, mode: 'gru', bidirectional: true, lengths: [5, 2, 1, 5, 3, 4, 5, 5, 2] },
  { ...base, mode: 'rnn_tanh', layers: 2 },
];

function makeLayer(c: Case, seed: number): nn.RNNBase {
  const opts = { inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bias: c.bias, batchFirst: c.batchFirst, bidirectional: c.bidirectional, seed };
  if (c.mode === 'lstm') return new nn.LSTM(opts);
  if (c.mode === 'gru') return new nn.GRU(opts);
  return new nn.RNN({ ...opts, nonlinearity: c.mode === 'rnn_relu' ? 'relu' : 'tanh' });
}

const f64 = async (t: Tensor) => Float64Array.from(await t.data());
const name = (c: Case) =>
  `${c.mode} L=${c.layers} D=${c.bidirectional ? 2 : 1} bias=${c.bias} batchFirst=${c.batchFirst} T=${c.T} B=${c.B} H=${c.H}` +
  `${c.lengths ? ` lengths=${c.lengths}` : ''}${c.h0 ? '' : ' zero-h0'}`;

describe.each(CASES.map((c) => [name(c), c] as const))('%s', (_n, c) => {
  test('forward and every gradient match the float64 reference', async () => {
    const layer = makeLayer(c, 11);
    const D = c.bidirectional ? 2 : 1;
    const LD = c.layers * D;
    const lstm = c.mode === 'lstm';
    const x = roundF32(uniform(c.T * c.B * c.I, 1, -2, 2));
    const h0 = c.h0 ? roundF32(uniform(LD * c.B * c.H, 2)) : undefined;
    const c0 = c.h0 && lstm ? roundF32(uniform(LD * c.B * c.H, 3)) : undefined;
    const yShape = c.batchFirst ? [c.B, c.T, D * c.H] : [c.T, c.B, D * c.H];
    const R1 = roundF32(uniform(c.T * c.B * D * c.H, 4));
    const R2 = roundF32(uniform(LD * c.B * c.H, 5));
    const R3 = roundF32(uniform(LD * c.B * c.H, 6));

    const xShape = c.batchFirst ? [c.B, c.T, c.I] : [c.T, c.B, c.I];
    const xt = tensor(Float32Array.from(x), xShape, { requiresGrad: true });
    const h0t = h0 && tensor(Float32Array.from(h0), [LD, c.B, c.H], { requiresGrad: true });
    const c0t = c0 && tensor(Float32Array.from(c0), [LD, c.B, c.H], { requiresGrad: true });
    resetCounters();
    const got = tidy(() => {
      const opts = { lengths: c.lengths };
      let y: Tensor, hN: Tensor, cN: Tensor | null = null;
      if (layer instanceof nn.LSTM) [y, [hN, cN]] = layer.forward(xt, h0t && c0t ? [h0t, c0t] : null, opts);
      else [y, hN] = (layer as nn.GRU).forward(xt, h0t ?? null, opts);
      let loss = y.mul(tensor(Float32Array.from(R1), yShape)).sum().add(hN.mul(tensor(Float32Array.from(R2), hN.shape)).sum());
      if (cN) loss = loss.add(cN.mul(tensor(Float32Array.from(R3), cN.shape)).sum());
      loss.backward();
      return { y, hN, cN };
    });
    if ((c.mode === 'lstm' || c.mode === 'gru') && blockedStepsPossible(gpu(), c.H)) {
      // One launch a step, or one a layer where a workgroup holds a whole row block.
      const G = c.mode === 'lstm' ? 4 : 3;
      const launches = (n: number) => c.layers * (wholeSequenceLaunch(gpu(), n, { batch: c.B, hidden: c.H }, G) ? 1 : c.T);
      expect(counters().byKernel.get(`${c.mode}_step_forward_blocked`)).toBe(launches(c.H));
      expect(counters().byKernel.get(`${c.mode}_step_backward_blocked`)).toBe(launches(c.H / 4));
    }

    const params = Object.fromEntries(await Promise.all([...layer.namedParameters()].map(async ([n, p]) => [n, await f64(p)] as const)));
    const cfg: RnnRefConfig = { mode: c.mode, inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bias: c.bias, bidirectional: c.bidirectional, batchFirst: c.batchFirst };
    const input = { x, seqLen: c.T, batch: c.B, h0, c0: lstm ? c0 : undefined, lengths: c.lengths };
    const ref = rnnForwardRef(cfg, params, input);
    expectAllClose(await got.y.data(), ref.y, TOL.bptt);
    expectAllClose(await got.hN.data(), ref.hN, TOL.bptt);
    if (lstm) expectAllClose(await got.cN!.data(), ref.cN!, TOL.bptt);

    const back = rnnBackwardRef(cfg, params, input, ref, { dy: R1, dhN: R2, dcN: lstm ? R3 : undefined });
    expectAllClose(await xt.grad!.data(), back.dx, TOL.bptt);
    if (h0t) expectAllClose(await h0t.grad!.data(), back.dh0, TOL.bptt);
    if (c0t) expectAllClose(await c0t.grad!.data(), back.dc0!, TOL.bptt);
    for (const [n, p] of layer.namedParameters()) {
      expect(p.grad, n).not.toBeNull();
      expectAllClose(await p.grad!.data(), back.dparams[n]!, TOL.bptt);
    }
    layer.dispose();
  });
});
