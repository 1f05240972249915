// Demo checkpoints (char-rnn, seq-mnist): one safetensors file with the model under `model.<name>`,
// Adam's state under `optim.<i>.<name>`, other tensors (char-rnn's carried LSTM state) under
// `extra.<name>`, and in the metadata the demo, the step, Adam's step count and the architecture (JSON).
import { loadSafetensorsFile, saveSafetensors, type nn, type optim, type Tensor } from '../../src/index.js';

/** What must match to resume (sizes, vocabulary, batch layout), compared value by value. */
export type Arch = Record<string, string | number>;

/** The checkpoint's bytes: model, optimizer, extra tensors, and the step to resume from. */
export async function encodeCheckpoint(
  demo: string, model: nn.Module, opt: optim.Adam, step: number, arch: Arch, extra: Record<string, Tensor> = {},
): Promise<Uint8Array> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const o = opt.stateDict();
  for (const [k, t] of Object.entries(o.tensors)) tensors[`optim.${k}`] = t;
  for (const [k, t] of Object.entries(extra)) tensors[`extra.${k}`] = t;
  return saveSafetensors(tensors, undefined, { demo, step: String(step), optimizerStep: String(o.step), arch: JSON.stringify(arch) });
}

/** Restores model and optimizer from `bytes` and returns the saved step and the extra tensors (the
 *  caller owns them). A checkpoint of another demo or architecture is refused, naming the
 *  differences, before anything is changed. */
export async function restoreCheckpoint(
  demo: string, bytes: Uint8Array, model: nn.Module, opt: optim.Adam, arch: Arch,
): Promise<{ step: number; extra: Record<string, Tensor> }> {
  const { tensors, metadata } = await loadSafetensorsFile(bytes);
  const part = (prefix: string) =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  try {
    const saved = JSON.parse(metadata.arch ?? 'null') as Arch | null;
    const step = Number(metadata.step);
    if (metadata.demo !== demo || !saved || !Number.isInteger(step) || step < 0) {
      throw new Error(`${demo}: the checkpoint has no ${demo} step/arch metadata (was it written by ${demo} with --save?)`);
    }
    const diff = Object.keys(arch).filter((k) => saved[k] !== arch[k]);
    if (diff.length) {
      const show = (v: unknown) => { const s = JSON.stringify(v) ?? 'nothing'; return s.length > 40 ? `${s.slice(0, 37)}...` : s; };
      const list = diff.map((k) => `${k} ${show(saved[k])} (this run: ${show(arch[k])})`).join(', ');
      throw new Error(`${demo}: the checkpoint was saved with ${list}; resume with the same data and settings`);
    }
    model.loadStateDict(part('model.'));
    opt.loadStateDict({ step: Number(metadata.optimizerStep ?? 0), options: {}, tensors: part('optim.') });
    const extra = part('extra.');
    for (const [k, t] of Object.entries(tensors)) if (!k.startsWith('extra.')) t.dispose();
    return { step, extra };
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
}
