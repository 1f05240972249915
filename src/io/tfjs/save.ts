// saveLayersModel: an imported model back to the TF.js layers format, its topology as it came and
// its current (fine-tuned) weights in Keras's layout, float32, one shard — what tf.loadLayersModel
// reads. In Node a path writes model.json and weights.bin (atomically); the artifacts come back too.
import { saveToStorage, storageScheme } from '../browser_storage.js';
import { isNode, writeFileAtomic } from '../fs.js';
import type { ModelJson, WeightSpec } from './format.js';
import { LayersModel } from './model.js';

/** A model as TF.js saves it: the model.json object and its one weight shard. */
export interface SavedLayersModel {
  modelJson: ModelJson;
  /** The one weight shard the manifest names (`weights.bin`). */
  weights: Uint8Array<ArrayBuffer>;
}

export const WEIGHTS_FILE = 'weights.bin';

/** Writes `model` as model.json + weights.bin into the folder `target` (or next to a target ending
 *  in `.json`, under that name) in Node, or to 'indexeddb://name' / 'downloads://name' in the
 *  browser (browser_storage.ts); returns the JSON and the shard either way. */
export async function saveLayersModel(model: LayersModel, target?: string): Promise<SavedLayersModel> {
  if (!(model instanceof LayersModel)) throw new Error('webrnn: saveLayersModel: the model must be a LayersModel (from loadLayersModel)');
  const specs: WeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (const { node, plan, weights } of model.plan.order) {
    if (!plan) continue;
    const values = await model.layer(node.config.name).kerasWeights();
    for (const [key, shape] of Object.entries(plan.weights)) {
      const name = weights[key]![0];
      specs.push({ name, shape, dtype: 'float32' });
      parts.push(values[key]!);
    }
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const { modelTopology } = model.json;
  const modelJson: ModelJson = {
    format: 'layers-model',
    generatedBy: 'webrnn',
    convertedBy: null,
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  if (target !== undefined && storageScheme(target)) await saveToStorage(target, { format: 'layers-model', modelJson, weights: bytes }, 'saveLayersModel');
  else if (target !== undefined) {
    if (!isNode()) throw new Error('webrnn: saveLayersModel: a target path works only in Node; in the browser use the returned { modelJson, weights }');
    const jsonPath = target.endsWith('.json') ? target : `${target.replace(/\/$/, '')}/model.json`;
    const dir = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
    await writeFileAtomic(dir + WEIGHTS_FILE, bytes);
    await writeFileAtomic(jsonPath, new TextEncoder().encode(JSON.stringify(modelJson)));
  }
  return { modelJson, weights: bytes };
}
