// ONNX's arithmetic, activation and product operators. GPU operands go through webrnn's
// differentiable ops; when every operand is a host value (shape arithmetic, folded constants)
// the element-wise ones run on the CPU, in float32 for floats and exactly for integers.
import { ops } from '../../graph/ops/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { axisOf, hostMap, input, type OpContext, type OpImpl } from './context.js';
import { DataType } from './proto.js';
import { dims, dtypeOf, host, isHost, runFail, sizeOf, type Host, type Value } from './values.js';

type Binary = 'add' | 'sub' | 'mul' | 'div';
const HOST_BINARY: Record<Binary, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};

function binary(op: Binary): OpImpl {
  return (c) => {
    const [a, b] = [input(c, 0, 'A'), input(c, 1, 'B')];
    if (isHost(a) && isHost(b)) {
      if (a.dtype !== b.dtype) runFail(`${c.node.label}: operands of types ${a.dtype} and ${b.dtype}`);
      const int = a.dtype !== 'float';
      // Integer division truncates (ONNX follows C for integer Div).
      return [hostMap([a, b], a.dtype, (x, y) => (int && op === 'div' ? Math.trunc(x / y) : HOST_BINARY[op](x, y)), c.node.label)];
    }
    // A host scalar on the right is a scalar op (no upload); otherwise both operands go to the GPU.
    if (isHost(b) && sizeOf(b.shape) === 1 && b.shape.length <= a.shape.length) return [ops[op](a as Tensor, b.data[0]!)];
    return [ops[op](c.gpu(a, `${c.node.label}: A`), c.gpu(b, `${c.node.label}: B`))];
  };
}

function unary(name: 'sigmoid' | 'tanh' | 'relu', f: (x: number) => number): OpImpl {
  return (c) => {
    const x = input(c, 0);
    return [isHost(x) ? hostMap([x], 'float', f, c.node.label) : ops[name](x)];
  };
}

function softmax(log: boolean): OpImpl {
  return (c) => {
    const x = c.gpu(input(c, 0), `${c.node.label}: input`);
    const r = x.rank;
    // Opset 13 made it one axis (default −1); before, the input was flattened to 2-D at `axis` (default 1).
    if (c.opset >= 13) return [ops[log ? 'logSoftmax' : 'softmax'](x, axisOf(c, c.node.attrs.int('axis', -1), r))];
    const axis = axisOf(c, c.node.attrs.int('axis', 1), r);
    const flat = ops.reshape(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
    return [ops.reshape(ops[log ? 'logSoftmax' : 'softmax'](flat, -1), x.shape)];
  };
}

function matmul(c: OpContext): Value[] {
  let a = c.gpu(input(c, 0, 'A'), `${c.node.label}: A`);
  let b = c.gpu(input(c, 1, 'B'), `${c.node.label}: B`);
  const [va, vb] = [a.rank === 1, b.rank === 1];
  if (va) a = ops.reshape(a, [1, a.shape[0]!]);
  if (vb) b = ops.reshape(b, [b.shape[0]!, 1]);
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) runFail(`${c.node.label}: ${dims(a.shape)} · ${dims(b.shape)}: inner dims differ`);
  let y = ops.matmul(a, b);
  if (va || vb) y = ops.reshape(y, y.shape.filter((_, i) => !((va && i === y.rank - 2) || (vb && i === y.rank - 1))));
  return [y];
}

function gemm(c: OpContext): Value[] {
  const at = c.node.attrs;
  const [alpha, beta, transA, transB] = [at.float('alpha', 1), at.float('beta', 1), at.int('transA', 0), at.int('transB', 0)];
  let a = c.gpu(input(c, 0, 'A'), `${c.node.label}: A`);
  const b = c.gpu(input(c, 1, 'B'), `${c.node.label}: B`);
  const cv = c.ins[2] ? c.gpu(c.ins[2], `${c.node.label}: C`) : undefined;
  if (a.rank !== 2 || b.rank !== 2) runFail(`${c.node.label}: A ${dims(a.shape)} and B ${dims(b.shape)} must be matrices`);
  if (transA) a = ops.transpose(a, 0, 1);
  const k = transB ? b.shape[1] : b.shape[0];
  if (a.shape[1] !== k) runFail(`${c.node.label}: A ${dims(a.shape)}${transA ? 'ᵀ' : ''} · B ${dims(b.shape)}${transB ? 'ᵀ' : ''}: inner dims differ`);
  // PyTorch's Linear exports as Gemm(x, W, b, transB=1): webrnn's linear op, W in its own layout.
  if (transB && alpha === 1 && (!cv || (beta === 1 && cv.rank === 1 && cv.shape[0] === b.shape[0]))) return [ops.linear(a, b, cv)];
  let y = ops.matmul(a, transB ? ops.transpose(b, 0, 1) : b);
  if (alpha !== 1) y = ops.mul(y, alpha);
  if (cv) y = ops.add(y, beta === 1 ? cv : ops.mul(cv, beta));
  return [y];
}

function cast(c: OpContext): Value[] {
  const x = input(c, 0);
  const to = c.node.attrs.int('to');
  const dtype = dtypeOf(to) ?? runFail(`${c.node.label}: cast to element type ${to} is not supported`);
  if (!isHost(x)) {
    if (dtype === 'float' && x.dtype === 'float32') return [x];
    return runFail(`${c.node.label}: casting a GPU ${x.dtype} tensor to ${dtype} is not supported (only float to float)`);
  }
  const f = dtype === 'float' ? (v: number) => v : dtype === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : to === DataType.UINT8 ? (v: number) => Math.trunc(v) & 255 : Math.trunc;
  return [host(dtype, x.shape, x.data.map(f))];
}

function hostOnly(c: OpContext, n: number): Host[] {
  const vs = Array.from({ length: n }, (_, i) => input(c, i));
  if (!vs.every(isHost)) runFail(`${c.node.label}: runs on host values only (shape arithmetic); an input is a GPU tensor`);
  return vs as Host[];
}

export const MATH_OPS: Record<string, OpImpl> = {
  Add: binary('add'), Sub: binary('sub'), Mul: binary('mul'), Div: binary('div'),
  Sigmoid: unary('sigmoid', (x) => 1 / (1 + Math.exp(-x))), Tanh: unary('tanh', Math.tanh), Relu: unary('relu', (x) => Math.max(x, 0)),
  Softmax: softmax(false), LogSoftmax: softmax(true), MatMul: matmul, Gemm: gemm, Cast: cast,
  Equal: (c) => {
    const [a, b] = hostOnly(c, 2);
    return [hostMap([a!, b!], 'bool', (x, y) => (x === y ? 1 : 0), c.node.label)];
  },
  Where: (c) => {
    const [cond, a, b] = hostOnly(c, 3);
    if (a!.dtype !== b!.dtype) runFail(`${c.node.label}: X and Y have types ${a!.dtype} and ${b!.dtype}`);
    return [hostMap([cond!, a!, b!], a!.dtype, (k, x, y) => (k ? x : y), c.node.label)];
  },
};
