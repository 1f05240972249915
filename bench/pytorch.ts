// The optional PyTorch column: each workload on PyTorch (CPU, 2 threads, or CUDA with the bench's
// --torch-device cuda) through bench/pytorch.py,
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

/** Where PyTorch runs: the CPU, or the CUDA GPU (the bench's --torch-device). */
export type TorchDevice = 'cpu' | 'cuda';

const probed = new Map<TorchDevice, { version: string } | { error: string }>();

/** PyTorch's version (with the GPU's name on CUDA), or why it cannot be used there (checked once). */
export function pytorchAvailable(device: TorchDevice = 'cpu'): { version: string } | { error: string } {
  const known = probed.get(device);
  if (known) return known;
  const probe =
    device === 'cuda'
      ? 'import torch; assert torch.cuda.is_available(), "torch.cuda.is_available() is False"; print(torch.__version__, "on", torch.cuda.get_device_name(0))'
      : 'import torch; print(torch.__version__)';
  const r = spawnSync('python3', ['-c', probe], { encoding: 'utf8', timeout: 120_000 });
  const result = r.error
    ? { error: `python3 did not start (${r.error.message})` }
    : r.status !== 0
      ? { error: `python3 -c "import torch" failed${device === 'cuda' ? ' on CUDA' : ''}: ${(r.stderr.trim().split('\n').pop() ?? '').trim()}` }
      : { version: r.stdout.trim() };
  probed.set(device, result);
  return result;
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
export function runPytorch(wl: Workload, data: WorkloadData, w: SharedWeights, logits: Float32Array, quick: boolean, device: TorchDevice = 'cpu'): PytorchResult {
  const args = ['--threads', String(PYTORCH_THREADS), '--device', device, ...(quick ? ['--quick'] : [])];
  return runPytorchScript(pytorchFile(wl, data, w, logits), args, quick ? 300_000 : 1_800_000) as PytorchResult;
}

/** The PyTorch columns of a row; none when PyTorch is unavailable (`r` null). */
export function pytorchColumns(r: PytorchResult | null | undefined, mode: 'train' | 'infer', oursMs: number): Record<string, string | number> {
  if (r === null) return {};
  const theirs = r?.[mode].medianMs;
  return { 'PyTorch ms': theirs ?? '—', 'vs PyTorch': ratio(theirs, oursMs) };
}
