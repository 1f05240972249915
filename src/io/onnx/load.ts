// loadOnnx(source): an ONNX model file from a path (Node), a URL, a Blob or File, or bytes in
// memory, decoded and checked on the host before any GPU buffer is made.
import { readAddress } from '../source.js';
import { planOnnx } from './graph.js';
import { OnnxModel, supportedOp } from './model.js';
import { fail } from './values.js';

/** What loadOnnx() reads: a `.onnx` file path (Node) or URL, a Blob or File, or the file's bytes. */
export type OnnxSource = string | URL | Blob | Uint8Array | ArrayBuffer;

async function bytesOf(source: OnnxSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof source !== 'string' && !(source instanceof URL)) return fail('source must be a path, a URL, a Blob or File, a Uint8Array or an ArrayBuffer');
  return readAddress(source, 'loadOnnx');
}

/**
 * Reads an ONNX model (LSTM, GRU, RNN and the operators their exports contain; see the README's
 * list) as an {@link OnnxModel}: `await model.run({ X: x })` as ONNX Runtime's `session.run`, or
 * `model.forward(x)` for single-input models, trainable with webrnn's optimizers. Unsupported
 * operators, attributes and malformed files are refused with a `webrnn:` error before anything
 * is allocated on the GPU.
 */
export async function loadOnnx(source: OnnxSource): Promise<OnnxModel> {
  return new OnnxModel(planOnnx(await bytesOf(source), supportedOp));
}
