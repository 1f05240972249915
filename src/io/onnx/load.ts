// loadOnnx(source): an ONNX model file from a path (Node), a URL, or bytes in memory, decoded and
// checked on the host before any GPU buffer is made.
import { isNode, readFileBytes } from '../fs.js';
import { planOnnx } from './graph.js';
import { OnnxModel, supportedOp } from './model.js';
import { fail } from './values.js';

/** What loadOnnx() reads: a `.onnx` file path (Node) or URL, or the file's bytes. */
export type OnnxSource = string | URL | Uint8Array | ArrayBuffer;

async function bytesOf(source: OnnxSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string' && !(source instanceof URL)) return fail('source must be a path, a URL, a Uint8Array or an ArrayBuffer');
  const s = String(source);
  if (/^(https?|blob|data):/i.test(s) || (!isNode() && !s.startsWith('file:'))) {
    let res: Response;
    try {
      res = await fetch(s);
    } catch (e) {
      return fail(`cannot fetch '${s}': ${(e as Error).message}`);
    }
    if (!res.ok) fail(`fetching '${s}' gave HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const path = s.startsWith('file://') ? decodeURIComponent(new URL(s).pathname) : s;
  return readFileBytes(path).catch((e: Error) => fail(`cannot read '${path}': ${e.message}`));
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
