// ONNX models in: loadOnnx. The schema and builders (proto.ts) write ONNX files for tests and benchmarks.
export { loadOnnx, type OnnxSource } from './load.js';
export { OnnxModel } from './model.js';
