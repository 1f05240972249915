// The recurrent layers by cell kind, for the module tests: build any of them with PyTorch's
// options, and run any of them to [y, hN, cN] (cN only for the LSTM).
import { nn, type Tensor } from 'webrnn';
import type { CellKind } from '../../src/kernels/cells/index.js';
import { KINDS } from './cell_sequence.js';
import { LAYERS } from './layer_check.js';

export const MODES = KINDS;

export type Recurrent = nn.RNN | nn.LSTM | nn.GRU;
export type Opts = { inputSize: number; hiddenSize: number; numLayers?: number; bias?: boolean; batchFirst?: boolean; dropout?: number; bidirectional?: boolean; seed?: number };

export function makeLayer(mode: CellKind, o: Opts): Recurrent {
  return LAYERS[mode](o) as Recurrent;
}

/** Runs any recurrent layer: [y, hN, cN]. */
export function run(layer: Recurrent, x: Tensor, opts: { lengths?: number[] } = {}): [Tensor, Tensor, Tensor | null] {
  if (layer instanceof nn.LSTM) {
    const [y, [h, c]] = layer.forward(x, null, opts);
    return [y, h, c];
  }
  const [y, h] = layer.forward(x, null, opts);
  return [y, h, null];
}
