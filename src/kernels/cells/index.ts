// Every cell kind's spec, by kind: the one table the graph op and the layers look a kind up in.
import { gru } from './gru.js';
import { gruResetBefore } from './gru_reset_before.js';
import { lstm } from './lstm.js';
import { rnnRelu, rnnTanh } from './rnn.js';
import type { CellKind, CellSpec } from './spec.js';

export const CELLS: Readonly<Record<CellKind, CellSpec>> = {
  rnn_tanh: rnnTanh,
  rnn_relu: rnnRelu,
  lstm,
  gru,
  gru_reset_before: gruResetBefore,
};

export type { CellKind, CellSpec, SequenceDims, StepDims } from './spec.js';
export { encodeSequence, type StepTensors } from './launch.js';
