// Demo checkpoints (char-rnn, seq-mnist) on top of webrnn's saveCheckpoint/loadCheckpoint: model
// and Adam state as tensors, the step, and in the JSON `extra` { demo, arch, tensors } — the
// architecture to check before resuming, and small extra tensors (char-rnn's carried LSTM state)
// as { shape, f32: base64 of the little-endian float32 bytes }, which round-trips exactly.
import { decodeSafetensors, loadCheckpoint, saveCheckpoint, tensor, type nn, type optim, type Tensor } from '../../src/index.js';

/** What must match to resume (sizes, vocabulary, batch layout), compared value by value. */
export type Arch = Record<string, string | number>;

interface Extra {
  demo: string;
  arch: Arch;
  tensors: Record<string, { shape: number[]; f32: string }>;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/** The checkpoint's bytes: model, optimizer, the step to resume from, the architecture and extra tensors. */
export async function encodeCheckpoint(
  demo: string, model: nn.Module, opt: optim.Adam, step: number, arch: Arch, tensors: Record<string, Tensor> = {},
): Promise<Uint8Array> {
  const extra: Extra = { demo, arch, tensors: {} };
  for (const [k, t] of Object.entries(tensors)) {
    const v = await t.data();
    extra.tensors[k] = { shape: [...t.shape], f32: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  }
  return saveCheckpoint(null, { model, optimizer: opt, step, extra });
}

/** Restores model and optimizer from `bytes`; returns the saved step and the extra tensors (the
 *  caller owns them). A checkpoint of another demo or architecture is refused, naming the
 *  differences, before anything is changed. */
export async function restoreCheckpoint(
  demo: string, bytes: Uint8Array, model: nn.Module, opt: optim.Adam, arch: Arch,
): Promise<{ step: number; extra: Record<string, Tensor> }> {
  let saved: Partial<Extra> | null = null;
  try {
    saved = JSON.parse(decodeSafetensors(bytes).metadata.extra ?? 'null') as Partial<Extra> | null;
  } catch (e) {
    throw new Error(`${demo}: the checkpoint cannot be read: ${(e as Error).message}`);
  }
  if (!saved || saved.demo !== demo || typeof saved.arch !== 'object' || typeof saved.tensors !== 'object') {
    throw new Error(`${demo}: the checkpoint was not written by ${demo} (was it saved with ${demo} --save?)`);
  }
  const was = saved.arch;
  const diff = Object.keys(arch).filter((k) => was[k] !== arch[k]);
  if (diff.length) {
    const show = (v: unknown) => { const s = JSON.stringify(v) ?? 'nothing'; return s.length > 40 ? `${s.slice(0, 37)}...` : s; };
    const list = diff.map((k) => `${k} ${show(was[k])} (this run: ${show(arch[k])})`).join(', ');
    throw new Error(`${demo}: the checkpoint was saved with ${list}; resume with the same data and settings`);
  }
  const host = Object.entries(saved.tensors).map(([k, { shape, f32 }]) => {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || typeof f32 !== 'string') {
      throw new Error(`${demo}: the checkpoint's extra tensor '${k}' is malformed`);
    }
    const b = fromBase64(f32);
    const n = shape.reduce((a, d) => a * d, 1);
    if (b.length !== 4 * n) throw new Error(`${demo}: the checkpoint's extra tensor '${k}' [${shape.join(', ')}] has ${b.length} bytes, not ${4 * n}`);
    return [k, shape, new Float32Array(b.buffer, 0, n)] as const;
  });
  const { step } = await loadCheckpoint(bytes, { model, optimizer: opt });
  return { step, extra: Object.fromEntries(host.map(([k, shape, v]) => [k, tensor(v, shape)])) };
}
