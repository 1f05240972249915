// The op codes the element-wise and reduction shaders switch on: one list a shader, an op's code
// its position in the list. build.mjs writes each list as WGSL constants (UNARY_NEG = 0u, ...) into
// the prelude wgsl.op_codes, so a code is written once. Plain data: build.mjs evaluates this file.

/** unary.wgsl, OP. */
export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs', 'square', 'pow', 'clamp', 'scale', 'addScalar', 'sign', 'leakyRelu',
] as const;
/** unary_backward.wgsl, OP: the ops with a derivative kernel. */
export const UNARY_GRAD_OPS = ['tanh', 'sigmoid', 'relu', 'exp', 'log', 'sqrt', 'pow', 'clamp', 'abs', 'leakyRelu'] as const;
/** binary.wgsl, OP. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
/** reduce.wgsl, OP: what one pass computes (mean is a sum divided in the last pass). */
export const REDUCE_PASS_OPS = ['sum', 'sumSquares', 'max', 'argmax'] as const;

/** Each list under the prefix of its WGSL constants (`addScalar` in UNARY → UNARY_ADD_SCALAR). */
export const OP_TABLES = {
  UNARY: UNARY_OPS,
  UNARY_GRAD: UNARY_GRAD_OPS,
  BINARY: BINARY_OPS,
  REDUCE: REDUCE_PASS_OPS,
} as const;

/** name → code for one list. */
export function opCodes<T extends string>(ops: readonly T[]): Record<T, number> {
  return Object.fromEntries(ops.map((op, i) => [op, i])) as Record<T, number>;
}
