// Cases for the whole-layer reference's tests: a config with small defaults and random inputs.
import { CELLS, type CellKind } from '../../src/kernels/cells/index.js';
import type { RnnRefConfig, RnnRefInput } from '../../src/reference/rnn_layer.js';
import type { Tolerance } from './allclose.js';
import { uniform } from './rng.js';

// Same arithmetic in the same order, so results agree to rounding (in practice exactly).
export const SAME: Tolerance = { rtol: 1e-12, atol: 1e-14 };

export function config(mode: CellKind, over: Partial<RnnRefConfig> = {}): RnnRefConfig {
  return { mode, inputSize: 2, hiddenSize: 3, numLayers: 1, bias: true, bidirectional: false, batchFirst: false, ...over };
}

export const stateSize = (cfg: RnnRefConfig, B: number): number => cfg.numLayers * (cfg.bidirectional ? 2 : 1) * B * cfg.hiddenSize;

/** Random x, h0 (and c0 for LSTM) for a config. */
export function makeInput(cfg: RnnRefConfig, T: number, B: number, seed: number, lengths?: number[]): RnnRefInput {
  const n = stateSize(cfg, B);
  return {
    x: uniform(T * B * cfg.inputSize, seed, -2, 2),
    seqLen: T,
    batch: B,
    h0: uniform(n, seed + 1),
    ...(CELLS[cfg.mode].cellState ? { c0: uniform(n, seed + 2) } : {}),
    ...(lengths ? { lengths } : {}),
  };
}

