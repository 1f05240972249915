// Launching a cell's step kernels over a whole sequence: the checks every launch makes (shapes,
// dtypes, aliasing, binding limits), the choice between the simple and the register-blocked
// kernels, and the loops over steps and phases. Reads only the cell's spec.
import type { Gpu } from '../../gpu/device.js';
import { recorder } from '../../gpu/encoder.js';
import { ceilDiv, type Kernel, type Overrides } from '../../gpu/kernel.js';
import { shapeStr, type DType, type Tensor } from '../../tensor/tensor.js';
import { halfView, halfWords } from '../half.js';
import type { CellSpec, SequenceDims, StepDimName, StepDims, StepKernel, StepPass, StepTensorName } from './spec.js';

export type StepVariant = 'simple' | 'blocked';

declare module '../../gpu/device.js' {
  interface Tuning {
    /** The step kernels' variant (blocked only where the adapter can run it). */
    stepVariant?: StepVariant;
    /** Batch rows an invocation of the blocked kernels computes. */
    blockRows?: 8 | 16 | 32;
    /** One blocked launch for all T steps (true), or one a step (false). */
    wholeSequence?: boolean;
  }
}

/** The buffers of a sequence's steps; each kernel binds the ones it names. */
export type StepTensors = Partial<Record<StepTensorName, Tensor>>;

/** Most batch rows an invocation of the blocked kernels computes (RB in their shaders). */
const RB = 32;

/** Whether the register-blocked kernels can run: they broadcast across subgroups of ≥ 8 lanes
 *  and walk H in blocks of 8. */
export function blockedStepsPossible(g: Gpu, hidden: number): boolean {
  const minSize = (g.adapter.info as { subgroupMinSize?: number }).subgroupMinSize ?? 0;
  return g.features.subgroups && minSize >= 8 && hidden % 8 === 0;
}

/** The variant a launch uses: blocked where possible for batches of 4 or more (the rows of an
 *  invocation share each W_hh load, so a smaller batch gains little). */
export function stepVariant(g: Gpu, pass: StepPass, { hidden, batch }: { hidden: number; batch: number }): StepVariant {
  if (!pass.blocked || !blockedStepsPossible(g, hidden)) return 'simple';
  return g.tuning.stepVariant ?? (batch >= 4 ? 'blocked' : 'simple');
}

/** The overrides of a blocked launch over `n` invocations a row block (H units or H/4 quads).
 *  WG_X: a multiple of 8 (every subgroup slice has the 8 lanes the broadcasts read) fitted to n, as
 *  on CPU adapters idle lanes past H cost as much as busy ones; all of n in a whole-sequence
 *  launch, else at most 64. ROWS: on a software adapter the most of 32, 16 and 8 that still leave
 *  every CPU thread a workgroup; on a GPU 8, as its parallelism is in the number of workgroups. */
export function blockedOverrides(g: Gpu, n: number, { batch, dirs }: { batch: number; dirs: number }, launch: 'step' | 'sequence'): Overrides {
  const all = Math.ceil(n / 8) * 8;
  const wgX = launch === 'sequence' ? all : Math.min(64, all);
  const perRowBlock = ceilDiv(n, wgX) * dirs; // workgroups
  const fits = (r: number) => ceilDiv(batch, r) * perRowBlock >= g.hostThreads;
  const rows = g.tuning.blockRows ?? (g.info.isSoftware ? [RB, 16].find(fits) ?? 8 : 8);
  return { WG_X: wgX, ROWS: rows };
}

/** Whether a blocked pass runs all T steps in one launch: one workgroup then holds all `n`
 *  invocations of its rows and loops over the steps with a storage barrier between them. Only CPU
 *  adapters take it: it saves the per-step launch and keeps a workgroup's slice of W_hh in one
 *  thread's cache for all steps, but leaves one workgroup per row block and direction, so small
 *  steps always take it and larger ones only where blocks of 16 rows still give every CPU thread
 *  a workgroup. */
export function wholeSequenceLaunch(g: Gpu, n: number, dims: { batch: number; hidden: number; dirs: number }, gates: number): boolean {
  const { batch, hidden, dirs } = dims;
  const wg = +blockedOverrides(g, n, dims, 'sequence').WG_X!;
  const fits = wg <= g.limits.maxComputeWorkgroupSizeX && wg <= g.limits.maxComputeInvocationsPerWorkgroup;
  if (!fits) return false;
  if (g.tuning.wholeSequence !== undefined) return g.tuning.wholeSequence;
  const small = 2 * batch * gates * hidden * hidden <= 4e6;
  return g.info.isSoftware && (small || ceilDiv(batch, 16) * dirs >= g.hostThreads);
}

/** The overrides of an inference forward (nothing saved for a backward pass): states and gates in
 *  a ring of 2 step slots (RING), and no gate stores (SAVE off) where only the backward reads them;
 *  a cell whose second phase reads the first's gates keeps writing them (into the ring). */
export function inferenceOverrides(cell: CellSpec): Overrides {
  return cell.saved > 0 && cell.forward.phases.length === 1 ? { RING: true, SAVE: false } : { RING: true };
}

/** Records every step of one pass (steps 0 … T−1 forward, T−1 … 0 backward), each step's phases
 *  in order: one blocked launch for the whole sequence where wholeSequenceLaunch allows, else one
 *  launch a step and phase. `inference` (forward only): states and gates are rings of 2 step
 *  slots ([D, 2, B, ·]), see inferenceOverrides. */
export function encodeSequence(cell: CellSpec, pass: 'forward' | 'backward', t: StepTensors, dims: SequenceDims, inference = false): void {
  if (inference && pass !== 'forward') throw new Error(`webrnn: ${cell.kind} steps: inference is a forward pass`);
  const extra = inference ? inferenceOverrides(cell) : {};
  const g = (t.w_hh ?? t.w_hh_half)!.storage.g;
  const p = t.w_hh_half ? halfPass(cell, pass, g) : cell[pass];
  const T = dims.steps;
  const steps = Array.from({ length: T }, (_, i) => (pass === 'forward' ? i : T - 1 - i));
  if (p.blocked && stepVariant(g, p, dims) === 'blocked') {
    const { kernel, units } = p.blocked;
    const n = dims.hidden / units;
    const multi = p.phases.length > 1;
    if (wholeSequenceLaunch(g, n, dims, cell.gates)) {
      const o = { ...blockedOverrides(g, n, dims, 'sequence'), ...(multi ? { PHASE: 0 } : {}), ...extra };
      launchStep(cell, kernel, t, { ...dims, step: steps[0]!, count: T }, o);
      return;
    }
    const o = { ...blockedOverrides(g, n, dims, 'step'), ...extra };
    for (const step of steps) {
      p.phases.forEach((_, i) => launchStep(cell, kernel, t, { ...dims, step }, multi ? { ...o, PHASE: i + 1 } : o));
    }
    return;
  }
  for (const step of steps) for (const k of p.phases) launchStep(cell, k, t, { ...dims, step }, extra);
}

/** The pass's kernels that read W_hh as binary16 (t.w_hh_half: f16 weights), in the device's view. */
function halfPass(cell: CellSpec, pass: 'forward' | 'backward', g: Gpu): StepPass {
  const half = cell[pass].half;
  if (!half) throw new Error(`webrnn: ${cell.kind} steps: the ${pass} pass has no kernels for f16 weights (w_hh_half)`);
  const view = halfView(g);
  const blocked = cell[pass].blocked;
  return { phases: half.phases[view], blocked: blocked && half.blocked ? { kernel: half.blocked[view], units: blocked.units } : undefined };
}

/** Expected shape (and its symbolic form) of each binding of `cell`'s kernels; `ring`: the states
 *  and gates of an inference forward, 2 step slots. */
function layout(cell: CellSpec, { batch: B, hidden: H, steps: T, dirs: D }: StepDims, ring: boolean): Record<StepTensorName, [number[], string]> {
  const G = cell.gates;
  const gh = G === 1 ? 'H' : `${G}H`;
  const state: [number[], string] = ring ? [[D, 2, B, H], '[D, 2, B, H]'] : [[D, T + 1, B, H], '[D, T+1, B, H]'];
  const S = cell.saved;
  const gates: [number[], string] = ring ? [[D, 2, B, S * H], `[D, 2, B, ${S}H]`] : [[D, T, B, S * H], `[D, T, B, ${S}H]`];
  const carry: [number[], string] = [[D, B, H], '[D, B, H]'];
  const seq: [number[], string] = [[T, B, D * H], '[T, B, D·H]'];
  const proj: [number[], string] = [[T, B, D * G * H], `[T, B, D·${gh}]`];
  return {
    xproj: proj, dxproj: proj, w_hh: [[D, G * H, H], `[D, ${gh}, H]`],
    w_hh_half: [[Math.max(halfWords(D * G * H * H), 4)], `the binary16 storage of [D, ${gh}, H]`], b_hh: [[D, G * H], `[D, ${gh}]`], lengths: [[B], '[B]'],
    h_state: state, c_state: state, gates, y: seq, dy: seq,
    dh_carry: carry, dc_carry: carry, dgates_hh: [[D, T, B, G * H], `[D, T, B, ${gh}]`],
  };
}

/** Checks dims, shapes (leading dimensions may be merged), dtypes, aliasing and the binding limit,
 *  then records the dispatch. Throws before anything is recorded. */
export function launchStep(cell: CellSpec, kernel: StepKernel, tensors: StepTensors, dims: StepDims, overrides: Overrides = {}): void {
  const where = `webrnn: ${kernel.name}`;
  const { batch, hidden, steps, step, dirs, count = 1 } = dims;
  for (const [k, v] of Object.entries({ batch, hidden, steps }) as [string, number][]) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${k} = ${v} must be a positive integer`);
  }
  if (dirs !== 1 && dirs !== 2) throw new Error(`${where}: dirs = ${dirs} must be 1 or 2`);
  if (!Number.isInteger(step) || step < 0 || step >= steps) throw new Error(`${where}: step = ${step} is outside 0..${steps - 1}`);
  const multi = (kernel.dimNames as readonly string[]).includes('count');
  if (!Number.isInteger(count) || count < 1 || count > steps || (count > 1 && !multi)) {
    throw new Error(`${where}: count = ${count} must be ${multi ? `in 1..${steps}` : '1 (one step a launch)'}`);
  }
  if (batch > 65535) throw new Error(`${where}: batch = ${batch} exceeds 65535 (one workgroup row per batch row)`);
  const all = { ...cell.overrides, ...overrides };
  const want = layout(cell, dims, all.RING === true);
  const names = kernel.bindingNames;
  const bound: Tensor[] = names.map((name) => {
    const t = tensors[name];
    if (!t) throw new Error(`${where}: tensor '${name}' is missing`);
    const [shape, symbolic] = want[name];
    const dtype: DType = name === 'lengths' || name === 'w_hh_half' ? 'int32' : 'float32';
    if (t.dtype !== dtype) throw new Error(`${where}: ${name} ${shapeStr(t.shape)} is ${t.dtype}, needs ${dtype}`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (t.size !== size || t.shape[t.shape.length - 1] !== shape[shape.length - 1]) {
      throw new Error(`${where}: ${name} has shape ${shapeStr(t.shape)}, needs ${symbolic} = ${shapeStr(shape)}`);
    }
    return t;
  });
  // WebGPU refuses a buffer bound twice in one dispatch when either binding is writable.
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const writable = kernel.bindings[names[a]!] === 'read_write' || kernel.bindings[names[b]!] === 'read_write';
      if (writable && bound[a]!.storage === bound[b]!.storage) throw new Error(`${where}: ${names[a]} and ${names[b]} share one buffer`);
    }
  }
  const g = bound[0]!.storage.g;
  const limit = g.limits.maxStorageBuffersPerShaderStage;
  if (names.length > limit) {
    throw new Error(`${where}: needs ${names.length} storage buffers, this device allows ${limit} (maxStorageBuffersPerShaderStage)`);
  }
  const buffers = Object.fromEntries(names.map((n, i) => [n, bound[i]!.buffer])) as Record<StepTensorName, GPUBuffer>;
  // Extra fields are ignored: packDims writes only the kernel's own.
  recorder(g).dispatch(kernel as unknown as Kernel<StepTensorName, StepDimName | 'count'>, buffers, { batch, hidden, steps, step, dirs, count }, all);
}
