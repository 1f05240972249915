// The optional PyTorch column: each workload on PyTorch (CPU, 2 threads) through bench/pytorch.py,
// from the same weights and inputs (a temporary safetensors file), its logits checked against
// webrnn's before timing. Skipped with a note where `python3 -c "import torch"` fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, type HostTensor } from '../src/io/safetensors.js';
import { repoRoot } from './repo.js';
import { ratio, type StepTiming } from './timing.js';
import type { SharedWeights, Workload, WorkloadData } from './workloads.js';

/** Threads PyTorch may use: the machine kind's 2 CPUs. */
export const PYTORCH_THREADS = 2;

export interface PytorchResult {
  version: string;
  maxDiff: number;
  loss: number;
  infer: Omit<StepTiming, 'cpuMs'>;
  train: Omit<StepTiming, 'cpuMs'>;
}

let probed: { version: string } | { error: string } | undefined;

/** PyTorch's version, or why it cannot be used (checked once). */
export function pytorchAvailable(): { version: string } | { error: string } {
  if (probed) return probed;
  const r = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return (probed = { error: `python3 did not start (${r.error.message})` });
  if (r.status !== 0) return (probed = { error: `python3 -c "import torch" failed: ${(r.stderr.trim().split('\n').pop() ?? '').trim()}` });
  return (probed = { version: r.stdout.trim() });
}

const f32 = (data: Float32Array, shape: number[]): HostTensor => ({ dtype: 'float32', shape, data });

/** The safetensors file bench/pytorch.py reads: rnn.* and head.* (PyTorch's state_dict names),
 *  x, targets, webrnn_logits, and the workload as JSON metadata. */
export function pytorchFile(wl: Workload, data: WorkloadData, w: SharedWeights, logits: Float32Array): Uint8Array {
  const G = wl.cell === 'lstm' ? 4 : 3;
  const H = wl.hidden;
  const record: Record<string, HostTensor> = {
    x: f32(data.x, [wl.steps, wl.batch, wl.input]),
    targets: data.targets instanceof Int32Array
      ? { dtype: 'int32', shape: [data.targets.length], data: data.targets }
      : f32(data.targets, [wl.steps, wl.batch, 1]),
    webrnn_logits: f32(logits, [logits.length]),
    'head.weight': f32(w.head.w, [wl.outputs, H]),
    'head.bias': f32(w.head.b, [wl.outputs]),
  };
  w.layers.forEach((p, l) => {
    record[`rnn.weight_ih_l${l}`] = f32(p.wIh, [G * H, l === 0 ? wl.input : H]);
    record[`rnn.weight_hh_l${l}`] = f32(p.wHh, [G * H, H]);
    record[`rnn.bias_ih_l${l}`] = f32(p.bIh, [G * H]);
    record[`rnn.bias_hh_l${l}`] = f32(p.bHh, [G * H]);
  });
  return encodeSafetensors(record, { workload: JSON.stringify(wl) });
}

/** Runs bench/pytorch.py on `file`'s bytes with `args`; returns its parsed JSON line. */
export function runPytorchScript(file: Uint8Array, args: string[], timeoutMs: number): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'webrnn-pytorch-'));
  try {
    const path = join(dir, 'workload.safetensors');
    writeFileSync(path, file);
    const script = join(repoRoot(), 'bench/pytorch.py');
    const fileArgs = args[0] === '--check' ? ['--check', path] : [path, ...args];
    const r = spawnSync('python3', [script, ...fileArgs], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
    if (r.error || r.status !== 0) throw new Error(`bench: ${script} failed: ${r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One workload on PyTorch: agreement with webrnn's logits, inference and training times. */
export function runPytorch(wl: Workload, data: WorkloadData, w: SharedWeights, logits: Float32Array, quick: boolean): PytorchResult {
  const args = ['--threads', String(PYTORCH_THREADS), ...(quick ? ['--quick'] : [])];
  return runPytorchScript(pytorchFile(wl, data, w, logits), args, quick ? 300_000 : 1_800_000) as PytorchResult;
}

/** The PyTorch columns of a row; none when PyTorch is unavailable (`r` null). */
export function pytorchColumns(r: PytorchResult | null | undefined, mode: 'train' | 'infer', oursMs: number): Record<string, string | number> {
  if (r === null) return {};
  const theirs = r?.[mode].medianMs;
  return { 'PyTorch ms': theirs ?? '—', 'vs PyTorch': ratio(theirs, oursMs) };
}
