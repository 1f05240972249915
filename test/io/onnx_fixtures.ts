// The ONNX fixtures of scripts/onnx-fixtures.ts: model paths, their feeds as webrnn tensors, and
// the outputs ONNX Runtime computed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, type Tensor } from 'webrnn';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'onnx');
export interface Feed {
  dtype: 'float32' | 'int32' | 'int64';
  dims: number[];
  data: number[];
}
export interface OnnxExpected {
  inputs: Record<string, Feed>;
  outputs: Record<string, Feed>;
}
export const NAMES: string[] = JSON.parse(readFileSync(join(FIXTURES, 'index.json'), 'utf8'));
export const onnxPath = (name: string) => join(FIXTURES, `${name}.onnx`);
export const onnxExpected = (name: string): OnnxExpected => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

/** A feed as a webrnn tensor: float32, or int32 for the integer types. */
export function feedTensor(f: Feed): Tensor {
  return f.dtype === 'float32' ? tensor(Float32Array.from(f.data), f.dims) : tensor(Int32Array.from(f.data), f.dims);
}
export const feedTensors = (e: OnnxExpected): Record<string, Tensor> => Object.fromEntries(Object.entries(e.inputs).map(([k, f]) => [k, feedTensor(f)]));
