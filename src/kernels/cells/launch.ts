// Launching a cell's step kernels over a whole sequence: the checks every launch makes (shapes,
// dtypes, aliasing, binding limits), the choice between the simple and the register-blocked
// kernels, and the loops over steps and phases. Reads only the cell's spec.
import type { Gpu } from '../../gpu/device.js';
import { recorder } from '../../gpu/encoder.js';
import { ceilDiv, type Kernel, type Overrides } from '../../gpu/kernel.js';
import { shapeStr, type DType, type Tensor } from '../../tensor/tensor.js';
import { halfView, halfWords } from '../half.js';
import { broadcastLanes } from '../lanes.js';
import { FUSED_EXTRA_BINDINGS, fusedInputKernel, fusedInputOverrides } from './fused_input.js';
import type { CellSpec, SequenceDims, StepDimName, StepDims, StepKernel, StepPass, StepTensorName } from './spec.js';

export type StepVariant = 'simple' | 'blocked' | 'split';
export type BlockRows = 1 | 2 | 4 | 8 | 16 | 32;

declare module '../../gpu/device.js' {
  interface Tuning {
    /** The step kernels' variant (blocked only where the adapter can run it). */
    stepVariant?: StepVariant;
    /** Batch rows an invocation of the blocked kernels computes (any count up to RB; the
     *  launcher picks 8, 16 or 32, fewer give a GPU more workgroups for a small batch). */
    blockRows?: BlockRows;
    /** Invocations a unit of the split kernels (KS in step_split.wgsl: 2, 4, …, 64). */
    splitK?: 2 | 4 | 8 | 16 | 32 | 64;
    /** One blocked launch for all T steps (true), or one a step (false). */
    wholeSequence?: boolean;
    /** false: a single inference step reads xproj from a matmul even where it could fuse it. */
    fusedInput?: boolean;
  }
}

/** The buffers of a sequence's steps; each kernel binds the ones it names. */
export type StepTensors = Partial<Record<StepTensorName, Tensor>>;

/** Most batch rows an invocation of the blocked kernels computes (RB in their shaders). */
const RB = 32;

/** Whether the register-blocked kernels can run: they broadcast across subgroups of 4 or 8 lanes
 *  (lanes.ts) and walk H in blocks of 8. */
export function blockedStepsPossible(g: Gpu, hidden: number): boolean {
  return broadcastLanes(g) > 0 && hidden % 8 === 0;
}

/** The variant a launch uses: blocked where possible for batches of 4 or more (the rows of an
 *  invocation share each W_hh load, so a smaller batch gains little); split only when asked
 *  (Tuning.stepVariant, for a pass that has it, the others taking their default: the schedule
 *  sweep of bench/schedules.ts). */
export function stepVariant(g: Gpu, pass: StepPass, { hidden, batch }: { hidden: number; batch: number }): StepVariant {
  const asked = g.tuning.stepVariant;
  if (asked === 'split' && pass.split) return 'split';
  if (!pass.blocked || !blockedStepsPossible(g, hidden)) return 'simple';
  return asked === 'simple' || asked === 'blocked' ? asked : batch >= 4 ? 'blocked' : 'simple';
}

/** The override of a split launch: KS invocations a unit (8 unless tuned). */
const splitOverrides = (g: Gpu): Overrides => ({ KS: g.tuning.splitK ?? 8 });

/** Whether a forward of these sizes can bind W_ih, x and the biases in place of xproj
 *  (fused_input.ts): one inference step of one direction on the simple or split kernels (the
 *  blocked ones share each weight load across batch rows, as the matmul does for the
 *  projections), within the adapter's storage binding limit. */
export function fusedInputPossible(g: Gpu, cell: CellSpec, dims: SequenceDims): boolean {
  if (g.tuning.fusedInput === false || dims.steps !== 1 || dims.dirs !== 1) return false;
  if (stepVariant(g, cell.forward, dims) === 'blocked') return false;
  const most = Math.max(...cell.forward.phases.map((k) => k.bindingNames.length)) + FUSED_EXTRA_BINDINGS;
  return most <= g.limits.maxStorageBuffersPerShaderStage;
}

/** The overrides of a blocked launch over `n` invocations a row block (H units or H/4 quads).
 *  WG_X: a multiple of 8 (every subgroup slice has the LANES lanes the broadcasts read) fitted to n, as
 *  on CPU adapters idle lanes past H cost as much as busy ones; all of n in a whole-sequence
 *  launch, else at most 64. ROWS: on a software adapter the most of 32, 16 and 8 that still leave
 *  every CPU thread a workgroup; on a GPU 8, as its parallelism is in the number of workgroups. */
export function blockedOverrides(g: Gpu, n: number, { batch, dirs }: { batch: number; dirs: number }, launch: 'step' | 'sequence'): Overrides {
  const all = Math.ceil(n / 8) * 8;
  const wgX = launch === 'sequence' ? all : Math.min(64, all);
  const perRowBlock = ceilDiv(n, wgX) * dirs; // workgroups
  const fits = (r: number) => ceilDiv(batch, r) * perRowBlock >= g.hostThreads;
  const rows = g.tuning.blockRows ?? (g.info.isSoftware ? [RB, 16].find(fits) ?? 8 : 8);
  return { WG_X: wgX, ROWS: rows, LANES: broadcastLanes(g) };
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
  if (t.in_w) {
    // The projection's inputs in place of xproj: fused_input.ts (with f16 W_hh too: the fused
    // kernel derives from the f16 one; W_ih stays float32 there).
    if (pass !== 'forward' || !inference || !fusedInputPossible(g, cell, dims)) {
      throw new Error(`webrnn: ${cell.kind} steps: W_ih in place of xproj needs one inference forward step of one direction on the simple or split kernels`);
    }
    const I = t.in_w.shape[1]!;
    const split = p.split && stepVariant(g, p, dims) === 'split';
    const o = { ...extra, ...fusedInputOverrides(cell, I), ...(split ? splitOverrides(g) : {}) };
    for (const k of split ? [p.split!] : p.phases) launchStep(cell, fusedInputKernel(k), t, { ...dims, step: 0, input: I }, o);
    return;
  }
  const T = dims.steps;
  const steps = Array.from({ length: T }, (_, i) => (pass === 'forward' ? i : T - 1 - i));
  const variant = stepVariant(g, p, dims);
  if (p.split && variant === 'split') {
    const o = { ...extra, ...splitOverrides(g) };
    for (const step of steps) launchStep(cell, p.split, t, { ...dims, step }, o);
    return;
  }
  if (p.blocked && variant === 'blocked') {
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

/** Expected shape of binding `name` of `cell`'s kernels; `ring`: the states and gates of an
 *  inference forward, 2 step slots. Built per binding as a launch checks it (a launch a token). */
function expectedShape(name: StepTensorName, cell: CellSpec, { batch: B, hidden: H, steps: T, dirs: D, input: I = 0 }: StepDims, ring: boolean): number[] {
  const GH = cell.gates * H;
  switch (name) {
    case 'xproj': case 'dxproj': return [T, B, D * GH];
    case 'w_hh': return [D, GH, H];
    case 'w_hh_half': return [halfWords(D * GH * H)];
    case 'b_hh': return [D, GH];
    case 'lengths': return [B];
    case 'h_state': case 'c_state': return [D, ring ? 2 : T + 1, B, H];
    case 'gates': return [D, ring ? 2 : T, B, cell.saved * H];
    case 'y': case 'dy': return [T, B, D * H];
    case 'dh_carry': case 'dc_carry': return [D, B, H];
    case 'dgates_hh': return [D, T, B, GH];
    case 'in_x': return [B, I];
    case 'in_w': return [GH, I];
    case 'in_b_ih': case 'in_b_hh': return [GH];
  }
}

/** expectedShape's symbolic form, for messages. */
function symbolicShape(name: StepTensorName, cell: CellSpec, ring: boolean): string {
  const gh = cell.gates === 1 ? 'H' : `${cell.gates}H`;
  switch (name) {
    case 'xproj': case 'dxproj': return `[T, B, D·${gh}]`;
    case 'w_hh': return `[D, ${gh}, H]`;
    case 'w_hh_half': return `the binary16 storage of [D, ${gh}, H]`;
    case 'b_hh': return `[D, ${gh}]`;
    case 'lengths': return '[B]';
    case 'h_state': case 'c_state': return ring ? '[D, 2, B, H]' : '[D, T+1, B, H]';
    case 'gates': return ring ? `[D, 2, B, ${cell.saved}H]` : `[D, T, B, ${cell.saved}H]`;
    case 'y': case 'dy': return '[T, B, D·H]';
    case 'dh_carry': case 'dc_carry': return '[D, B, H]';
    case 'dgates_hh': return `[D, T, B, ${gh}]`;
    case 'in_x': return '[B, I]';
    case 'in_w': return `[${gh}, I]`;
    case 'in_b_ih': case 'in_b_hh': return `[${gh}]`;
  }
}

/** Checks dims, shapes (leading dimensions may be merged), dtypes, aliasing and the binding limit,
 *  then records the dispatch. Throws before anything is recorded. */
export function launchStep(cell: CellSpec, kernel: StepKernel, tensors: StepTensors, dims: StepDims, overrides: Overrides = {}): void {
  const fail = (msg: string) => new Error(`webrnn: ${kernel.name}: ${msg}`);
  const { batch, hidden, steps, step, dirs, count = 1 } = dims;
  for (const k of ['batch', 'hidden', 'steps'] as const) {
    if (!Number.isInteger(dims[k]) || dims[k] < 1) throw fail(`${k} = ${dims[k]} must be a positive integer`);
  }
  if (dirs !== 1 && dirs !== 2) throw fail(`dirs = ${dirs} must be 1 or 2`);
  if (!Number.isInteger(step) || step < 0 || step >= steps) throw fail(`step = ${step} is outside 0..${steps - 1}`);
  const multi = (kernel.dimNames as readonly string[]).includes('count');
  if (!Number.isInteger(count) || count < 1 || count > steps || (count > 1 && !multi)) {
    throw fail(`count = ${count} must be ${multi ? `in 1..${steps}` : '1 (one step a launch)'}`);
  }
  if (batch > 65535) throw fail(`batch = ${batch} exceeds 65535 (one workgroup row per batch row)`);
  const all = cell.overrides ? { ...cell.overrides, ...overrides } : overrides;
  const ring = all.RING === true;
  const names = kernel.bindingNames;
  const bound: Tensor[] = names.map((name) => {
    const t = tensors[name];
    if (!t) throw fail(`tensor '${name}' is missing`);
    const shape = expectedShape(name, cell, dims, ring);
    const dtype: DType = name === 'lengths' || name === 'w_hh_half' ? 'int32' : 'float32';
    if (t.dtype !== dtype) throw fail(`${name} ${shapeStr(t.shape)} is ${t.dtype}, needs ${dtype}`);
    let size = 1;
    for (const n of shape) size *= n;
    if (t.size !== size || t.shape[t.shape.length - 1] !== shape[shape.length - 1]) {
      throw fail(`${name} has shape ${shapeStr(t.shape)}, needs ${symbolicShape(name, cell, ring)} = ${shapeStr(shape)}`);
    }
    return t;
  });
  // WebGPU refuses a buffer bound twice in one dispatch when either binding is writable.
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const writable = kernel.bindings[names[a]!] === 'read_write' || kernel.bindings[names[b]!] === 'read_write';
      if (writable && bound[a]!.storage === bound[b]!.storage) throw fail(`${names[a]} and ${names[b]} share one buffer`);
    }
  }
  const g = bound[0]!.storage.g;
  const limit = g.limits.maxStorageBuffersPerShaderStage;
  if (names.length > limit) {
    throw fail(`needs ${names.length} storage buffers, this device allows ${limit} (maxStorageBuffersPerShaderStage)`);
  }
  const buffers: Partial<Record<StepTensorName, GPUBuffer>> = {};
  names.forEach((n, i) => (buffers[n] = bound[i]!.buffer));
  // Extra fields are ignored: packDims writes only the kernel's own.
  recorder(g).dispatch(kernel as unknown as Kernel<StepTensorName, StepDimName | 'count'>, buffers as Record<StepTensorName, GPUBuffer>, { batch, hidden, steps, step, dirs, count }, all);
}
