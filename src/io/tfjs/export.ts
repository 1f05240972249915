// A model webrnn built (an nn.Sequential of supported modules, or one such module) as a Keras
// Sequential topology and its weights, for saveLayersModel. Keras models are batch first: the saved
// model reads [B, T, …] (indices [B, T] for an Embedding) even where the native recurrent layers
// are time-major (batchFirst false), and its per-step outputs are [B, T, …]; it is the native
// model with the time axis moved behind the batch axis. A custom module's forward() cannot be read,
// so it is refused, with its sub-modules listed for the nn.Sequential that says the same.
import { GRUCell, LSTMCell, RNNCell } from '../../nn/cells.js';
import { Conv1d, Conv2d } from '../../nn/conv.js';
import { Module } from '../../nn/module.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../../nn/norm.js';
import { Dropout, Embedding } from '../../nn/layers.js';
import { Linear } from '../../nn/linear.js';
import { RNNBase } from '../../nn/rnn.js';
import { LastStep, LeakyReLU, LogSoftmax, ReLU, Sequential, Sigmoid, Softmax, Tanh } from '../../nn/sequential.js';
import { AvgPool2d, Flatten, MaxPool2d } from '../../nn/spatial.js';
import type { Topology } from './format.js';
import { recurrentLayers, saveError, type KerasLayer } from './export_rnn.js';
import { transposeBlocks } from './layer.js';

/** Options of saveLayersModel for a native model. */
export interface SaveOptions {
  /** The shape of one example, without the batch axis, Keras's input_shape (null: any size), batch
   *  first as in every Keras model. By default it comes from the first layer: [T, inputSize] for a
   *  recurrent layer, [T] for an Embedding, [inFeatures] for a Linear ([T, inFeatures] when a
   *  recurrent layer follows), with T = null. */
  inputShape?: (number | null)[];
}

type Shape = (number | null)[];
interface Step {
  m: Module;
  path: string;
}

const SUPPORTED = 'nn.Sequential, nn.Embedding, nn.RNN, nn.LSTM, nn.GRU (resetAfter: false), nn.LastStep, nn.Linear, nn.Dropout, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Softmax, nn.LogSoftmax, nn.Flatten';
/** webrnn modules with no export (yet): refused as such, not as custom modules. */
const LIBRARY = [Conv1d, Conv2d, BatchNorm1d, BatchNorm2d, LayerNorm, MaxPool2d, AvgPool2d, RNNCell, LSTMCell, GRUCell];
const isLeaf = (m: Module) => [Embedding, RNNBase, LastStep, Linear, Dropout, Tanh, ReLU, LeakyReLU, Sigmoid, Softmax, LogSoftmax, Flatten].some((C) => m instanceof C);
const describe = (s: Step) => `${s.path === '' ? 'the model' : `layer '${s.path}'`} (${s.m.constructor.name})`;

/** The modules the model runs, in order, nested nn.Sequential flattened (paths as in the state dict). */
function chain(m: Module, path: string): Step[] {
  if (m instanceof Sequential) return m.layers.flatMap((l, i) => chain(l, path ? `${path}.${i}` : String(i)));
  if (isLeaf(m)) return [{ m, path }];
  if (LIBRARY.some((C) => m instanceof C)) return saveError(`${describe({ m, path })} has no TF.js layers export here. Savable: ${SUPPORTED}`);
  const children = [...m.namedModules()].filter(([n]) => n !== '' && !n.includes('.')).map(([n, c]) => `${n} (${c.constructor.name})`);
  return saveError(
    `${describe({ m, path })} is a custom module: its forward() cannot be read, so it has no Keras form. ` +
      `Save an nn.Sequential of the modules its forward() runs, e.g. new nn.Sequential(model.rnn, new nn.LastStep(0), model.head)` +
      `${children.length ? `; its sub-modules: ${children.join(', ')}` : ''}. Savable: ${SUPPORTED}`,
  );
}

/** The per-example input shape the first layer implies (batch axis included, null). */
function inputShape(steps: Step[], given: Shape | undefined): Shape {
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0 || !given.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      saveError(`option inputShape = ${JSON.stringify(given)} must be a non-empty array of positive sizes or null`);
    }
    return [null, ...given];
  }
  const first = steps[0]!.m;
  if (first instanceof Embedding) return [null, null];
  if (first instanceof RNNBase) return [null, null, first.inputSize];
  if (first instanceof Linear) {
    const next = steps.find((s) => s.m instanceof RNNBase || s.m instanceof LastStep || s.m instanceof Flatten);
    return next?.m instanceof RNNBase ? [null, null, first.inFeatures] : [null, first.inFeatures];
  }
  return saveError(`the first layer, ${describe(steps[0]!)}, does not say the input's shape: pass { inputShape }`);
}

const snake: [new (...a: never[]) => Module, string][] = [[Embedding, 'embedding'], [Linear, 'dense'], [Dropout, 'dropout'], [Flatten, 'flatten'], [LeakyReLU, 'leaky_re_lu']];

/** The Keras layers for `model` and its topology (a Sequential). */
export async function nativeLayers(model: Module, opts: SaveOptions): Promise<{ topology: Topology; layers: KerasLayer[] }> {
  const steps = chain(model, '');
  if (steps.length === 0) saveError('the nn.Sequential has no layers');
  let shape = inputShape(steps, opts.inputShape);
  const input = [...shape];
  let batchFirst: boolean | null = null;
  const layers: KerasLayer[] = [];
  const feature = (s: Step, want: number) => {
    const have = shape[shape.length - 1];
    if (have !== null && have !== want) saveError(`${describe(s)} takes ${want} features, the layers before give ${have}`);
  };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const { m } = s;
    const base = `${m instanceof RNNBase ? m.constructor.name.toLowerCase() : (snake.find(([C]) => m instanceof C)?.[1] ?? 'activation')}_${s.path.replace(/\./g, '_') || 'model'}`;
    const one = (class_name: string, config: Record<string, unknown>, weights: KerasLayer['weights'] = []) => layers.push({ class_name, config: { name: base, trainable: true, ...config }, weights });
    if (m instanceof Embedding) {
      if (shape.length !== 2) saveError(`${describe(s)} needs indices [B, T], the layers before give rank ${shape.length}`);
      // paddingIdx only keeps that row's gradient at 0 while training: Keras has no such option
      // (mask_zero is a mask, another function), so the row's current values are written.
      one('Embedding', { input_dim: m.numEmbeddings, output_dim: m.embeddingDim, mask_zero: false }, [{ name: `${base}/embeddings`, shape: [m.numEmbeddings, m.embeddingDim], data: (await m.weight.data()) as Float32Array }]);
      shape = [...shape, m.embeddingDim];
    } else if (m instanceof RNNBase) {
      if (shape.length !== 3) saveError(`${describe(s)} needs a sequence [B, T, ${m.inputSize}], the layers before give rank ${shape.length}`);
      feature(s, m.inputSize);
      if (batchFirst !== null && batchFirst !== m.batchFirst) saveError(`${describe(s)} has batchFirst ${m.batchFirst}, an earlier recurrent layer ${batchFirst}: one layout per model`);
      batchFirst = m.batchFirst;
      const last = steps[i + 1]?.m;
      const lastOnly = last instanceof LastStep;
      if (lastOnly) {
        const time = m.batchFirst ? 1 : 0;
        if (last.dim !== time) saveError(`${describe(steps[i + 1]!)} takes dim ${last.dim}, but the time axis of ${describe(s)} is ${time} (batchFirst ${m.batchFirst})`);
        // Keras's return_sequences=False on a Bidirectional takes the backward direction's output
        // at step 0 (its final state), not at the last step: y[T−1] has no Keras twin.
        if (m.bidirectional) saveError(`${describe(steps[i + 1]!)} after the bidirectional ${describe(s)} has no Keras twin (Keras's return_sequences=False takes the backward direction at step 0)`);
        i++;
      }
      layers.push(...(await recurrentLayers(m, base, describe(s), !lastOnly)));
      const width = m.numDirections * m.hiddenSize;
      shape = lastOnly ? [null, width] : [null, shape[1]!, width];
    } else if (m instanceof LastStep) {
      saveError(`${describe(s)} must come right after a recurrent layer (it is Keras's return_sequences=False)`);
    } else if (m instanceof Linear) {
      feature(s, m.inFeatures);
      const weights = [{ name: `${base}/kernel`, shape: [m.inFeatures, m.outFeatures], data: transposeBlocks((await m.weight.data()) as Float32Array, m.outFeatures, m.inFeatures) }];
      if (m.bias) weights.push({ name: `${base}/bias`, shape: [m.outFeatures], data: (await m.bias.data()) as Float32Array });
      one('Dense', { units: m.outFeatures, activation: 'linear', use_bias: m.bias !== null }, weights);
      shape = [...shape.slice(0, -1), m.outFeatures];
    } else if (m instanceof Dropout) {
      one('Dropout', { rate: m.p });
    } else if (m instanceof Flatten) {
      const end = m.endDim < 0 ? m.endDim + shape.length : m.endDim;
      if (m.startDim !== 1 || end !== shape.length - 1) saveError(`${describe(s)} flattens dims ${m.startDim}..${m.endDim}; Keras's Flatten keeps only the batch axis (startDim 1, endDim -1)`);
      if (batchFirst === false && shape.length > 2) saveError(`${describe(s)} over a time-major sequence keeps the time axis; Keras's Flatten keeps the batch axis`);
      if (shape.slice(1).some((d) => d === null)) saveError(`${describe(s)}: Keras's Flatten needs every size known, the input is ${JSON.stringify(shape.slice(1))}: pass { inputShape }`);
      one('Flatten', {});
      shape = [null, (shape.slice(1) as number[]).reduce((a, b) => a * b, 1)];
    } else if (m instanceof LeakyReLU) {
      one('LeakyReLU', { alpha: m.negativeSlope });
    } else {
      const soft = m instanceof Softmax || m instanceof LogSoftmax;
      if (soft && m.dim !== -1 && m.dim !== shape.length - 1) saveError(`${describe(s)} over dim ${m.dim}: Keras's softmax acts on the last axis`);
      one('Activation', { activation: m instanceof Tanh ? 'tanh' : m instanceof ReLU ? 'relu' : m instanceof Sigmoid ? 'sigmoid' : m instanceof Softmax ? 'softmax' : 'logSoftmax' });
    }
  }
  const first = layers[0]!;
  // Where the Keras model's input shape lives in a Sequential: on its first layer.
  first.config = { ...first.config, batch_input_shape: input, dtype: 'float32' };
  return { topology: { class_name: 'Sequential', config: { name: 'sequential', layers: layers.map(({ class_name, config }) => ({ class_name, config })) } }, layers };
}
