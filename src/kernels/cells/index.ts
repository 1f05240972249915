// Every cell kind's spec, by kind: the one table the graph op and the layers look a kind up in.
import { gru, gruHardSigmoid } from './gru.js';
import { gruResetBefore, gruResetBeforeHardSigmoid } from './gru_reset_before.js';
import { lstm, lstmHardSigmoid } from './lstm.js';
import { rnnRelu, rnnTanh } from './rnn.js';
import type { CellKind, CellSpec } from './spec.js';

export const CELLS: Readonly<Record<CellKind, CellSpec>> = {
  rnn_tanh: rnnTanh,
  rnn_relu: rnnRelu,
  lstm,
  gru,
  gru_reset_before: gruResetBefore,
  lstm_hard_sigmoid: lstmHardSigmoid,
  gru_hard_sigmoid: gruHardSigmoid,
  gru_reset_before_hard_sigmoid: gruResetBeforeHardSigmoid,
};

export type { CellKind, CellSpec, SequenceDims, StepDims } from './spec.js';
export { encodeSequence, fusedInputPossible, type StepTensors } from './launch.js';
