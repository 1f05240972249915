// Training checkpoints: one safetensors file with the model's state dict as `model.<name>`, the
// optimizer's state tensors as `optim.<i>.<name>`, and in __metadata__ JSON strings: `format`,
// `step`, `optimizer` ({ type, step, paramSteps, options }) and the caller's `extra`.
import { tensor } from '../graph/create.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { decodeSafetensors, defineEntry, type HostTensor, type SafetensorsLimits } from './safetensors.js';
import { checkTarget, readWeightBytes, writeWeightBytes, type WeightsSource } from './source.js';
import { saveSafetensors } from './weights.js';

/** The `format` metadata value of the files this module writes. */
export const CHECKPOINT_FORMAT = 'webrnn.checkpoint/1';

type AnyOptimizer = Optimizer<{ lr: number }>;

/** What a checkpoint holds: the model, optionally its optimizer, the step and JSON-able extras. */
export interface CheckpointParts {
  model: Module;
  optimizer?: AnyOptimizer;
  /** Training step to record (default: the optimizer's step count, else 0). */
  step?: number;
  /** Anything JSON can hold (epoch, scheduler position, data order seed, ...). */
  extra?: unknown;
}

interface OptimizerMeta {
  type: string;
  step: number;
  paramSteps?: number[];
  options: Record<string, number | boolean>;
}

const fail = (msg: string): never => {
  throw new Error(`webrnn: ${msg}`);
};

/** Encodes model (and optimizer) state as checkpoint bytes; with a `target`, also writes them there:
 *  a file path in Node (atomically: temp file beside it, fsync, rename), 'indexeddb://name' or
 *  'downloads://name' in the browser (as saveSafetensors). Reads the tensors back from the GPU. */
export async function saveCheckpoint(target: string | null, parts: CheckpointParts): Promise<Uint8Array> {
  const { model, optimizer } = parts;
  const step = parts.step ?? optimizer?.stepCount ?? 0;
  if (!Number.isInteger(step) || step < 0) fail(`saveCheckpoint: step = ${step} must be a non-negative integer`);
  if (target !== null) checkTarget(target, 'saveCheckpoint');
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, step: JSON.stringify(step) };
  if (parts.extra !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(parts.extra);
    } catch (e) {
      fail(`saveCheckpoint: extra cannot be stored as JSON (${(e as Error).message})`);
    }
    if (json === undefined) fail('saveCheckpoint: extra cannot be stored as JSON (a function or symbol)');
    metadata.extra = json!;
  }
  const record: Record<string, Tensor> = {};
  // Buffers too (batch norm's running statistics): the model's state is both.
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) defineEntry(record, `model.${name}`, t);
  if (optimizer) {
    const s = optimizer.stateDict();
    for (const [key, t] of Object.entries(s.tensors)) defineEntry(record, `optim.${key}`, t);
    const meta: OptimizerMeta = { type: optimizer.constructor.name, step: s.step, paramSteps: s.paramSteps, options: s.options };
    metadata.optimizer = JSON.stringify(meta);
  }
  const bytes = await saveSafetensors(record, undefined, metadata);
  if (target !== null) await writeWeightBytes(target, bytes, 'saveCheckpoint');
  return bytes;
}

/** Restores a checkpoint into `model` (and `optimizer`), read from any source loadSafetensors reads
 *  (bytes, Blob/File, URL, Node path, 'indexeddb://name'). Everything is checked first: a file that
 *  does not fit leaves both untouched and throws naming the problem. Returns the step and `extra`. */
export async function loadCheckpoint(
  src: WeightsSource,
  into: { model: Module; optimizer?: AnyOptimizer; limits?: SafetensorsLimits },
): Promise<{ step: number; extra: unknown }> {
  const where = typeof src === 'string' ? `loadCheckpoint('${src}')` : 'loadCheckpoint';
  const bytes = await readWeightBytes(src, where);

  const file = decodeSafetensors(bytes, into.limits);
  const meta = file.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) {
    fail(`${where}: not a webrnn checkpoint (metadata format is ${meta.format === undefined ? 'missing' : `'${meta.format}'`}, expected '${CHECKPOINT_FORMAT}')`);
  }
  const step = parseJson(where, meta, 'step');
  if (!Number.isInteger(step) || (step as number) < 0) fail(`${where}: metadata step = ${meta.step} is not a non-negative integer`);
  const extra = meta.extra === undefined ? undefined : parseJson(where, meta, 'extra');

  const modelHost = checkModel(where, file.tensors, into.model);
  const optimHost = into.optimizer ? checkOptimizer(where, file.tensors, meta, into.optimizer) : null;

  // Everything fits: upload and copy in.
  const made: Tensor[] = [];
  const upload = (h: HostTensor) => {
    const t = tensor(h.data, h.shape, { dtype: h.dtype });
    made.push(t);
    return t;
  };
  try {
    const record: Record<string, Tensor> = {};
    for (const [name, h] of Object.entries(modelHost)) defineEntry(record, name, upload(h));
    into.model.loadStateDict(record);
    if (optimHost) {
      const tensors: Record<string, Tensor> = {};
      for (const [key, h] of Object.entries(optimHost.tensors)) defineEntry(tensors, key, upload(h));
      into.optimizer!.loadStateDict({ ...optimHost.state, tensors });
    }
  } finally {
    // The copies are recorded; the pool hands these buffers only to work recorded after them.
    for (const t of made) t.dispose();
  }
  return { step: step as number, extra };
}

function parseJson(where: string, meta: Record<string, string>, key: string): unknown {
  const text = meta[key];
  if (text === undefined) fail(`${where}: metadata '${key}' is missing`);
  try {
    return JSON.parse(text!);
  } catch {
    return fail(`${where}: metadata '${key}' is not valid JSON: ${text!.slice(0, 80)}`);
  }
}

/** The model's tensors from the file, by parameter or buffer name, after checking names, shapes and dtypes. */
function checkModel(where: string, tensors: Record<string, HostTensor>, model: Module): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  const problems: string[] = [];
  const own = new Map([...model.namedParameters(), ...model.namedBuffers()]);
  for (const [name, p] of own) {
    const h = Object.hasOwn(tensors, `model.${name}`) ? tensors[`model.${name}`]! : undefined;
    if (!h) problems.push(`missing 'model.${name}' ${shapeStr(p.shape)}`);
    else if (h.dtype !== p.dtype) problems.push(`'model.${name}' has dtype ${h.dtype}, expected ${p.dtype}`);
    else if (h.shape.join() !== p.shape.join()) problems.push(`'model.${name}' has shape ${shapeStr(h.shape)}, the model's is ${shapeStr(p.shape)}`);
    else defineEntry(out, name, h);
  }
  for (const key of Object.keys(tensors)) {
    if (key.startsWith('model.') ? !own.has(key.slice(6)) : !key.startsWith('optim.')) problems.push(`unexpected tensor '${key}'`);
  }
  if (problems.length) fail(`${where}: the checkpoint does not fit the model: ${problems.join('; ')}`);
  return out;
}

/** The optimizer's state from the file, checked by the optimizer itself against its parameters. */
function checkOptimizer(
  where: string, tensors: Record<string, HostTensor>, meta: Record<string, string>, optimizer: AnyOptimizer,
): { state: Omit<OptimizerState, 'tensors'>; tensors: Record<string, HostTensor> } {
  if (meta.optimizer === undefined) fail(`${where}: the checkpoint holds no optimizer state (saved without an optimizer)`);
  const m = parseJson(where, meta, 'optimizer') as Partial<OptimizerMeta> | null;
  const type = optimizer.constructor.name;
  if (!m || typeof m !== 'object' || typeof m.options !== 'object' || m.options === null) return fail(`${where}: metadata 'optimizer' is malformed`);
  if (m.type !== type) fail(`${where}: the checkpoint's optimizer is ${String(m.type)}, not ${type}`);
  const own: Record<string, HostTensor> = {};
  for (const [key, h] of Object.entries(tensors)) if (key.startsWith('optim.')) defineEntry(own, key.slice(6), h);
  const state = { step: m.step as number, options: m.options, paramSteps: m.paramSteps };
  try {
    optimizer.checkStateDict({ ...state, tensors: own });
  } catch (e) {
    fail(`${where}: the checkpoint does not fit the optimizer: ${(e as Error).message.replace(/^webrnn: /, '')}`);
  }
  return { state, tensors: own };
}
