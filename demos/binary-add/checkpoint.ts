// Demo checkpoints: one safetensors file with the model's state dict under `model.<name>`, the
// optimizer's state tensors under `optim.<i>.<name>`, and the step, the optimizer's step count and
// the demo's name and the model's shape settings (JSON) in the metadata. Used by binary-add and sine.
import { loadSafetensorsFile, saveSafetensors, type nn, type optim, type Tensor } from '../../src/index.js';

type Optimizer = optim.Adam;

/** Encodes model + optimizer + step for `demo`; `arch` (cell, hidden, ...) is checked again on load. */
export async function encodeCheckpoint(demo: string, model: nn.Module, opt: Optimizer, step: number, arch: Record<string, unknown>): Promise<Uint8Array> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const state = opt.stateDict();
  for (const [k, t] of Object.entries(state.tensors)) tensors[`optim.${k}`] = t;
  return saveSafetensors(tensors, undefined, { demo, step: String(step), optimizerStep: String(state.step), arch: JSON.stringify(arch) });
}

/** Restores model + optimizer from `bytes` and returns the saved step; a checkpoint of another
 *  shape (cell, hidden size, ...) is refused before anything is changed. */
export async function restoreCheckpoint(demo: string, bytes: Uint8Array, model: nn.Module, opt: Optimizer, arch: Record<string, unknown>): Promise<number> {
  const { tensors, metadata } = await loadSafetensorsFile(bytes);
  try {
    const saved = JSON.parse(metadata.arch ?? 'null') as Record<string, unknown> | null;
    const step = Number(metadata.step);
    if (metadata.demo !== demo || !saved || !(Number.isInteger(step) && step >= 0)) {
      const why = metadata.demo && metadata.demo !== demo ? `was written by ${metadata.demo}` : 'has no demo/step/arch metadata';
      throw new Error(`${demo}: the checkpoint ${why}; resume from a file written by ${demo} --save`);
    }
    const diff = Object.keys(arch).filter((k) => saved[k] !== arch[k]);
    if (diff.length) {
      const list = diff.map((k) => `${k} ${JSON.stringify(saved[k])} (this run: ${JSON.stringify(arch[k])})`).join(', ');
      throw new Error(`${demo}: the checkpoint was saved with ${list}; pass the same settings to resume`);
    }
    const part = (prefix: string) =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
    model.loadStateDict(part('model.'));
    opt.loadStateDict({ step: Number(metadata.optimizerStep ?? 0), options: {}, tensors: part('optim.') });
    return step;
  } finally {
    // loadStateDict copied the values; the recorded copies run before these buffers are reused.
    for (const t of Object.values(tensors)) t.dispose();
  }
}
