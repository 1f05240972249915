// The TF.js layers-model format (model.json): its Keras topology (Sequential or functional
// `Model`, Keras 2 / TF.js config keys in snake_case) and its weights manifest. Parsing turns both
// into checked plain records; a Sequential model becomes the same node list as a functional one.

/** A model.json as TF.js writes it. */
export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Topology;
  weightsManifest: ManifestGroup[];
}
export interface Topology {
  class_name: string;
  config: Record<string, unknown>;
  keras_version?: string;
  backend?: string;
}
export interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export type LayerConfig = Record<string, unknown> & { name: string };
/** One layer of the graph: its class, config, and the tensors it is called on (layer, output index). */
export interface GraphNode {
  className: string;
  config: LayerConfig;
  inputs: TensorRef[];
}
export interface TensorRef {
  layer: string;
  index: number;
}
export interface Graph {
  name: string;
  nodes: GraphNode[]; // in the file's order, which Keras writes topologically
  inputs: TensorRef[];
  outputs: TensorRef[];
}

export const fail = (msg: string): never => {
  throw new Error(`webrnn: loadLayersModel: ${msg}`);
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses model.json text (or an already parsed object) and checks its structure. */
export function parseModelJson(src: string | unknown, where = 'model.json'): ModelJson {
  let v: unknown = src;
  if (typeof src === 'string') {
    try {
      v = JSON.parse(src);
    } catch (e) {
      fail(`${where} is not valid JSON (truncated?): ${(e as Error).message}`);
    }
  }
  if (!isObj(v)) return fail(`${where} must hold a JSON object`);
  if (v.format !== undefined && v.format !== 'layers-model') fail(`${where} has format '${String(v.format)}'; only 'layers-model' is a Keras layers model (graph models are not supported)`);
  const topo = v.modelTopology;
  if (!isObj(topo) || typeof topo.class_name !== 'string' || !isObj(topo.config)) fail(`${where} has no modelTopology with class_name and config`);
  // Keras writes {model_config: {...}} in some files; TF.js writes the topology itself.
  const t = (isObj((topo as Record<string, unknown>).model_config) ? (topo as Record<string, unknown>).model_config : topo) as Topology;
  const manifest = v.weightsManifest ?? [];
  if (!Array.isArray(manifest)) fail(`${where}: weightsManifest must be an array`);
  for (const g of manifest as unknown[]) {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(`${where}: each weightsManifest group needs paths and weights arrays`);
    for (const w of (g as { weights: unknown[] }).weights) {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0) || typeof w.dtype !== 'string') {
        fail(`${where}: a weightsManifest entry needs a name, a shape of non-negative integers and a dtype: ${JSON.stringify(w).slice(0, 120)}`);
      }
    }
  }
  return { ...(v as object), modelTopology: t, weightsManifest: manifest as ManifestGroup[] } as ModelJson;
}

const refOf = (r: unknown, where: string): TensorRef => {
  // [layer, nodeIndex, tensorIndex, kwargs?]
  if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2])) {
    return fail(`${where}: an inbound tensor must be [layer, node, index, kwargs], got ${JSON.stringify(r).slice(0, 80)}`);
  }
  if (r[1] !== 0) fail(`${where}: refers to call ${r[1]} of layer '${r[0]}': shared layers (called more than once) are not supported`);
  if (isObj(r[3]) && Object.keys(r[3]).length) fail(`${where}: call arguments ${JSON.stringify(r[3])} are not supported`);
  return { layer: r[0], index: r[2] };
};

/** The layer graph of a Sequential or functional topology. */
export function graphOf(t: Topology): Graph {
  const cfg = t.config;
  if (t.class_name === 'Sequential') {
    const layers = (Array.isArray(cfg) ? cfg : cfg.layers) as unknown;
    if (!Array.isArray(layers) || layers.length === 0) fail('the Sequential model has no layers');
    const nodes: GraphNode[] = [];
    let prev: TensorRef | null = null;
    let input: TensorRef | null = null;
    (layers as unknown[]).forEach((item, i) => {
      if (!isObj(item) || typeof item.class_name !== 'string' || !isObj(item.config)) fail(`Sequential layer ${i} needs class_name and config`);
      const l = item as { class_name: string; config: Record<string, unknown> };
      const c = l.config;
      const config = { ...c, name: typeof c.name === 'string' ? c.name : `layer_${i}` } as LayerConfig;
      if (!prev) {
        // The first layer carries the input shape, or is an InputLayer itself.
        if (l.class_name !== 'InputLayer') {
          const shape = c.batch_input_shape ?? (Array.isArray(c.input_shape) ? [null, ...(c.input_shape as unknown[])] : undefined);
          nodes.push({ className: 'InputLayer', config: { name: `${config.name}_input`, batch_input_shape: shape, dtype: c.dtype }, inputs: [] });
          prev = { layer: `${config.name}_input`, index: 0 };
        }
        input = prev ?? { layer: config.name, index: 0 };
      }
      nodes.push({ className: l.class_name, config, inputs: prev ? [prev] : [] });
      prev = { layer: config.name, index: 0 };
    });
    return { name: String(cfg.name ?? 'sequential'), nodes, inputs: [input!], outputs: [prev!] };
  }
  if (t.class_name !== 'Model' && t.class_name !== 'Functional') fail(`model class '${t.class_name}' is not supported (Sequential, Model or Functional)`);
  const layers = cfg.layers;
  if (!Array.isArray(layers)) return fail(`the ${t.class_name} topology has no layers array`);
  const nodes = layers.map((l: unknown, i): GraphNode => {
    if (!isObj(l) || typeof l.class_name !== 'string' || !isObj(l.config) || !Array.isArray(l.inbound_nodes)) {
      return fail(`layer ${i} of the functional model needs class_name, config and inbound_nodes`);
    }
    const name = typeof l.name === 'string' ? l.name : String((l.config as Record<string, unknown>).name);
    const where = `layer '${name}' (${l.class_name})`;
    const calls = l.inbound_nodes as unknown[];
    if (calls.length > 1) fail(`${where} is called ${calls.length} times: shared layers are not supported`);
    const inbound = calls.length ? calls[0] : [];
    if (!Array.isArray(inbound)) return fail(`${where}: inbound_nodes must be lists of [layer, node, index, kwargs] (Keras 2 / TF.js format)`);
    return { className: l.class_name as string, config: { ...(l.config as object), name } as LayerConfig, inputs: inbound.map((r) => refOf(r, where)) };
  });
  const refs = (v: unknown, what: string) => {
    if (!Array.isArray(v) || v.length === 0) return fail(`the functional model has no ${what}`);
    // A single [name, 0, 0] or a list of them.
    const list = typeof v[0] === 'string' ? [v] : v;
    return list.map((r) => refOf(r, what));
  };
  return { name: String(cfg.name ?? 'model'), nodes, inputs: refs(cfg.input_layers, 'input_layers'), outputs: refs(cfg.output_layers, 'output_layers') };
}
