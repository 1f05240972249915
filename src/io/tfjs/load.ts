// loadLayersModel(source): the sources a TF.js layers model comes from (a model.json path in Node,
// a URL, File/Blob objects, or the JSON and weight bytes in memory), read in full and checked on
// the host before any GPU buffer is made; or 'indexeddb://name' (saveLayersModel's entry).
import { loadFromStorage, storageScheme } from '../browser_storage.js';
import { locate, readAddress } from '../source.js';
import { fail, parseModelJson, type ModelJson } from './format.js';
import { LayersModel } from './model.js';
import { planModel } from './plan.js';
import { decodeWeights, groupBytes, manifestPaths } from './weights.js';

type Bytes = ArrayBuffer | Uint8Array;
/** A browser File (or any named Blob). */
export interface NamedBlob {
  name: string;
  /** The file's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A model in memory: the model.json (text or parsed) and the weights, as the concatenation of
 *  every shard in manifest order, a list of shards in that order, or shards by their manifest path. */
export interface LayersModelArtifacts {
  modelJson: string | object;
  weights?: Bytes | Bytes[] | Record<string, Bytes>;
}

/** What loadLayersModel() reads: a model.json URL or (Node) path, 'indexeddb://name', the artifacts in memory, or the browser Files of a model.json and its weight shards. */
export type LayersModelSource = string | URL | LayersModelArtifacts | NamedBlob[];

const u8 = (b: Bytes): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** The shard bytes by path, for artifacts in memory. */
function shardsInMemory(json: ModelJson, weights: LayersModelArtifacts['weights']): Map<string, Uint8Array> {
  const paths = manifestPaths(json.weightsManifest);
  const map = new Map<string, Uint8Array>();
  if (weights === undefined) return map;
  if (weights instanceof ArrayBuffer || weights instanceof Uint8Array) {
    // Every shard in one buffer: each group takes the bytes its weights need.
    let at = 0;
    const all = u8(weights);
    for (const g of json.weightsManifest) {
      const need = groupBytes(g);
      g.paths.forEach((p, i) => map.set(p, i === 0 ? all.subarray(at, Math.min(at + need, all.length)) : new Uint8Array(0)));
      at += need;
    }
    if (at !== all.length) fail(`the weight bytes hold ${all.length} bytes, the manifest needs ${at}`);
    return map;
  }
  if (Array.isArray(weights)) {
    if (weights.length !== paths.length) fail(`${weights.length} weight shards given, the manifest lists ${paths.length}`);
    paths.forEach((p, i) => map.set(p, u8(weights[i]!)));
    return map;
  }
  for (const [p, b] of Object.entries(weights)) map.set(p, u8(b));
  return map;
}

/** Reads, checks and builds a TF.js / Keras layers model as a webrnn module (see LayersModel). */
export async function loadLayersModel(source: LayersModelSource): Promise<LayersModel> {
  let json: ModelJson;
  let shards: Map<string, Uint8Array>;
  if (Array.isArray(source)) {
    const files = new Map(source.map((f) => [f.name, f]));
    const main = files.get('model.json') ?? source.find((f) => f.name.endsWith('.json')) ?? fail('the files include no model.json');
    json = parseModelJson(new TextDecoder().decode(await main.arrayBuffer()), main.name);
    shards = new Map();
    for (const p of manifestPaths(json.weightsManifest)) {
      const f = files.get(p) ?? files.get(p.split('/').pop()!) ?? fail(`weight shard '${p}' is missing from the files`);
      shards.set(p, new Uint8Array(await f.arrayBuffer()));
    }
  } else if (typeof source === 'string' && storageScheme(source)) {
    const entry = await loadFromStorage(source, 'loadLayersModel');
    if (entry.format !== 'layers-model') fail(`'${source}' holds safetensors weights, not a layers model: load it with loadSafetensors or loadCheckpoint`);
    const { modelJson, weights } = entry as { modelJson: object; weights: Uint8Array };
    json = parseModelJson(modelJson, source);
    shards = shardsInMemory(json, weights);
  } else if (typeof source === 'string' || source instanceof URL) {
    const at = locate(source);
    const where = 'url' in at ? at.url : at.path;
    const read = (p: string) => readAddress(p, 'loadLayersModel');
    json = parseModelJson(new TextDecoder().decode(await read(where)), where);
    shards = new Map();
    const base = 'url' in at ? new URL(where, globalThis.location?.href) : null;
    const dir = where.slice(0, where.lastIndexOf('/') + 1);
    for (const p of manifestPaths(json.weightsManifest)) shards.set(p, await read(base ? new URL(p, base).href : dir + p));
  } else if (typeof source === 'object' && source !== null && 'modelJson' in source) {
    json = parseModelJson(source.modelJson);
    shards = shardsInMemory(json, source.weights);
  } else {
    return fail("source must be a model.json path or URL, 'indexeddb://name', File objects, or { modelJson, weights }");
  }
  const plan = planModel(json, decodeWeights(json.weightsManifest, shards));
  return new LayersModel(plan, json);
}
