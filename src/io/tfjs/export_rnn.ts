// A native nn.RNN / nn.LSTM / nn.GRU as Keras layers for saveLayersModel: one SimpleRNN / LSTM /
// GRU per layer of the module (each wrapped in Bidirectional with merge_mode 'concat' when it is
// bidirectional), a Dropout between them where the module drops out between layers. The weights
// go through toKeras, the importer's mapping inverted: kernels transposed to [in, G·H] with Keras's
// gate order, one bias = b_ih + b_hh (LSTM i,f,c,o; GRU z,r,h reset-before; SimpleRNN).
import { RNNBase } from '../../nn/rnn.js';
import { toKeras, type Kind, type RnnConfig } from './recurrent.js';

/** One Keras layer to write: its class, config and weights (names as TF.js's loader matches them). */
export interface KerasLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

export const saveError = (msg: string): never => {
  throw new Error(`webrnn: saveLayersModel: ${msg}`);
};

/** The Keras twin of a native recurrent module's cell, or a named error where TF.js has none. */
function kerasCell(m: RNNBase, where: string): { kind: Kind; activation: string; recurrentActivation: string } {
  const hard = m.kind.endsWith('_hard_sigmoid');
  const recurrentActivation = hard ? 'hard_sigmoid' : 'sigmoid';
  if (m.kind === 'rnn_tanh' || m.kind === 'rnn_relu') return { kind: 'SimpleRNN', activation: m.kind === 'rnn_relu' ? 'relu' : 'tanh', recurrentActivation };
  if (m.kind.startsWith('lstm')) return { kind: 'LSTM', activation: 'tanh', recurrentActivation };
  if (m.kind.startsWith('gru_reset_before')) return { kind: 'GRU', activation: 'tanh', recurrentActivation };
  // A reset-after GRU computes a different function from a reset-before one: no weights convert.
  return saveError(
    `${where} is a reset-after GRU (PyTorch's default, Keras's reset_after=True), and TF.js's GRU has no reset_after=True ` +
      `(tf.loadLayersModel refuses it): build the model with new nn.GRU({ ..., resetAfter: false }) (Keras's reset_after=False) to save it for TF.js`,
  );
}

/** The Keras layers of native recurrent module `m` named from `base`; the last one returns the whole
 *  sequence or (returnSequences false) its last step. Reads the module's current weights. */
export async function recurrentLayers(m: RNNBase, base: string, where: string, returnSequences: boolean): Promise<KerasLayer[]> {
  const cell = kerasCell(m, where);
  const H = m.hiddenSize;
  const c: RnnConfig = {
    kind: cell.kind, units: H, useBias: m.bias, resetAfter: false, relu: cell.activation === 'relu',
    recurrentActivation: cell.recurrentActivation as RnnConfig['recurrentActivation'],
    returnSequences, returnState: false, goBackwards: false, stateful: false,
  };
  const sd: Record<string, Float32Array> = {};
  for (const [n, t] of m.namedParameters()) sd[n] = (await t.data()) as Float32Array;
  const out: KerasLayer[] = [];
  for (let l = 0; l < m.numLayers; l++) {
    const name = m.numLayers === 1 ? base : `${base}_l${l}`;
    const inSize = l === 0 ? m.inputSize : m.numDirections * H;
    // Layer l's entries under the names toKeras reads (layer 0's).
    const own = new RegExp(`^(.*)_l${l}(_reverse)?$`);
    const layer = Object.fromEntries(Object.entries(sd).flatMap(([k, v]) => {
      const hit = own.exec(k);
      return hit ? [[`${hit[1]}_l0${hit[2] ?? ''}`, v]] : [];
    }));
    const config: Record<string, unknown> = {
      name, trainable: true, units: H, activation: cell.activation, use_bias: m.bias,
      return_sequences: l < m.numLayers - 1 || returnSequences, return_state: false,
      go_backwards: false, stateful: false, unroll: false, dropout: 0, recurrent_dropout: 0,
    };
    if (cell.kind !== 'SimpleRNN') config.recurrent_activation = cell.recurrentActivation;
    if (cell.kind === 'GRU') config.reset_after = false;
    const lc = { ...c, returnSequences: config.return_sequences as boolean };
    const weights = (prefix: string, sfx: string) =>
      Object.entries(toKeras(lc, inSize, layer, '', sfx)).map(([k, data]) => ({ name: `${prefix}/${k}`, shape: shapeOf(k, inSize, H, data), data }));
    if (m.bidirectional) {
      out.push({
        class_name: 'Bidirectional',
        config: { name: `${name}_bidirectional`, trainable: true, merge_mode: 'concat', layer: { class_name: cell.kind, config } },
        weights: [...weights(`${name}_bidirectional/forward_${name}`, ''), ...weights(`${name}_bidirectional/backward_${name}`, '_reverse')],
      });
    } else out.push({ class_name: cell.kind, config: config as KerasLayer['config'], weights: weights(name, '') });
    if (m.dropout > 0 && l < m.numLayers - 1) out.push({ class_name: 'Dropout', config: { name: `${name}_dropout`, trainable: true, rate: m.dropout }, weights: [] });
  }
  return out;
}

/** kernel [in, G·H], recurrent_kernel [H, G·H], bias [G·H]. */
function shapeOf(key: string, inSize: number, H: number, data: Float32Array): number[] {
  if (key === 'bias') return [data.length];
  const rows = key === 'kernel' ? inSize : H;
  return [rows, data.length / rows];
}
