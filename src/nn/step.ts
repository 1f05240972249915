// Stepping a recurrent layer one time step at a time with its state kept on the GPU (generation,
// streaming): each layer's step is the sequence op with T = 1, so it runs the same fused kernels as
// forward() and records one matmul and one step launch a layer, no readback. The state is what
// forward() takes and returns, so a prompt can run through forward() and generation go on by step().
import { tensor, zeros } from '../graph/create.js';
import { ops } from '../graph/ops/index.js';
import { rnnSequence } from '../graph/rnn.js';
import { CELLS } from '../kernels/cells/index.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import { checkState, halfLayerOf, lstmPair, type RNNBase } from './rnn.js';

/** A layer's state: h [numLayers, B, H] (RNN, GRU), or [h, c] (LSTM). */
export type RecurrentState = Tensor | [Tensor, Tensor];

/** Zeros of the layer's state for a batch of `batch`. */
export function initialRecurrentState(layer: RNNBase, batch: number): RecurrentState {
  const name = `nn.${layer.constructor.name}`;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`webrnn: ${name}.initialState: batch = ${batch} must be a positive integer`);
  const shape = [layer.numLayers, batch, layer.hiddenSize];
  return CELLS[layer.kind].cellState ? [zeros(shape), zeros(shape)] : zeros(shape);
}

/** One time step: x [B, I] → y [B, H] (the last layer's h) and the new state. The input state is
 *  left as it is (dispose it when done). */
export function stepRecurrent(layer: RNNBase, x: Tensor, state: RecurrentState): [Tensor, RecurrentState] {
  const name = `nn.${layer.constructor.name}`;
  if (layer.bidirectional) throw new Error(`webrnn: ${name}.step: a bidirectional layer cannot step (its reverse direction reads the sequence from its end); use forward()`);
  if (layer.training && layer.dropout > 0 && layer.numLayers > 1) {
    throw new Error(`webrnn: ${name}.step: dropout = ${layer.dropout} between layers in training mode; call eval() to step (or run forward())`);
  }
  if (!(x instanceof Tensor) || x.rank !== 2 || x.shape[1] !== layer.inputSize || x.dtype !== 'float32') {
    const got = x instanceof Tensor ? `${x.dtype} ${shapeStr(x.shape)}` : String(x);
    throw new Error(`webrnn: ${name}.step: x ${got} must be float32 [B, ${layer.inputSize}]`);
  }
  const B = x.shape[0]!;
  const L = layer.numLayers;
  const H = layer.hiddenSize;
  const cellState = CELLS[layer.kind].cellState;
  const [h, c] = (cellState ? lstmPair(`${name}.step`, state) : [state, null]) as [Tensor, Tensor | null];
  checkState(`${name}.step`, 'h', h, [L, B, H], '[numLayers, B, H]');
  if (cellState) checkState(`${name}.step`, 'c', c, [L, B, H], '[numLayers, B, H]');
  // Every sequence of a step has length 1.
  const lengths = tensor(new Int32Array(B).fill(1), [B]);
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  let input = ops.reshape(x, [1, B, layer.inputSize]);
  for (let l = 0; l < L; l++) {
    const slot = (s: Tensor) => (L === 1 ? s : ops.slice(s, 0, l, l + 1));
    const [hl, cl] = [slot(h), c && slot(c)];
    const out = rnnSequence(layer.kind, { x: input, lengths, h0: hl, c0: cl, weights: layer.layerWeights(l) }, H, halfLayerOf(layer, l));
    for (const t of [input, ...(L > 1 ? [hl, cl] : []), out.y]) t?.dispose();
    hs.push(out.hN);
    if (out.cN) cs.push(out.cN);
    // The next layer reads this one's h: y and hN hold the same values at T = 1.
    input = ops.reshape(out.hN, out.hN.shape);
  }
  lengths.dispose();
  const y = ops.reshape(input, [B, H]);
  input.dispose();
  const join = (ts: Tensor[]) => (ts.length === 1 ? ts[0]! : ops.concat(ts, 0));
  const next: RecurrentState = cellState ? [join(hs), join(cs)] : join(hs);
  if (L > 1) for (const t of [...hs, ...cs]) t.dispose();
  return [y, next];
}
