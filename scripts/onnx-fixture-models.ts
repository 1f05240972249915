// The ONNX test models of test/fixtures/onnx, built with webrnn's ONNX encoder (src/io/onnx/proto.ts).
// Each case is a model plus the inputs it is run on; scripts/onnx-fixtures.ts runs them with ONNX
// Runtime and writes the files.
import { DataType, graph, int64Tensor, model, node, tensor, valueInfo, type AttributeValue, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../src/io/onnx/proto.js';

/** A feed: float32 or int (int32 for webrnn, written as `dtype` for ORT). */
export interface Feed {
  dtype: 'float32' | 'int32' | 'int64';
  dims: number[];
  data: number[];
}
export interface Case {
  name: string;
  model: ModelProto;
  feeds: Record<string, Feed>;
  /** Set when ONNX Runtime cannot run the model itself: the expected outputs come from `twin`
   *  (the same function in a form ORT runs) with feeds and outputs mapped by the functions. */
  twin?: { model: ModelProto; feeds: (f: Record<string, Feed>) => Record<string, Feed>; outputs: (o: Record<string, Feed>) => Record<string, Feed> };
}

let seed = 12345;
/** Deterministic uniform values in [lo, hi) (mulberry32). */
export function rand(n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  });
}
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const f32 = (name: string, dims: number[], scale = 0.5) => tensor(name, new Float32Array(rand(size(dims), -scale, scale)), dims);
const floatFeed = (dims: number[]): Feed => ({ dtype: 'float32', dims, data: rand(size(dims)) });
const fin = (name: string, dims: (number | string)[]) => valueInfo(name, DataType.FLOAT, dims);
const fout = (name: string) => valueInfo(name, DataType.FLOAT, []);

function make(name: string, nodes: NodeProto[], inputs: ValueInfoProto[], outputs: string[], inits: TensorProto[], feeds: Record<string, Feed>, opset = 17): Case {
  const g = graph({ name, nodes, inputs, outputs: outputs.map(fout), initializers: inits });
  // ORT checks declared output shapes; an empty shape list would claim rank 0, so declare none.
  for (const o of g.output!) delete o.type!.tensorType!.shape;
  return { name, model: model(g, { opset }), feeds };
}

/** Transposes the first two dims of a host feed (time-major ↔ batch-major). */
function swap01(f: Feed): Feed {
  const [a, b, ...rest] = f.dims as [number, number, ...number[]];
  const inner = size(rest);
  const data: number[] = [];
  for (let j = 0; j < b; j++) for (let i = 0; i < a; i++) data.push(...f.data.slice((i * b + j) * inner, (i * b + j + 1) * inner));
  return { ...f, dims: [b, a, ...rest], data };
}
/** ONNX Y [T, D, B, H] ↔ layout 1's [B, T, D, H]. */
function yToLayout1(f: Feed): Feed {
  const [T, D, B, H] = f.dims as [number, number, number, number];
  const data: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data.push(...f.data.slice(((t * D + d) * B + b) * H, ((t * D + d) * B + b + 1) * H));
  return { ...f, dims: [B, T, D, H], data };
}

export interface RnnOptions {
  op: 'LSTM' | 'GRU' | 'RNN';
  direction: 'forward' | 'reverse' | 'bidirectional';
  layout?: 0 | 1;
  lbr?: 0 | 1;
  lens?: boolean;
  states?: boolean;
  bias?: boolean;
  relu?: boolean;
  /** HardSigmoid gates (LSTM, GRU): with ONNX's default alpha/beta, or with them written out. */
  hard?: 'default' | 'explicit';
}

/** One recurrent node over fixed-size random data: T 5, B 3, I 4, H 6. */
export function rnnCase(o: RnnOptions): Case {
  const [T, B, I, H] = [5, 3, 4, 6];
  const D = o.direction === 'bidirectional' ? 2 : 1;
  const G = { LSTM: 4, GRU: 3, RNN: 1 }[o.op];
  const layout = o.layout ?? 0;
  const name = [o.op.toLowerCase(), o.direction, `layout${layout}`, o.lbr !== undefined ? `lbr${o.lbr}` : '', o.lens ? 'lens' : '', o.states ? 'states' : '', o.bias === false ? 'nobias' : '', o.relu ? 'relu' : '', o.hard ? `hardsigmoid_${o.hard}` : ''].filter(Boolean).join('_');
  const inits = [f32('W', [D, G * H, I]), f32('R', [D, G * H, H])];
  if (o.bias !== false) inits.push(f32('B', [D, 2 * G * H]));
  const inputs = [fin('X', layout ? [B, T, I] : [T, B, I])];
  const feeds: Record<string, Feed> = { X: floatFeed(layout ? [B, T, I] : [T, B, I]) };
  if (o.lens) {
    inputs.push(valueInfo('lens', DataType.INT32, [B]));
    feeds.lens = { dtype: 'int32', dims: [B], data: [T, 2, 4].slice(0, B) };
  }
  const stateNames = o.op === 'LSTM' ? ['h0', 'c0'] : ['h0'];
  if (o.states) {
    for (const s of stateNames) {
      inputs.push(fin(s, layout ? [B, D, H] : [D, B, H]));
      feeds[s] = floatFeed(layout ? [B, D, H] : [D, B, H]);
    }
  }
  const attrs: Record<string, AttributeValue> = { hidden_size: H, direction: o.direction };
  if (layout) attrs.layout = 1;
  if (o.lbr !== undefined) attrs.linear_before_reset = o.lbr;
  if (o.relu) attrs.activations = { strings: Array(D).fill('Relu') };
  if (o.hard) attrs.activations = { strings: Array(D).fill(o.op === 'LSTM' ? ['HardSigmoid', 'Tanh', 'Tanh'] : ['HardSigmoid', 'Tanh']).flat() };
  if (o.hard === 'explicit') Object.assign(attrs, { activation_alpha: { floats: Array(D).fill(0.2) }, activation_beta: { floats: Array(D).fill(0.5) } });
  const ins = ['X', 'W', 'R', o.bias !== false ? 'B' : '', o.lens ? 'lens' : '', o.states ? 'h0' : ''];
  if (o.op === 'LSTM' && o.states) ins.push('c0');
  const outs = o.op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  const c = make(name, [node(o.op, ins, outs, attrs, o.op.toLowerCase())], inputs, outs, inits, feeds);
  if (layout === 1) {
    // ONNX Runtime's CPU recurrent kernels take layout 0 only: the twin is the same node in
    // layout 0, fed the transposed inputs; its outputs are transposed back.
    const twin = rnnCase({ ...o, layout: 0 });
    twin.model.graph!.initializer = c.model.graph!.initializer;
    c.twin = {
      model: twin.model,
      feeds: (f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, k === 'lens' ? v : swap01(v)])),
      outputs: (out) => Object.fromEntries(Object.entries(out).map(([k, v]) => [k, k === 'Y' ? yToLayout1(v) : swap01(v)])),
    };
  }
  return c;
}

export { make, f32, floatFeed, fin, int64Tensor };
