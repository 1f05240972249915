// Demo hooks for tests: they record every log line, progress report and checkpoint of a run.
import type { DemoHooks, Progress } from '../../demos/common/demo.js';

/** Hooks that record everything; stop after `stopAfter` progress reports; `load` returns the bytes. */
export function recorder(opts: { stopAfter?: number; load?: Uint8Array } = {}) {
  const rec = { logs: [] as string[], progress: [] as Progress[], saves: [] as Uint8Array[] };
  const hooks: DemoHooks = {
    progress: (p) => rec.progress.push(p),
    log: (line) => rec.logs.push(line),
    shouldStop: () => opts.stopAfter !== undefined && rec.progress.length >= opts.stopAfter - 1,
    save: async (bytes) => void rec.saves.push(bytes),
    load: async () => opts.load ?? null,
  };
  return { rec, hooks };
}
