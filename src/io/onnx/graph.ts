// An ONNX model read into a checked plan on the host, before any GPU buffer is made: initializers
// decoded and checked against their dims, every node's operator known (all unknown ones listed
// together), every value read after it is written, and the graph's inputs with their declared types.
import { AttributeType, decodeModel, type AttributeProto, type NodeProto, type ValueInfoProto } from './proto.js';
import { dims, dtypeOf, fail, fromProto, type Host } from './values.js';

/** A node's attributes by name, with typed getters that name the node in their errors. */
export class Attrs {
  private readonly map = new Map<string, AttributeProto>();
  constructor(readonly node: OnnxNode, list: readonly AttributeProto[]) {
    for (const a of list) this.map.set(a.name ?? '', a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  private get(name: string, types: number[], what: string): AttributeProto | undefined {
    const a = this.map.get(name);
    if (a && a.type !== undefined && a.type !== AttributeType.UNDEFINED && !types.includes(a.type)) fail(`${this.node.label}: attribute ${name} must be ${what} (type ${a.type})`);
    return a;
  }
  int(name: string, dflt?: number): number {
    const v = this.get(name, [AttributeType.INT], 'an int')?.i ?? dflt;
    return v === undefined ? fail(`${this.node.label}: attribute ${name} is required`) : Number(v);
  }
  float(name: string, dflt: number): number {
    return this.get(name, [AttributeType.FLOAT], 'a float')?.f ?? dflt;
  }
  str(name: string, dflt?: string): string {
    const s = this.get(name, [AttributeType.STRING], 'a string')?.s;
    if (s === undefined) return dflt ?? fail(`${this.node.label}: attribute ${name} is required`);
    return new TextDecoder().decode(s);
  }
  ints(name: string): number[] | undefined {
    return this.get(name, [AttributeType.INTS], 'a list of ints')?.ints?.map(Number);
  }
  floats(name: string): number[] | undefined {
    return this.get(name, [AttributeType.FLOATS], 'a list of floats')?.floats;
  }
  strs(name: string): string[] | undefined {
    return this.get(name, [AttributeType.STRINGS], 'a list of strings')?.strings?.map((s) => new TextDecoder().decode(s));
  }
  tensor(name: string): Host | undefined {
    const t = this.get(name, [AttributeType.TENSOR], 'a tensor')?.t;
    return t && fromProto(t, `${this.node.label}: attribute ${name}`);
  }
}

export interface OnnxNode {
  op: string;
  name: string;
  /** "node 'name' (Op)", for errors. */
  label: string;
  inputs: string[]; // '' for an omitted optional input
  outputs: string[];
  attrs: Attrs;
}

export interface GraphInput {
  name: string;
  dtype: Host['dtype'];
  /** Declared dims; null where symbolic or absent. */
  shape: (number | null)[] | null;
}

export interface OnnxPlan {
  name: string;
  opset: number;
  producer: string;
  nodes: OnnxNode[];
  initializers: Map<string, Host>;
  inputs: GraphInput[];
  outputs: string[];
}

function graphInput(v: ValueInfoProto): GraphInput {
  const name = v.name ?? '';
  const tt = v.type?.tensorType;
  if (!tt) fail(`graph input '${name}' is not a tensor`);
  const dtype = dtypeOf(tt!.elemType ?? 0) ?? fail(`graph input '${name}' has element type ${tt!.elemType}, which webrnn does not take`);
  const shape = tt!.shape ? (tt!.shape.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : null)) : null;
  return { name, dtype, shape };
}

/** Decodes and checks an ONNX file; `supported` says which operators exist. */
export function planOnnx(bytes: Uint8Array, supported: (op: string) => boolean): OnnxPlan {
  const m = decodeModel(bytes);
  const g = m.graph ?? fail('the file holds no graph (not an ONNX model?)');
  const opset = m.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) fail('the model imports no version of the default ONNX operator set');
  const initializers = new Map<string, Host>();
  for (const t of g.initializer ?? []) {
    if (!t.name) fail('an initializer has no name');
    initializers.set(t.name!, fromProto(t, `initializer '${t.name}'`));
  }
  const nodes: OnnxNode[] = (g.node ?? []).map((n: NodeProto, i) => {
    const op = n.opType ?? '';
    const name = n.name || `#${i}`;
    const node = { op, name, label: `node '${name}' (${op})`, inputs: n.input ?? [], outputs: n.output ?? [] } as OnnxNode;
    node.attrs = new Attrs(node, n.attribute ?? []);
    if (n.domain && n.domain !== 'ai.onnx') node.op = `${n.domain}.${op}`;
    node.label = `node '${name}' (${node.op})`;
    return node;
  });
  const unknown = nodes.filter((n) => !supported(n.op));
  if (unknown.length) {
    fail(`unsupported operator${unknown.length > 1 ? 's' : ''}: ${unknown.map((n) => n.label).join(', ')}`);
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(graphInput);
  const known = new Set<string>([...initializers.keys(), ...inputs.map((i) => i.name), '']);
  for (const n of nodes) {
    for (const i of n.inputs) if (!known.has(i)) fail(`${n.label} reads '${i}', which no input, initializer or earlier node gives (the nodes must be in topological order)`);
    for (const o of n.outputs) known.add(o);
  }
  const outputs = (g.output ?? []).map((o) => o.name ?? '');
  if (!outputs.length) fail('the graph has no outputs');
  for (const o of outputs) if (!known.has(o) || !o) fail(`graph output '${o}' is produced by no node, input or initializer`);
  return { name: g.name ?? 'onnx', opset: Number(opset), producer: m.producerName ?? '', nodes, initializers, inputs, outputs };
}

/** Checks a feed's shape against its declared dims. */
export function checkFeedShape(inp: GraphInput, shape: readonly number[]): void {
  if (!inp.shape) return;
  if (inp.shape.length !== shape.length || inp.shape.some((d, i) => d !== null && d !== shape[i])) {
    fail(`input '${inp.name}' ${dims(shape)} does not fit its declared shape [${inp.shape.map((d) => d ?? '?').join(', ')}]`);
  }
}
