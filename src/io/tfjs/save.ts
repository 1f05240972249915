// saveLayersModel: a model back to the TF.js layers format, float32, one shard — what
// tf.loadLayersModel reads. An imported model keeps its topology as it came, with its current
// (fine-tuned) weights in Keras's layout; a native one (nn.Sequential, see export.ts) gets a Keras
// Sequential topology. In Node a path writes model.json and weights.bin (atomically, after every
// check passed); 'indexeddb://name' and 'downloads://name' go to browser_storage.ts. The artifacts
// come back too.
import { Module } from '../../nn/module.js';
import { saveToStorage, storageScheme } from '../browser_storage.js';
import { isNode, writeFileAtomic } from '../fs.js';
import { nativeLayers, type SaveOptions } from './export.js';
import type { ModelJson, Topology, WeightSpec } from './format.js';
import { LayersModel } from './model.js';
import { checkOptions } from '../../util/options.js';

export type { SaveOptions } from './export.js';

/** A model as TF.js saves it: the model.json object and its one weight shard. */
export interface SavedLayersModel {
  modelJson: ModelJson;
  /** The one weight shard the manifest names (`weights.bin`). */
  weights: Uint8Array<ArrayBuffer>;
}

export const WEIGHTS_FILE = 'weights.bin';

/** The weights of an imported model, in its manifest's names and order. */
async function importedWeights(model: LayersModel): Promise<{ specs: WeightSpec[]; parts: Float32Array[] }> {
  const specs: WeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (const { node, plan, weights } of model.plan.order) {
    if (!plan) continue;
    const values = await model.layer(node.config.name).kerasWeights();
    for (const [key, shape] of Object.entries(plan.weights)) {
      specs.push({ name: weights[key]![0], shape, dtype: 'float32' });
      parts.push(values[key]!);
    }
  }
  return { specs, parts };
}

/**
 * Writes `model` in the TF.js layers format: model.json + weights.bin into the folder `target` (or
 * next to a target ending in `.json`, under that name) in Node, or to 'indexeddb://name' /
 * 'downloads://name' in the browser (as TF.js's model.save()); returns the JSON and the shard
 * either way. `model` is a LayersModel from loadLayersModel, or a model webrnn built: an
 * nn.Sequential of nn.Embedding, nn.RNN / nn.LSTM / nn.GRU (resetAfter: false; multi-layer and
 * bidirectional), nn.LastStep (Keras's return_sequences=False), nn.Linear, nn.Dropout, nn.Tanh,
 * nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Softmax, nn.LogSoftmax, nn.Flatten, or one such module.
 * The saved model is batch first ([B, T, …]) even where the native recurrent layers are
 * time-major. Anything else is refused with a named error before any file is written.
 */
export async function saveLayersModel(model: LayersModel | Module, target?: string, options: SaveOptions = {}): Promise<SavedLayersModel> {
  checkOptions('saveLayersModel', options, { inputShape: (v) => (Array.isArray(v) ? null : 'an array of sizes (null: any)') });
  if (target !== undefined && typeof target !== 'string') throw new Error(`webrnn: saveLayersModel: target must be a path string, got ${typeof target}`);
  if (target !== undefined && !isNode() && !storageScheme(target)) throw new Error("webrnn: saveLayersModel: a target path works only in Node; in the browser save to 'indexeddb://name' or 'downloads://name', or use the returned { modelJson, weights }");
  let modelTopology: Topology;
  let specs: WeightSpec[];
  let parts: Float32Array[];
  if (model instanceof LayersModel) {
    if (options.inputShape !== undefined) throw new Error("webrnn: saveLayersModel: option inputShape is for native models; a LayersModel keeps its model's input shape");
    modelTopology = model.json.modelTopology;
    ({ specs, parts } = await importedWeights(model));
  } else if (model instanceof Module) {
    const { topology, layers } = await nativeLayers(model, options);
    modelTopology = topology;
    const all = layers.flatMap((l) => l.weights);
    specs = all.map(({ name, shape }) => ({ name, shape, dtype: 'float32' }));
    parts = all.map((w) => w.data);
  } else {
    throw new Error('webrnn: saveLayersModel: the model must be a LayersModel (from loadLayersModel) or a webrnn module (nn.Sequential, …)');
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const modelJson: ModelJson = {
    format: 'layers-model',
    generatedBy: 'webrnn',
    convertedBy: null,
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  if (target !== undefined && storageScheme(target)) await saveToStorage(target, { format: 'layers-model', modelJson, weights: bytes }, 'saveLayersModel');
  else if (target !== undefined) {
    const jsonPath = target.endsWith('.json') ? target : `${target.replace(/\/$/, '')}/model.json`;
    const dir = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
    // Each file appears whole or not at all (temp file + rename); model.json last, so a reader
    // that finds it finds its weights.
    for (const [path, data] of [[dir + WEIGHTS_FILE, bytes], [jsonPath, new TextEncoder().encode(JSON.stringify(modelJson))]] as const) {
      await writeFileAtomic(path, data).catch((e: Error) => {
        throw new Error(`webrnn: saveLayersModel: cannot write '${path}': ${e.message}`);
      });
    }
  }
  return { modelJson, weights: bytes };
}
