// webrnn's public API: re-exports only.
export { init, createDevice, adapterInfo, type AdapterInfo, type Gpu, type InitOptions } from './gpu/device.js';
export { memory, counters, resetCounters, sync, flush, type MemoryInfo } from './gpu/memory.js';
export { Tensor, type DType, type Shape } from './graph/tensor.js';
export { tidy, keep } from './graph/scope.js';
export { tensor, zeros, ones, full, randn, rand, manualSeed, type TensorOptions } from './graph/create.js';
