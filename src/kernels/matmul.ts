// matmul: C = alpha·op(A)·op(B) (+ bias) (+= C), batched over leading dims; the descriptor of
// matmul.wgsl and the tensor-level call that checks shapes and picks the override variant.
// A [..., M, K] ([..., K, M] with transA), B [..., K, N] ([..., N, K] with transB), C [..., M, N].
import { ceilDiv, defineKernel, grid1d } from '../gpu/kernel.js';
import { recorder } from '../gpu/encoder.js';
import { Tensor, sizeOf, type Shape } from '../graph/tensor.js';
import { wgsl } from './wgsl.gen.js';

/** Register-tiled batched matmul; one invocation computes a 4×4 block of C. No workgroup memory:
 *  on lavapipe a variant staging 32×32 tiles in K chunks of 16 (two barriers a chunk) ran ~2× slower. */
export const matmulKernel = defineKernel({
  name: 'matmul',
  wgsl: [wgsl.matmul],
  bindings: { a: 'read', b: 'read', bias: 'read', c: 'read_write' },
  dims: {
    m: 'u32', n: 'u32', k: 'u32', n_tiles: 'u32', m_tiles: 'u32', tiles: 'u32',
    stride_a: 'u32', stride_b: 'u32', alpha: 'f32',
  },
  workgroupSize: [8, 8, 1],
  overrides: { TRANS_A: false, TRANS_B: false, HAS_BIAS: false, ACCUMULATE: false, VEC_A: false, VEC_B: false, WG_X: 8, WG_Y: 8 },
  dispatch: ({ tiles }) => grid1d(tiles, 1),
});

/** Elements of C one invocation computes along each side. */
const BLOCK = 4;

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: Tensor;
  accumulate?: Tensor;
  alpha?: number;
}

/** Sizes of one matmul call after shape checks. */
export interface MatmulPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  /** Batch dims of the result (the batched operand's leading dims). */
  batchShape: number[];
  /** Elements between batch slices of A / B; 0 when that side is broadcast. */
  strideA: number;
  strideB: number;
}

const fmt = (s: Shape): string => `[${s.join(', ')}]`;

/** Checks shapes and dtypes and returns the sizes; throws naming both shapes on a mismatch. */
export function planMatmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): MatmulPlan {
  const { transA = false, transB = false } = opts;
  for (const t of [a, b, opts.bias, opts.accumulate]) t?.assertAlive();
  for (const [name, t] of [['A', a], ['B', b], ['bias', opts.bias], ['accumulate', opts.accumulate]] as const) {
    if (t && t.dtype !== 'float32') throw new Error(`webrnn: matmul: ${name} ${fmt(t.shape)} is ${t.dtype}; matmul needs float32`);
  }
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`webrnn: matmul: A ${fmt(a.shape)} and B ${fmt(b.shape)} must both be at least 2-D (reshape vectors to [1, n] or [n, 1])`);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, ka] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    throw new Error(`webrnn: matmul: inner dimensions differ: A ${fmt(a.shape)}${transA ? 'ᵀ' : ''} (K = ${ka}) vs B ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (K = ${kb})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (batchA.length && batchB.length && fmt(batchA) !== fmt(batchB)) {
    throw new Error(`webrnn: matmul: batch dimensions differ: A ${fmt(a.shape)} vs B ${fmt(b.shape)} (they must be equal, or one side 2-D)`);
  }
  const batchShape = batchA.length ? batchA : batchB;
  const batch = sizeOf(batchShape);
  const out = [...batchShape, m, n];
  if (opts.bias && (opts.bias.rank !== 1 || opts.bias.shape[0] !== n)) {
    throw new Error(`webrnn: matmul: bias ${fmt(opts.bias.shape)} must be [${n}] (N of the result ${fmt(out)})`);
  }
  const acc = opts.accumulate;
  if (acc) {
    if (fmt(acc.shape) !== fmt(out)) {
      throw new Error(`webrnn: matmul: accumulate ${fmt(acc.shape)} must have the result's shape ${fmt(out)} (A ${fmt(a.shape)}, B ${fmt(b.shape)})`);
    }
    // WebGPU refuses a buffer bound writable and again in the same dispatch.
    for (const [name, t] of [['A', a], ['B', b], ['bias', opts.bias]] as const) {
      if (t && t.buffer === acc.buffer) {
        throw new Error(`webrnn: matmul: accumulate ${fmt(acc.shape)} shares its buffer with ${name} ${fmt(t.shape)}; accumulate into a separate tensor`);
      }
    }
  }
  const alpha = opts.alpha ?? 1;
  if (!Number.isFinite(alpha)) throw new Error(`webrnn: matmul: alpha must be a finite number, got ${alpha}`);
  return {
    m, n, k: ka, batch, batchShape,
    strideA: batchA.length ? m * ka : 0,
    strideB: batchB.length ? ka * n : 0,
  };
}

/** 64 invocations shaped to the result: 8×8 blocks, but no idle columns when N is narrow, and a
 *  wide row when M fits one block (GEMV, RNN steps with batch 1). */
function workgroupShape(m: number, n: number): [number, number] {
  const cols = 2 ** Math.ceil(Math.log2(ceilDiv(Math.max(n, 1), BLOCK)));
  const wgX = Math.min(cols, m <= BLOCK ? 64 : 8);
  return [wgX, 64 / wgX];
}

/** C = alpha·op(A)·op(B) (+ bias broadcast over rows) (+ accumulate's old contents, written in place into `accumulate`). */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const p = planMatmul(a, b, opts);
  const { transA = false, transB = false, bias, accumulate } = opts;
  const out = accumulate ?? Tensor.empty([...p.batchShape, p.m, p.n]);
  if (out.size === 0) return out;
  const [wgX, wgY] = workgroupShape(p.m, p.n);
  const nTiles = ceilDiv(p.n, BLOCK * wgX);
  const mTiles = ceilDiv(p.m, BLOCK * wgY);
  recorder(out.storage.g).dispatch(
    matmulKernel,
    { a: a.buffer, b: b.buffer, bias: (bias ?? a).buffer, c: out.buffer },
    {
      m: p.m, n: p.n, k: p.k, n_tiles: nTiles, m_tiles: mTiles, tiles: nTiles * mTiles * p.batch,
      stride_a: p.strideA, stride_b: p.strideB, alpha: opts.alpha ?? 1,
    },
    {
      TRANS_A: transA, TRANS_B: transB, HAS_BIAS: !!bias, ACCUMULATE: !!accumulate,
      VEC_A: (transA ? p.m : p.k) % 4 === 0, VEC_B: (transB ? p.k : p.n) % 4 === 0,
      WG_X: wgX, WG_Y: wgY,
    },
  );
  return out;
}
