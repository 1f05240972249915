// Differentiable matrix products: matmul (batched, broadcasting a 2-D right side) and linear
// (x·Wᵀ + b over any leading dims, PyTorch's layout). Backward rules are two more matmuls each.
import { launchMatmul as mm } from '../../kernels/matmul.js';
import { launchReduce } from '../../kernels/reduce.js';
import { apply1, willRecord, type Op } from '../tape.js';
import { shapeStr, type Tensor } from '../../tensor/tensor.js';

const rows = (t: Tensor) => t.view([t.size / t.shape[t.rank - 1]!, t.shape[t.rank - 1]!]);

const matmulOp: Op<null, { a: Tensor; b: Tensor }> = {
  name: 'matmul',
  forward: ([a, b], _p, save) => ({ outputs: [mm(a!, b!)], saved: { a: save(a!), b: save(b!) } }),
  backward: ([dy], { a, b }, _p, needs) => {
    let da: Tensor | null = null;
    if (needs[0]) {
      da = mm(dy!, b, { transB: true }); // dA = dY·Bᵀ
      if (a.rank === 2 && b.rank > 2) {
        const batched = da.view([da.size / a.size, ...a.shape]); // A was shared: sum over the batch
        da.dispose();
        da = launchReduce('sum', batched, 0);
        batched.dispose();
      }
    }
    let db: Tensor | null = null;
    if (needs[1]) {
      if (b.rank === 2 && a.rank > 2) {
        // B was shared by every batch: dB = Σ_batch Aᵀ·dY = (A as rows)ᵀ·(dY as rows)
        const a2 = rows(a);
        const dy2 = rows(dy!);
        db = mm(a2, dy2, { transA: true });
        a2.dispose();
        dy2.dispose();
      } else {
        db = mm(a, dy!, { transA: true });
      }
    }
    return [da, db];
  },
};

/** a·b over the last two dims, batched over the leading ones. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`webrnn: matmul needs tensors of rank ≥ 2, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return apply1(matmulOp, [a, b], null);
}

const linearOp: Op<{ halfWeight?: Tensor }, { x: Tensor; w: Tensor }> = {
  name: 'linear',
  forward: ([x, w, b], { halfWeight }, save) => {
    const x2 = rows(x!);
    const y2 = mm(x2, w!, { transB: true, bias: b, halfB: halfWeight });
    x2.dispose();
    const y = y2.view([...x!.shape.slice(0, -1), w!.shape[0]!]);
    y2.dispose();
    return { outputs: [y], saved: { x: save(x!), w: save(w!) } };
  },
  backward: ([dy], { x, w }, _p, needs) => {
    const dy2 = rows(dy!);
    const x2 = rows(x);
    const dx = needs[0] ? mm(dy2, w) : null; // dX = dY·W
    const dw = needs[1] ? mm(dy2, x2, { transA: true }) : null; // dW = dYᵀ·X
    const db = needs[2] ? launchReduce('sum', dy2, 0) : null; // db = Σ_rows dY
    dy2.dispose();
    x2.dispose();
    return [dx, dw, db];
  },
};

/** y = x·Wᵀ + b with W [out, in] and b [out] (PyTorch's nn.Linear layout). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearWith(x, weight, bias);
}

/** linear reading W as binary16 (`halfWeight`, launchToHalf(weight)), with f32 sums: nn.Linear's
 *  f16 weights; inference only (a forward that would be recorded throws). */
export function linearHalf(x: Tensor, weight: Tensor, bias: Tensor | null, halfWeight: Tensor): Tensor {
  return linearWith(x, weight, bias, halfWeight);
}

function linearWith(x: Tensor, weight: Tensor, bias?: Tensor | null, halfWeight?: Tensor): Tensor {
  const inF = weight.shape[1];
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`webrnn: linear: input ${shapeStr(x.shape)} does not match weight ${shapeStr(weight.shape)} (last dim must be ${inF})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`webrnn: linear: bias ${shapeStr(bias.shape)} does not match weight ${shapeStr(weight.shape)}`);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  if (halfWeight && willRecord(inputs)) {
    throw new Error('webrnn: linear: f16 weights are for inference (no gradient flows through them): run the forward under noGrad(), or turn them off to train');
  }
  return apply1(linearOp, inputs, { halfWeight });
}
