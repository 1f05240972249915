// A workload as an ONNX model, built in memory from webrnn's weights for ONNX Runtime: the LSTM /
// GRU stack as ONNX LSTM / GRU nodes (one direction, zero initial state) and the Linear head as a
// Gemm. ONNX's gate blocks are i, o, f, c (LSTM) and z, r, h (GRU, linear_before_reset = 1 is
// PyTorch's reset-after form) against PyTorch's i, f, g, o and r, z, n; its one bias input is
// [Wb, Rb], the two PyTorch biases side by side.
import { DataType, encodeModel, graph, int64Tensor, model, node, tensor, valueInfo, type AttributeValue, type NodeProto, type TensorProto } from '../src/io/onnx/proto.js';
import { GATES, type Cell, type SharedWeights, type Workload } from './workloads.js';

/** ONNX gate block j is PyTorch block ONNX_GATE_ORDER[cell][j]. */
export const ONNX_GATE_ORDER: Record<Cell, readonly number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2] };

/** Reorders the gate blocks of rows ([G·H, K] row-major, or a [G·H] bias with K = 1): block j of
 *  the result is block order[j] of `v`. */
export function reorderGateRows(v: Float32Array, H: number, K: number, order: readonly number[]): Float32Array {
  const block = H * K;
  if (v.length !== order.length * block) throw new Error(`bench: reorderGateRows: ${v.length} values, expected ${order.length}·${H}·${K}`);
  const out = new Float32Array(v.length);
  order.forEach((from, j) => out.set(v.subarray(from * block, (from + 1) * block), j * block));
  return out;
}

/** The graph's input and output names; input X is [T, B, I] (time-major, as webrnn's), output
 *  the logits, [B, C] (head on the last step) or [T·B, C] (every step, time-major rows). */
export const ONNX_INPUT = 'X';
export const ONNX_OUTPUT = 'logits';

/** The ModelProto of `wl` with weights `w` (PyTorch layout, as WebrnnModel.weights() gives them). */
export function workloadOnnx(wl: Workload, w: SharedWeights): Uint8Array {
  const { steps: T, batch: B, input: I, hidden: H, outputs: C } = wl;
  const G = GATES[wl.cell];
  const order = ONNX_GATE_ORDER[wl.cell];
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const reshape = (from: string, to: string, shape: number[]) => {
    inits.push(int64Tensor(`${to}_shape`, shape));
    nodes.push(node('Reshape', [from, `${to}_shape`], [to]));
  };
  let x = ONNX_INPUT;
  for (let l = 0; l < wl.layers; l++) {
    const K = l === 0 ? I : H;
    const p = w.layers[l]!;
    const bias = new Float32Array(2 * G * H);
    bias.set(reorderGateRows(p.bIh, H, 1, order));
    bias.set(reorderGateRows(p.bHh, H, 1, order), G * H);
    inits.push(
      tensor(`W${l}`, reorderGateRows(p.wIh, H, K, order), [1, G * H, K]),
      tensor(`R${l}`, reorderGateRows(p.wHh, H, H, order), [1, G * H, H]),
      tensor(`B${l}`, bias, [1, 2 * G * H]),
    );
    const attrs: Record<string, AttributeValue> = wl.cell === 'gru' ? { hidden_size: H, linear_before_reset: 1 } : { hidden_size: H };
    // Y [T, 1, B, H] (every step), Y_h [1, B, H] (the last).
    nodes.push(node(wl.cell === 'lstm' ? 'LSTM' : 'GRU', [x, `W${l}`, `R${l}`, `B${l}`], [`Y${l}`, `Yh${l}`], attrs));
    if (l < wl.layers - 1) reshape(`Y${l}`, (x = `X${l + 1}`), [T, B, H]);
  }
  const last = wl.layers - 1;
  const rows = wl.head === 'last' ? B : T * B;
  if (wl.head === 'last') reshape(`Yh${last}`, 'features', [B, H]);
  else reshape(`Y${last}`, 'features', [T * B, H]);
  inits.push(tensor('head_w', w.head.w, [C, H]), tensor('head_b', w.head.b, [C]));
  nodes.push(node('Gemm', ['features', 'head_w', 'head_b'], [ONNX_OUTPUT], { transB: 1 }));
  const g = graph({
    name: `${wl.id} ${wl.title}`,
    nodes,
    initializers: inits,
    inputs: [valueInfo(ONNX_INPUT, DataType.FLOAT, [T, B, I])],
    outputs: [valueInfo(ONNX_OUTPUT, DataType.FLOAT, [rows, C])],
  });
  return encodeModel(model(g, { opset: 17, producer: 'webrnn bench' }));
}

/** A one-node model (y = Relu(x), x of 3 floats) to check that a provider starts and runs. */
export function probeOnnx(): Uint8Array {
  const g = graph({
    name: 'probe',
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', DataType.FLOAT, [3])],
    outputs: [valueInfo('y', DataType.FLOAT, [3])],
  });
  return encodeModel(model(g, { opset: 17, producer: 'webrnn bench' }));
}
