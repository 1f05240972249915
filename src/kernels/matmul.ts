// matmul: C = alpha·op(A)·op(B) (+ bias) (+ bias2) (+= C), batched over leading dims; the descriptors of
// matmul.wgsl and matmul_blocked.wgsl and the tensor-level call that checks shapes and picks the kernel.
// A [..., M, K] ([..., K, M] with transA), B [..., K, N] ([..., N, K] with transB), C [..., M, N].
import { ceilDiv, defineKernel, grid1d } from '../gpu/kernel.js';
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { shapeStr, sizeOf, Tensor } from '../tensor/tensor.js';
import { checkHalfStorage, halfView, type HalfView } from './half.js';
import { broadcastLanes } from './lanes.js';
import * as wgsl from './wgsl.gen.js';

/** Register-tiled batched matmul; one invocation computes a 4×4 block of C. No workgroup memory:
 *  on lavapipe a variant staging 32×32 tiles in K chunks of 16 (two barriers a chunk) ran ~2× slower. */
export const matmul = /* @__PURE__ */ defineKernel({
  name: 'matmul',
  wgsl: [wgsl.matmul_b_f32, wgsl.matmul],
  bindings: { a: 'read', b: 'read', bias: 'read', bias2: 'read', c: 'read_write' },
  dims: {
    m: 'u32', n: 'u32', k: 'u32', n_tiles: 'u32', m_tiles: 'u32', tiles: 'u32',
    stride_a: 'u32', stride_b: 'u32', alpha: 'f32',
  },
  workgroupSize: [8, 8, 1],
  overrides: { TRANS_A: false, TRANS_B: false, HAS_BIAS: false, HAS_BIAS2: false, ACCUMULATE: false, VEC_A: false, VEC_B: false, WG_X: 8, WG_Y: 8 },
  dispatch: ({ tiles }) => grid1d(tiles, 1),
});

/** matmul with B stored as binary16 (f16 weights), widened to f32 as it is read; sums stay f32.
 *  Twin: matmulRef on the f16-rounded B. One kernel per way of reading it (see half.ts). */
export const matmulHalfB: Readonly<Record<HalfView, typeof matmul>> = {
  native: /* @__PURE__ */ defineKernel({ ...matmul, name: 'matmul_half_b', wgsl: [wgsl.half_enable, wgsl.matmul_b_f16, wgsl.matmul] }),
  packed: /* @__PURE__ */ defineKernel({ ...matmul, name: 'matmul_packed_b', wgsl: [wgsl.matmul_b_packed, wgsl.matmul] }),
};

/** The same product, register-blocked (RB rows × 4 columns an invocation, rows of op(A) shared by
 *  subgroup broadcasts); picked where subgroups of ≥ 4 lanes exist. Twin: matmulRef as well. */
export const matmulBlocked = /* @__PURE__ */ defineKernel({
  name: 'matmul_blocked',
  wgsl: [wgsl.broadcast, wgsl.matmul_blocked_b_f32, wgsl.matmul_blocked],
  // a4 / b4: the buffers of a / b again, read as vec4.
  bindings: { a: 'read', a4: 'read', b: 'read', b4: 'read', bias: 'read', bias2: 'read', c: 'read_write' },
  dims: { ...matmul.dims, flags: 'u32' },
  workgroupSize: [64, 1, 1], // WG_X
  overrides: { TRANS_A: false, TRANS_B: false, VEC_A: false, VEC_B: false, WG_X: 64, LANES: 8 },
  dispatch: ({ tiles }) => grid1d(tiles, 1),
});

/** Elements of C one invocation computes along each side. */
const BLOCK = 4;
/** Rows of C one invocation of the blocked variant computes (RB in its shader). */
const BLOCKED_ROWS = 16;

/** matmul_blocked with B stored as binary16 (f16 weights), per view; twin: matmulRef on the rounded B. */
export const matmulBlockedHalfB: Readonly<Record<HalfView, typeof matmulBlocked>> = {
  native: /* @__PURE__ */ defineKernel({ ...matmulBlocked, name: 'matmul_blocked_half_b', wgsl: [wgsl.half_enable, wgsl.broadcast, wgsl.matmul_blocked_b_f16, wgsl.matmul_blocked] }),
  packed: /* @__PURE__ */ defineKernel({ ...matmulBlocked, name: 'matmul_blocked_packed_b', wgsl: [wgsl.broadcast, wgsl.matmul_blocked_b_packed, wgsl.matmul_blocked] }),
};

export type MatmulVariant = 'simple' | 'blocked';

// Tests force a variant: every matmul takes it (unset: the adapter and the shape decide).
declare module '../gpu/device.js' { interface Tuning { matmulVariant?: MatmulVariant } }

/** Whether the blocked variant can run: it broadcasts across subgroups of 4 or 8 lanes (lanes.ts). */
export function blockedMatmulPossible(g: Gpu): boolean {
  return broadcastLanes(g) > 0;
}

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: Tensor;
  /** A second bias [N], added after the first (a recurrent layer's b_ih and b_hh, in one launch). */
  bias2?: Tensor;
  accumulate?: Tensor;
  alpha?: number;
  /** B's values as binary16 (launchToHalf(b)), read instead of b's: f16 weights, f32 sums. */
  halfB?: Tensor;
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

/** Checks shapes and dtypes and returns the sizes; throws naming both shapes on a mismatch. */
export function planMatmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): MatmulPlan {
  const { transA = false, transB = false } = opts;
  for (const t of [a, b, opts.bias, opts.bias2, opts.accumulate]) t?.assertAlive();
  for (const [name, t] of [['A', a], ['B', b], ['bias', opts.bias], ['bias2', opts.bias2], ['accumulate', opts.accumulate]] as const) {
    if (t && t.dtype !== 'float32') throw new Error(`webrnn: matmul: ${name} ${shapeStr(t.shape)} is ${t.dtype}; matmul needs float32`);
  }
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`webrnn: matmul: A ${shapeStr(a.shape)} and B ${shapeStr(b.shape)} must both be at least 2-D (reshape vectors to [1, n] or [n, 1])`);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, ka] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    throw new Error(`webrnn: matmul: inner dimensions differ: A ${shapeStr(a.shape)}${transA ? 'ᵀ' : ''} (K = ${ka}) vs B ${shapeStr(b.shape)}${transB ? 'ᵀ' : ''} (K = ${kb})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (batchA.length && batchB.length && shapeStr(batchA) !== shapeStr(batchB)) {
    throw new Error(`webrnn: matmul: batch dimensions differ: A ${shapeStr(a.shape)} vs B ${shapeStr(b.shape)} (they must be equal, or one side 2-D)`);
  }
  const batchShape = batchA.length ? batchA : batchB;
  const batch = sizeOf(batchShape);
  const out = [...batchShape, m, n];
  for (const [name, t] of [['bias', opts.bias], ['bias2', opts.bias2]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== n)) throw new Error(`webrnn: matmul: ${name} ${shapeStr(t.shape)} must be [${n}] (N of the result ${shapeStr(out)})`);
  }
  const acc = opts.accumulate;
  if (acc) {
    if (shapeStr(acc.shape) !== shapeStr(out)) {
      throw new Error(`webrnn: matmul: accumulate ${shapeStr(acc.shape)} must have the result's shape ${shapeStr(out)} (A ${shapeStr(a.shape)}, B ${shapeStr(b.shape)})`);
    }
    // WebGPU refuses a buffer bound writable and again in the same dispatch.
    for (const [name, t] of [['A', a], ['B', b], ['bias', opts.bias], ['bias2', opts.bias2]] as const) {
      if (t && t.buffer === acc.buffer) {
        throw new Error(`webrnn: matmul: accumulate ${shapeStr(acc.shape)} shares its buffer with ${name} ${shapeStr(t.shape)}; accumulate into a separate tensor`);
      }
    }
  }
  if (opts.halfB) checkHalfStorage('matmul', 'halfB', opts.halfB, b.size);
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

/** C = alpha·op(A)·op(B) (+ bias, + bias2, broadcast over rows) (+ accumulate's old contents, written in place into `accumulate`). */
export function launchMatmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const p = planMatmul(a, b, opts);
  const { transA = false, transB = false, bias, bias2, accumulate } = opts;
  const out = accumulate ?? Tensor.empty([...p.batchShape, p.m, p.n]);
  if (out.size === 0) return out;
  const g = out.storage.g;
  // Fewer than 8 rows for the blocked kernel (a GEMV) would leave most of its 16-row blocks idle.
  const forced = g.tuning.matmulVariant;
  const useBlocked = forced ? forced === 'blocked' : blockedMatmulPossible(g) && (swapForBlocked(p, !!opts.halfB) ? p.n : p.m) >= 8;
  if (useBlocked) {
    launchBlocked(a, b, out, p, opts);
    return out;
  }
  const [wgX, wgY] = workgroupShape(p.m, p.n);
  const nTiles = ceilDiv(p.n, BLOCK * wgX);
  const mTiles = ceilDiv(p.m, BLOCK * wgY);
  recorder(g).dispatch(
    opts.halfB ? matmulHalfB[halfView(g)] : matmul,
    { a: a.buffer, b: (opts.halfB ?? b).buffer, bias: (bias ?? a).buffer, bias2: (bias2 ?? a).buffer, c: out.buffer },
    {
      m: p.m, n: p.n, k: p.k, n_tiles: nTiles, m_tiles: mTiles, tiles: nTiles * mTiles * p.batch,
      stride_a: p.strideA, stride_b: p.strideB, alpha: opts.alpha ?? 1,
    },
    {
      TRANS_A: transA, TRANS_B: transB, HAS_BIAS: !!bias, HAS_BIAS2: !!bias2, ACCUMULATE: !!accumulate,
      VEC_A: (transA ? p.m : p.k) % 4 === 0, VEC_B: (transB ? p.k : p.n) % 4 === 0,
      WG_X: wgX, WG_Y: wgY,
    },
  );
  return out;
}

/** The blocked kernel gives each lane 4 columns: a narrow N is better computed transposed; not
 *  with a binary16 B, as only B has the binary16 readers. */
const swapForBlocked = (p: MatmulPlan, halfB: boolean): boolean => !halfB && p.n < 32 && p.m > p.n;

/** Records the blocked variant. A narrow N would leave most lanes idle (4 columns a lane), so then
 *  it computes Cᵀ = op(B)ᵀ·op(A)ᵀ, with A and B swapped, and stores it transposed. */
function launchBlocked(a: Tensor, b: Tensor, out: Tensor, p: MatmulPlan, opts: MatmulOptions): void {
  const { transA = false, transB = false, bias, bias2, accumulate } = opts;
  const swap = swapForBlocked(p, !!opts.halfB);
  // The product the kernel sees: C' [m, n] = op'(A')·op'(B').
  const [A, B, tA, tB, m, n, strideA, strideB] = swap
    ? [b, a, !transB, !transA, p.n, p.m, p.strideB, p.strideA] as const
    : [a, b, transA, transB, p.m, p.n, p.strideA, p.strideB] as const;
  const k = p.k;
  const quads = ceilDiv(n, BLOCK);
  // A multiple of 8 (every subgroup slice has the LANES lanes the broadcasts read) fitted to N: on
  // lavapipe idle lanes past N cost as much as busy ones.
  const wgX = Math.min(64, Math.ceil(quads / 8) * 8);
  const nTiles = ceilDiv(quads, wgX);
  const mTiles = ceilDiv(m, BLOCKED_ROWS);
  const flags = (bias ? 1 : 0) | (accumulate ? 2 : 0) | (swap ? 4 : 0) | (bias2 ? 8 : 0); // HAS_BIAS, ACCUMULATE, STORE_T, HAS_BIAS2
  const g = out.storage.g;
  const Bbuf = (opts.halfB ?? B).buffer;
  recorder(g).dispatch(
    opts.halfB ? matmulBlockedHalfB[halfView(g)] : matmulBlocked,
    { a: A.buffer, a4: A.buffer, b: Bbuf, b4: Bbuf, bias: (bias ?? a).buffer, bias2: (bias2 ?? a).buffer, c: out.buffer },
    {
      m, n, k, n_tiles: nTiles, m_tiles: mTiles, tiles: nTiles * mTiles * p.batch,
      stride_a: strideA, stride_b: strideB, alpha: opts.alpha ?? 1, flags,
    },
    { TRANS_A: tA, TRANS_B: tB, VEC_A: (tA ? m : k) % 4 === 0, VEC_B: (tB ? k : n) % 4 === 0, WG_X: wgX, LANES: broadcastLanes(g) },
  );
}
