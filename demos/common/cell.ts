// The recurrent cell a demo's --cell names, in one place: 'lstm', 'gru', and the vanilla RNN with
// PyTorch's two nonlinearities, 'rnn' (tanh, nn.RNN's default) and 'rnn_relu'.
import { nn } from '../../src/index.js';

export const CELL_NAMES = ['lstm', 'gru', 'rnn', 'rnn_relu'] as const;
export type Cell = (typeof CELL_NAMES)[number];

/** The layer for `cell` with nn.RNN/LSTM/GRU's options. */
export function recurrentLayer(cell: Cell, opts: nn.RNNOptions): nn.LSTM | nn.GRU | nn.RNN {
  if (cell === 'lstm') return new nn.LSTM(opts);
  if (cell === 'gru') return new nn.GRU(opts);
  if (cell === 'rnn' || cell === 'rnn_relu') return new nn.RNN({ ...opts, nonlinearity: cell === 'rnn' ? 'tanh' : 'relu' });
  throw new Error(`webrnn: cell '${String(cell)}' must be one of ${CELL_NAMES.join(', ')}`);
}

/** Throws `<demo>: cell '…' must be one of …` unless `cell` names a cell. */
export function checkCell(demo: string, cell: unknown): void {
  if (!(CELL_NAMES as readonly unknown[]).includes(cell)) throw new Error(`${demo}: cell '${String(cell)}' must be one of ${CELL_NAMES.join(', ')}`);
}
