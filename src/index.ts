// webrnn's public API: re-exports only.
import './graph/methods.js';

export { init, createDevice, adapterInfo, type AdapterInfo, type Gpu, type InitOptions } from './gpu/device.js';
export { counters, resetCounters, sync, flush } from './gpu/memory.js';
export { memory, checkLeaks, setLeakWarning, type MemoryInfo } from './tensor/live.js';
export { Tensor, type DType, type Shape } from './tensor/tensor.js';
export { tidy, keep } from './tensor/scope.js';
export { noGrad, type BackwardOptions } from './graph/tape.js';
export { tensor, zeros, ones, full, randn, rand, manualSeed, type TensorOptions } from './graph/create.js';
export { ops } from './graph/ops/index.js';
export type { SampleOptions } from './graph/ops/sample.js';
export { crossEntropy, mseLoss, binaryCrossEntropyWithLogits } from './nn/losses.js';
export { clipGradNorm, clipGradValue } from './optim/clip.js';
export { saveSafetensors, loadSafetensors, loadSafetensorsFile, type Named, type NamedTensors } from './io/weights.js';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type CheckpointParts } from './io/checkpoint.js';
export { listModels, removeModel, type StoredModelInfo } from './io/browser_storage.js';
export type { WeightsSource } from './io/source.js';
export { encodeSafetensors, decodeSafetensors, DEFAULT_SAFETENSORS_LIMITS, type HostTensor, type SafetensorsFile, type SafetensorsLimits } from './io/safetensors.js';
export {
  loadLayersModel, saveLayersModel, LayersModel, type ForwardOptions, type LayersModelArtifacts, type LayersModelSource, type NamedBlob, type SavedLayersModel, type SaveOptions,
} from './io/tfjs/index.js';
export { loadOnnx, OnnxModel, type OnnxSource } from './io/onnx/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';

import { ops } from './graph/ops/index.js';
export const {
  add, sub, mul, div, neg, exp, log, sqrt, tanh, sigmoid, relu, abs, square, pow, clamp,
  matmul, linear, sum, mean, max, argmax, softmax, logSoftmax, reshape, transpose, slice, concat, stack, select, sample,
} = ops;

// CNN ops: convolution, normalisation, pooling and the reshapes of a CNN → RNN bridge.
export const { leakyRelu, conv1d, conv2d, batchNorm, layerNorm, maxPool2d, avgPool2d, permute, flatten } = ops;
export type { BatchNormOptions } from './graph/ops/norm.js';
export type { AvgPool2dOptions } from './graph/ops/pool.js';
export type { Pool2dOptions } from './kernels/pool.js';
export type { Conv2dOptions } from './kernels/conv_plan.js';
export type { Conv1dOptions } from './graph/ops/conv.js';
