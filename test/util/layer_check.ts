// One whole-layer check shared by the layer suites: build an RNN/LSTM/GRU from a case, run the
// forward and BPTT through the graph on the GPU, and compare outputs, final states and the gradient
// of every parameter, the input and the initial states with the float64 reference model.
import { expect } from 'vitest';
import { nn, resetCounters, tensor, tidy, type Tensor } from 'webrnn';
import { rnnForwardRef, type RnnRefConfig } from '../../src/reference/rnn_layer.js';
import { rnnBackwardRef } from '../../src/reference/rnn_layer_backward.js';
import { expectAllClose, TOL } from './allclose.js';
import { roundF32, uniform } from './rng.js';
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';

export interface LayerCase {
  mode: CellKind;
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

type LayerOptions = ConstructorParameters<typeof nn.LSTM>[0];
/** The layer (and its options) that runs each cell kind. */
export const LAYERS: Record<CellKind, (o: LayerOptions) => nn.RNNBase> = {
  rnn_tanh: (o) => new nn.RNN({ ...o, nonlinearity: 'tanh' }),
  rnn_relu: (o) => new nn.RNN({ ...o, nonlinearity: 'relu' }),
  lstm: (o) => new nn.LSTM(o),
  gru: (o) => new nn.GRU(o),
  gru_reset_before: (o) => new nn.GRU({ ...o, resetAfter: false }),
  lstm_hard_sigmoid: (o) => new nn.LSTM({ ...o, recurrentActivation: 'hard_sigmoid' }),
  gru_hard_sigmoid: (o) => new nn.GRU({ ...o, recurrentActivation: 'hard_sigmoid' }),
  gru_reset_before_hard_sigmoid: (o) => new nn.GRU({ ...o, resetAfter: false, recurrentActivation: 'hard_sigmoid' }),
};

export type AnyCell = nn.RNNCell | nn.LSTMCell | nn.GRUCell;
/** The single-step module that runs each cell kind. */
export const CELL_MODULES: Record<CellKind, (I: number, H: number, o: { bias?: boolean; seed?: number }) => AnyCell> = {
  rnn_tanh: (I, H, o) => new nn.RNNCell(I, H, { ...o, nonlinearity: 'tanh' }),
  rnn_relu: (I, H, o) => new nn.RNNCell(I, H, { ...o, nonlinearity: 'relu' }),
  lstm: (I, H, o) => new nn.LSTMCell(I, H, o),
  gru: (I, H, o) => new nn.GRUCell(I, H, o),
  gru_reset_before: (I, H, o) => new nn.GRUCell(I, H, { ...o, resetAfter: false }),
  lstm_hard_sigmoid: (I, H, o) => new nn.LSTMCell(I, H, { ...o, recurrentActivation: 'hard_sigmoid' }),
  gru_hard_sigmoid: (I, H, o) => new nn.GRUCell(I, H, { ...o, recurrentActivation: 'hard_sigmoid' }),
  gru_reset_before_hard_sigmoid: (I, H, o) => new nn.GRUCell(I, H, { ...o, resetAfter: false, recurrentActivation: 'hard_sigmoid' }),
};

export function makeLayer(c: LayerCase, seed: number): nn.RNNBase {
  return LAYERS[c.mode]({ inputSize: c.I, hiddenSize: c.H, numLayers: c.layers, bias: c.bias, batchFirst: c.batchFirst, bidirectional: c.bidirectional, seed });
}

export const layerCaseName = (c: LayerCase): string =>
  `${c.mode} L=${c.layers} D=${c.bidirectional ? 2 : 1} bias=${c.bias} batchFirst=${c.batchFirst} T=${c.T} B=${c.B} H=${c.H}` +
  `${c.lengths ? ` lengths=${c.lengths}` : ''}${c.h0 ? '' : ' zero-h0'}`;

const f64 = async (t: Tensor) => Float64Array.from(await t.data());

/** Runs case `c` and checks it against the reference; `afterBackward` sees the counters of exactly
 *  this forward + backward (they are reset just before). */
export async function checkLayerAgainstReference(c: LayerCase, afterBackward?: () => void): Promise<void> {
  const layer = makeLayer(c, 11);
  const D = c.bidirectional ? 2 : 1;
  const LD = c.layers * D;
  const lstm = CELLS[c.mode].cellState;
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
  afterBackward?.();

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
}
