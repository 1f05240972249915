// webrnn's public API: re-exports only.
import './graph/methods.js';

export { init, createDevice, adapterInfo, type AdapterInfo, type Gpu, type InitOptions } from './gpu/device.js';
export { memory, counters, resetCounters, sync, flush, type MemoryInfo } from './gpu/memory.js';
export { Tensor, type DType, type Shape } from './tensor/tensor.js';
export { tidy, keep } from './tensor/scope.js';
export { noGrad, type BackwardOptions } from './graph/tape.js';
export { tensor, zeros, ones, full, randn, rand, manualSeed, type TensorOptions } from './graph/create.js';
export { ops } from './graph/ops/index.js';
export { crossEntropy, mseLoss, binaryCrossEntropyWithLogits } from './nn/losses.js';
export { clipGradNorm, clipGradValue } from './optim/clip.js';
export { saveSafetensors, loadSafetensors, loadSafetensorsFile, type Named, type NamedTensors } from './io/weights.js';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type CheckpointParts } from './io/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type HostTensor, type SafetensorsFile } from './io/safetensors.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';

import { ops } from './graph/ops/index.js';
// The functional ops at the top level, as in PyTorch (`torch.add`) and TF.js (`tf.add`); each
// takes its documentation from `ops` (one place).
/** {@inheritDoc ops.add} */ export const add = ops.add;
/** {@inheritDoc ops.sub} */ export const sub = ops.sub;
/** {@inheritDoc ops.mul} */ export const mul = ops.mul;
/** {@inheritDoc ops.div} */ export const div = ops.div;
/** {@inheritDoc ops.neg} */ export const neg = ops.neg;
/** {@inheritDoc ops.exp} */ export const exp = ops.exp;
/** {@inheritDoc ops.log} */ export const log = ops.log;
/** {@inheritDoc ops.sqrt} */ export const sqrt = ops.sqrt;
/** {@inheritDoc ops.tanh} */ export const tanh = ops.tanh;
/** {@inheritDoc ops.sigmoid} */ export const sigmoid = ops.sigmoid;
/** {@inheritDoc ops.relu} */ export const relu = ops.relu;
/** {@inheritDoc ops.abs} */ export const abs = ops.abs;
/** {@inheritDoc ops.square} */ export const square = ops.square;
/** {@inheritDoc ops.pow} */ export const pow = ops.pow;
/** {@inheritDoc ops.clamp} */ export const clamp = ops.clamp;
/** {@inheritDoc ops.matmul} */ export const matmul = ops.matmul;
/** {@inheritDoc ops.linear} */ export const linear = ops.linear;
/** {@inheritDoc ops.sum} */ export const sum = ops.sum;
/** {@inheritDoc ops.mean} */ export const mean = ops.mean;
/** {@inheritDoc ops.max} */ export const max = ops.max;
/** {@inheritDoc ops.argmax} */ export const argmax = ops.argmax;
/** {@inheritDoc ops.softmax} */ export const softmax = ops.softmax;
/** {@inheritDoc ops.logSoftmax} */ export const logSoftmax = ops.logSoftmax;
/** {@inheritDoc ops.reshape} */ export const reshape = ops.reshape;
/** {@inheritDoc ops.transpose} */ export const transpose = ops.transpose;
/** {@inheritDoc ops.slice} */ export const slice = ops.slice;
/** {@inheritDoc ops.concat} */ export const concat = ops.concat;
/** {@inheritDoc ops.stack} */ export const stack = ops.stack;
/** {@inheritDoc ops.select} */ export const select = ops.select;
