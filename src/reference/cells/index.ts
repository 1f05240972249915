// Every cell kind's twins, by kind (a missing kind fails tsc): what the reference model and the
// kernel tests look a kind up in.
import type { CellKind } from '../../kernels/cells/spec.js';
import { gruHardSigmoidTwin, gruTwin } from './gru.js';
import { gruResetBeforeHardSigmoidTwin, gruResetBeforeTwin } from './gru_reset_before.js';
import { lstmHardSigmoidTwin, lstmTwin } from './lstm.js';
import { rnnReluTwin, rnnTanhTwin } from './rnn.js';
import type { CellTwin } from './sequence.js';

export const TWINS: Readonly<Record<CellKind, CellTwin>> = {
  rnn_tanh: rnnTanhTwin,
  rnn_relu: rnnReluTwin,
  lstm: lstmTwin,
  gru: gruTwin,
  gru_reset_before: gruResetBeforeTwin,
  lstm_hard_sigmoid: lstmHardSigmoidTwin,
  gru_hard_sigmoid: gruHardSigmoidTwin,
  gru_reset_before_hard_sigmoid: gruResetBeforeHardSigmoidTwin,
};

export * from './sequence.js';
