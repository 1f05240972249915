// Embedding lookup (gather) and its backward (a deterministic scatter-add into a fresh dW).
// weight [V, E] float32, indices int32 of any shape [...], output [..., E]. Out-of-range indices
// can't throw without a readback: the forward writes a NaN row, the backward ignores them.
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, grid1d } from '../gpu/kernel.js';
import { shapeStr, Tensor } from '../tensor/tensor.js';
import * as wgsl from './wgsl.gen.js';

/** out[pos, :] = weight[indices[pos], :], one invocation per output element. */
export const embeddingForward = /* @__PURE__ */ defineKernel({
  name: 'embedding_forward',
  wgsl: [wgsl.embedding_forward],
  bindings: { weight: 'read', indices: 'read', out: 'read_write' },
  dims: { n: 'u32', dim: 'u32', num: 'u32' },
  workgroupSize: [256, 1, 1],
  dispatch: ({ n }) => grid1d(n, 256),
});

/** dW[v, :] = Σ dy[pos, :] over indices[pos] = v (0 for v = padding), one workgroup per (v, 256-column tile). */
export const embeddingBackward = /* @__PURE__ */ defineKernel({
  name: 'embedding_backward',
  wgsl: [wgsl.embedding_backward],
  bindings: { dy: 'read', indices: 'read', dw: 'read_write' },
  dims: { n: 'u32', dim: 'u32', num: 'u32', tiles: 'u32', padding: 'i32' },
  workgroupSize: [256, 1, 1],
  dispatch: ({ num, tiles }) => grid1d(num * tiles * 256, 256),
});

/** Rows of `weight` [V, E] picked by int32 `indices` [...]: returns [..., E]; an out-of-range index gives a NaN row. */
export function launchEmbeddingForward(weight: Tensor, indices: Tensor): Tensor {
  weight.assertAlive();
  checkIndices('embeddingForward', indices);
  if (weight.dtype !== 'float32' || weight.rank !== 2) {
    throw new Error(`webrnn: embeddingForward: weight must be a float32 [V, E] matrix, got ${weight.dtype} ${shapeStr(weight.shape)}`);
  }
  const [num, dim] = weight.shape as [number, number];
  const out = Tensor.empty([...indices.shape, dim], 'float32', weight.storage.g);
  recorder(weight.storage.g).dispatch(
    embeddingForward,
    { weight: weight.buffer, indices: indices.buffer, out: out.buffer },
    { n: out.size, dim, num },
  );
  return out;
}

/** dW [V, E] = Σ over positions with index v of dy rows; deterministic (no float atomics), out-of-range
 *  indices ignored; row `paddingIdx` (in [0, V), PyTorch's padding_idx) gets zeros. */
export function launchEmbeddingBackward(dy: Tensor, indices: Tensor, numEmbeddings: number, paddingIdx: number | null = null): Tensor {
  dy.assertAlive();
  checkIndices('embeddingBackward', indices);
  if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1 || numEmbeddings > 2 ** 31 - 1) {
    throw new Error(`webrnn: embeddingBackward: numEmbeddings must be an integer in [1, 2^31), got ${numEmbeddings}`);
  }
  if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings)) {
    throw new Error(`webrnn: embeddingBackward: paddingIdx must be an integer in [0, ${numEmbeddings}), got ${paddingIdx}`);
  }
  const lead = dy.shape.slice(0, -1);
  if (dy.dtype !== 'float32' || dy.rank !== indices.rank + 1 || lead.some((d, i) => d !== indices.shape[i])) {
    throw new Error(
      `webrnn: embeddingBackward: dy must be float32 [...indices.shape, E] = [${indices.shape.join(', ')}, E], ` +
        `got ${dy.dtype} ${shapeStr(dy.shape)}`,
    );
  }
  const dim = dy.shape[dy.rank - 1]!;
  const dw = Tensor.empty([numEmbeddings, dim], 'float32', dy.storage.g);
  recorder(dy.storage.g).dispatch(
    embeddingBackward,
    { dy: dy.buffer, indices: indices.buffer, dw: dw.buffer },
    { n: indices.size, dim, num: numEmbeddings, tiles: ceilDiv(dim, 256), padding: paddingIdx ?? -1 },
  );
  return dw;
}

function checkIndices(op: string, indices: Tensor): void {
  indices.assertAlive();
  if (indices.dtype !== 'int32') throw new Error(`webrnn: ${op}: indices must be int32, got ${indices.dtype} ${shapeStr(indices.shape)}`);
}
