// Planning a whole model on the host: every layer's config checked against its inputs' shapes, the
// graph ordered and checked to be a DAG, and every manifest weight matched to a layer with the
// shape the topology implies. Nothing here touches the GPU, so a model that fails to load leaves
// nothing allocated.
import { CORE_LAYERS } from './core.js';
import { fail, graphOf, type Graph, type GraphNode, type ModelJson, type TensorRef } from './format.js';
import { reader, type Plan, type PlanFn, type SymShape, type SymTensor } from './layer.js';
import { planBidirectional, planRecurrent } from './recurrent.js';
import type { HostWeight } from './weights.js';

const LAYERS: Record<string, PlanFn> = {
  ...CORE_LAYERS,
  LSTM: planRecurrent('LSTM'),
  GRU: planRecurrent('GRU'),
  SimpleRNN: planRecurrent('SimpleRNN'),
  Bidirectional: planBidirectional,
};

/** Which input a mask comes from and how: Masking(mask_value) on features, or Embedding(mask_zero). */
export interface MaskRule {
  input: number;
  kind: 'value' | 'zero';
  value: number;
}

export interface PlannedLayer {
  node: GraphNode;
  plan: Plan | null; // null for InputLayer
  /** key → [manifest name, weight] */
  weights: Record<string, [string, HostWeight]>;
}

export interface ModelPlan {
  graph: Graph;
  order: PlannedLayer[]; // topological
  inputShapes: SymShape[];
  mask: MaskRule | null;
}

const where = (n: GraphNode) => `layer '${n.config.name}' (${n.className})`;

/** The manifest key of a weight inside its layer: `kernel`, or `forward/kernel` in Bidirectional. */
function keyOf(rest: string, bidirectional: boolean, name: string): string {
  const parts = rest.replace(/:\d+$/, '').split('/');
  const leaf = parts[parts.length - 1]!;
  if (!bidirectional) return leaf;
  const dir = parts[0]!.startsWith('forward') ? 'forward/' : parts[0]!.startsWith('backward') ? 'backward/' : fail(`weight '${name}' belongs to neither direction of its Bidirectional layer`);
  return dir + leaf;
}

function topoOrder(graph: Graph): GraphNode[] {
  const byName = new Map<string, GraphNode>();
  for (const n of graph.nodes) {
    if (byName.has(n.config.name)) fail(`two layers are named '${n.config.name}'`);
    byName.set(n.config.name, n);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const order: GraphNode[] = [];
  const visit = (n: GraphNode) => {
    const s = state.get(n.config.name);
    if (s === 'done') return;
    if (s === 'visiting') fail(`the layer graph has a cycle through '${n.config.name}'`);
    state.set(n.config.name, 'visiting');
    for (const r of n.inputs) visit(byName.get(r.layer) ?? fail(`${where(n)} takes the output of an unknown layer '${r.layer}'`));
    state.set(n.config.name, 'done');
    order.push(n);
  };
  for (const r of [...graph.outputs, ...graph.inputs]) visit(byName.get(r.layer) ?? fail(`the model's inputs or outputs name an unknown layer '${r.layer}'`));
  return order;
}

/** Checks the whole model and matches its weights; throws a `webrnn:` error naming the problem. */
export function planModel(json: ModelJson, weights: Map<string, HostWeight>): ModelPlan {
  const graph = graphOf(json.modelTopology);
  const nodes = topoOrder(graph);
  // Refuse every unsupported layer up front, naming each.
  const unknown = graph.nodes.filter((n) => n.className !== 'InputLayer' && !(n.className in LAYERS));
  if (unknown.length) fail(`unsupported layer${unknown.length > 1 ? 's' : ''}: ${unknown.map(where).join(', ')}`);

  const tensors = new Map<string, SymTensor[]>();
  const inputNames = graph.inputs.map((r) => r.layer);
  const inputShapes: SymShape[] = [];
  const order: PlannedLayer[] = [];
  const used = new Set<string>();
  const manifestNames = [...weights.keys()];
  for (const n of nodes) {
    const w = where(n);
    const ins = n.inputs.map((r: TensorRef) => {
      const outs = tensors.get(r.layer)!;
      return outs[r.index] ?? fail(`${w} takes output ${r.index} of '${r.layer}', which has ${outs.length}`);
    });
    if (n.className === 'InputLayer') {
      const r = reader(n.config, w);
      r.refuse('sparse', [false, null]);
      r.refuse('ragged', [false, null]);
      const shape = n.config.batch_input_shape ?? n.config.batch_shape;
      if (!Array.isArray(shape) || shape.length < 2 || !shape.every((d) => d === null || (Number.isInteger(d) && d > 0))) fail(`${w}: batch_input_shape ${JSON.stringify(shape)} must be [null, ...sizes]`);
      if (!inputNames.includes(n.config.name)) fail(`${w} is not one of the model's inputs`);
      tensors.set(n.config.name, [{ shape: [null, ...(shape as SymShape).slice(1)], masked: false }]);
      order.push({ node: n, plan: null, weights: {} });
      continue;
    }
    const plan = LAYERS[n.className]!(n.config, ins, w);
    const prefix = `${n.config.name}/`;
    const mine: Record<string, [string, HostWeight]> = {};
    for (const name of manifestNames) {
      if (!name.startsWith(prefix)) continue;
      const key = keyOf(name.slice(prefix.length), n.className === 'Bidirectional', name);
      if (mine[key]) fail(`${w}: weights '${mine[key][0]}' and '${name}' both give its ${key}`);
      mine[key] = [name, weights.get(name)!];
      used.add(name);
    }
    for (const [key, shape] of Object.entries(plan.weights)) {
      const got = mine[key];
      if (!got) fail(`${w}: its weight '${prefix}${key}' ${JSON.stringify(shape)} is not in the weights manifest`);
      if (got[1].shape.join() !== shape.join()) fail(`${w}: weight '${got[0]}' has shape ${JSON.stringify(got[1].shape)}, the topology implies ${JSON.stringify(shape)}`);
    }
    for (const key of Object.keys(mine)) if (!(key in plan.weights)) fail(`${w}: weight '${mine[key]![0]}' is not one this layer has`);
    tensors.set(n.config.name, plan.outputs);
    order.push({ node: n, plan, weights: mine });
  }
  const stray = manifestNames.filter((n) => !used.has(n));
  if (stray.length) fail(`weights ${stray.map((s) => `'${s}'`).join(', ')} belong to no layer of the model`);
  for (const r of graph.inputs) {
    const n = nodes.find((x) => x.config.name === r.layer)!;
    if (n.className !== 'InputLayer') fail(`the model input '${r.layer}' is a ${n.className}, not an InputLayer`);
    inputShapes.push(tensors.get(r.layer)![0]!.shape);
  }
  for (const r of graph.outputs) if (!tensors.get(r.layer)![r.index]) fail(`the model output names output ${r.index} of '${r.layer}', which does not exist`);
  return { graph, order, inputShapes, mask: maskRule(graph, order) };
}

/** Masks are supported where they start right at a model input (Masking or Embedding(mask_zero)). */
function maskRule(graph: Graph, order: PlannedLayer[]): MaskRule | null {
  const sources = order.filter(({ node: n }) => n.className === 'Masking' || (n.className === 'Embedding' && n.config.mask_zero === true));
  if (sources.length === 0) return null;
  if (sources.length > 1) fail(`more than one mask source (${sources.map((s) => where(s.node)).join(', ')}) is not supported`);
  const n = sources[0]!.node;
  const input = graph.inputs.findIndex((r) => r.layer === n.inputs[0]?.layer);
  if (input < 0) fail(`${where(n)}: a mask is supported only on a model input directly`);
  return n.className === 'Masking' ? { input, kind: 'value', value: (n.config.mask_value as number | undefined) ?? 0 } : { input, kind: 'zero', value: 0 };
}
