// Descriptors and launchers of rnn_step_forward.wgsl / rnn_step_backward.wgsl (Elman RNN, tanh or
// relu), plus what all three cells share: the shape checks and the choice between the simple and the
// register-blocked kernels. Layout: xproj [T, B, D·G·H], w_hh [D, G·H, H], state [D, T+1, B, H] in
// step order, y [T, B, D·H] in time order (padding positions written 0 by the steps); both directions a dispatch.
import type { Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { ceilDiv, defineKernel, type Kernel, type Overrides } from '../gpu/kernel.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { wgsl } from './wgsl.gen.js';

/** Sizes of one step launch: `step` is the processing order s (0 … steps−1), the same for both
 *  directions. `count` (blocked kernels only, default 1): steps in this launch, from `step` on
 *  (forward) or down (backward). */
export interface StepDims {
  batch: number;
  hidden: number;
  steps: number;
  step: number;
  dirs: number;
  count?: number;
}

/** Sizes of a whole-sequence launch. */
export type SequenceDims = Omit<StepDims, 'step' | 'count'>;

const STEP_DIMS = { batch: 'u32', hidden: 'u32', steps: 'u32', step: 'u32', dirs: 'u32' } as const;
/** The uniform fields of the one-step kernels; the blocked ones add `count`. */
type StepDimName = keyof typeof STEP_DIMS;
const WG = 64;
/** Grid of every step kernel: units along x, batch rows along y, directions along z. */
const stepGrid = ({ batch, hidden, dirs }: Readonly<Record<StepDimName, number>>): [number, number, number] => [
  ceilDiv(hidden, WG), batch, dirs,
];

/** The shared part of the step kernels' descriptors. */
export const stepKernelBase = { dims: STEP_DIMS, workgroupSize: [WG, 1, 1] as const, dispatch: stepGrid };

/** Most batch rows an invocation of the register-blocked variants computes (RB in their shaders);
 *  a launch picks ROWS ≤ RB of them (blockedOverrides). */
const RB = 32;

/** Descriptor parts of the blocked variants: `units` units per invocation (1 in the forward, a
 *  quad of 4 in the backward), WG_X invocations per workgroup along x, ROWS rows along y. */
export function blockedKernelBase(units: number) {
  return {
    dims: { ...STEP_DIMS, count: 'u32' } as const,
    workgroupSize: [64, 1, 1] as const, // WG_X
    overrides: { WG_X: 64, ROWS: RB },
    dispatch: ({ batch, hidden, dirs }: Readonly<Record<StepDimName | 'count', number>>, o: Overrides): [number, number, number] => [
      ceilDiv(hidden / units, +o.WG_X!), ceilDiv(batch, +o.ROWS!), dirs,
    ],
  };
}

let forcedRows: number | null = null;

/** Tests only: every blocked launch computes `rows` rows an invocation (null: blockedOverrides decides). */
export function forceBlockRows(rows: number | null): void {
  forcedRows = rows;
}

/** The overrides of a blocked launch over `n` invocations a row block (H units or H/4 quads).
 *  WG_X: a multiple of 8 (every subgroup slice has the 8 lanes the broadcasts read) fitted to n, as
 *  on lavapipe idle lanes past H cost as much as busy ones; all of n in a whole-sequence launch,
 *  else at most 64. ROWS: on a software adapter the most of 32, 16 and 8 that still leave every CPU
 *  thread a workgroup (the rows of an invocation share each W_hh load); on a GPU 8, as its
 *  parallelism is in the number of workgroups. */
export function blockedOverrides(g: Gpu, n: number, { batch, dirs }: { batch: number; dirs: number }, whole = false): Overrides {
  const all = Math.ceil(n / 8) * 8;
  const wgX = whole ? all : Math.min(64, all);
  const perRowBlock = ceilDiv(n, wgX) * dirs; // workgroups
  const rows = forcedRows ?? (g.info.isSoftware ? [RB, 16].find((r) => ceilDiv(batch, r) * perRowBlock >= g.hostThreads) ?? 8 : 8);
  return { WG_X: wgX, ROWS: rows };
}

/** Whether a blocked kernel runs all T steps in one launch: one workgroup then holds all `n`
 *  invocations of its rows (H units or H/4 quads) and loops over the steps with a storage barrier
 *  between them (rows are independent). Only CPU adapters take it. It saves the per-step launch
 *  (~60–130 µs on lavapipe) and keeps each workgroup's slice of W_hh in one thread's cache for all
 *  T steps (on lavapipe W1's step kernels ran 15–25% faster so, W2's 5–8% with 16 rows an
 *  invocation), but leaves only one workgroup per 16–32 rows and direction: so small steps (W_hh·h
 *  below ~4 MFLOP) always take it, larger ones only where blocks of 16 rows still give every CPU
 *  thread a workgroup. */
export function wholeSequenceLaunch(g: Gpu, n: number, dims: { batch: number; hidden: number; dirs: number }, G: number): boolean {
  const { batch, hidden, dirs } = dims;
  const wg = +blockedOverrides(g, n, dims, true).WG_X!;
  const fits = wg <= g.limits.maxComputeWorkgroupSizeX && wg <= g.limits.maxComputeInvocationsPerWorkgroup;
  const small = 2 * batch * G * hidden * hidden <= 4e6;
  return g.info.isSoftware && fits && (small || ceilDiv(batch, 16) * dirs >= g.hostThreads);
}

export type StepVariant = 'simple' | 'blocked';
let forcedVariant: StepVariant | null = null;

/** Tests only: run every step launch with one variant (null: the heuristic decides). */
export function forceStepVariant(v: StepVariant | null): void {
  forcedVariant = v;
}

/** Whether the register-blocked variants can run: they broadcast across subgroups of ≥ 8 lanes and
 *  walk H in blocks of 8. They share each W_hh load among the rows of an invocation, so a batch
 *  below 4 gains little. */
export function blockedStepsPossible(g: Gpu, hidden: number): boolean {
  const minSize = (g.adapter.info as { subgroupMinSize?: number }).subgroupMinSize ?? 0;
  return g.features.subgroups && minSize >= 8 && hidden % 8 === 0;
}

/** The variant a step launch uses: blocked where possible for batches of 4 or more. */
export function stepVariant(g: Gpu, { hidden, batch }: { hidden: number; batch: number }): StepVariant {
  const possible = blockedStepsPossible(g, hidden);
  if (forcedVariant) return forcedVariant === 'blocked' && possible ? 'blocked' : 'simple';
  return possible && batch >= 4 ? 'blocked' : 'simple';
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Expected shape (and its symbolic form) of each binding name used by the step kernels. */
function layout({ batch: B, hidden: H, steps: T, dirs: D }: StepDims, G: number, S: number): Record<string, [number[], string]> {
  const state: [number[], string] = [[D, T + 1, B, H], '[D, T+1, B, H]'];
  const carry: [number[], string] = [[D, B, H], '[D, B, H]'];
  const seq: [number[], string] = [[T, B, D * H], '[T, B, D·H]'];
  const gh = G === 1 ? 'H' : `${G}H`;
  return {
    xproj: [[T, B, D * G * H], `[T, B, D·${gh}]`], dxproj: [[T, B, D * G * H], `[T, B, D·${gh}]`],
    w_hh: [[D, G * H, H], `[D, ${gh}, H]`], b_hh: [[D, G * H], `[D, ${gh}]`], lengths: [[B], '[B]'],
    h_state: state, c_state: state, gates: [[D, T, B, S * H], `[D, T, B, ${S}H]`], y: seq, dy: seq,
    dh_carry: carry, dc_carry: carry, dgates_hh: [[D, T, B, G * H], `[D, T, B, ${gh}]`],
  };
}

/** Checks dims, shapes (leading dimensions may be merged), dtypes, aliasing and the binding limit,
 *  then records the dispatch. Throws before anything is recorded. */
export function launchStep<B extends string>(
  kernel: Kernel<B, StepDimName> | Kernel<B, StepDimName | 'count'>,
  tensors: Record<B, Tensor>,
  dims: StepDims,
  G: number,
  S: number,
  overrides: Overrides = {},
): void {
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
  const want = layout(dims, G, S);
  const names = kernel.bindingNames;
  for (const name of names) {
    const t = tensors[name];
    if (!t) throw new Error(`${where}: tensor '${name}' is missing`);
    const [shape, symbolic] = want[name]!;
    const dtype: DType = name === 'lengths' ? 'int32' : 'float32';
    if (t.dtype !== dtype) throw new Error(`${where}: ${name} ${fmt(t.shape)} is ${t.dtype}, needs ${dtype}`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (t.size !== size || t.shape[t.shape.length - 1] !== shape[shape.length - 1]) {
      throw new Error(`${where}: ${name} has shape ${fmt(t.shape)}, needs ${symbolic} = ${fmt(shape)}`);
    }
  }
  // WebGPU refuses a buffer bound twice in one dispatch when either binding is writable.
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const [na, nb] = [names[a]!, names[b]!];
      const writable = kernel.bindings[na] === 'read_write' || kernel.bindings[nb] === 'read_write';
      if (writable && tensors[na].storage === tensors[nb].storage) throw new Error(`${where}: ${na} and ${nb} share one buffer`);
    }
  }
  const g = tensors[names[0]!].storage.g;
  const limit = g.limits.maxStorageBuffersPerShaderStage;
  if (names.length > limit) {
    throw new Error(`${where}: needs ${names.length} storage buffers, this device allows ${limit} (maxStorageBuffersPerShaderStage)`);
  }
  const buffers = Object.fromEntries(names.map((n) => [n, tensors[n].buffer])) as Record<B, GPUBuffer>;
  // Extra fields are ignored: packDims writes only the kernel's own.
  recorder(g).dispatch(kernel as Kernel<B, StepDimName | 'count'>, buffers, { batch, hidden, steps, step, dirs, count }, overrides);
}

export type Nonlinearity = 'tanh' | 'relu';

/** One fused RNN step: h = act(xproj[tpos] + W_hh·h_prev) into state slot step+1 and y. */
export const rnnStepForward = defineKernel({
  name: 'rnn_step_forward',
  wgsl: [wgsl.activations, wgsl.rnn_step_forward],
  bindings: { xproj: 'read', w_hh: 'read', lengths: 'read', h_state: 'read_write', y: 'read_write' },
  overrides: { RELU: false },
  ...stepKernelBase,
});

/** One fused RNN BPTT step: dgates_hh[step] and dxproj[tpos] from dy, dh_carry and dgates_hh[step+1]. */
export const rnnStepBackward = defineKernel({
  name: 'rnn_step_backward',
  wgsl: [wgsl.activations, wgsl.rnn_step_backward],
  bindings: {
    w_hh: 'read', lengths: 'read', h_state: 'read', dy: 'read', dh_carry: 'read',
    dgates_hh: 'read_write', dxproj: 'read_write',
  },
  overrides: { RELU: false },
  ...stepKernelBase,
});

export type RnnForwardTensors = Record<'xproj' | 'w_hh' | 'lengths' | 'h_state' | 'y', Tensor>;
export type RnnBackwardTensors = Record<'w_hh' | 'lengths' | 'h_state' | 'dy' | 'dh_carry' | 'dgates_hh' | 'dxproj', Tensor>;

/** Records forward step `dims.step` of an RNN layer (both directions, one dispatch). */
export function encodeRnnStepForward(t: RnnForwardTensors, dims: StepDims, act: Nonlinearity = 'tanh'): void {
  launchStep(rnnStepForward, t, dims, 1, 0, { RELU: checkAct(act) });
}

/** Records backward step `dims.step` (call for step = T−1 down to 0; dh_carry holds dhN). */
export function encodeRnnStepBackward(t: RnnBackwardTensors, dims: StepDims, act: Nonlinearity = 'tanh'): void {
  launchStep(rnnStepBackward, t, dims, 1, 0, { RELU: checkAct(act) });
}

function checkAct(act: Nonlinearity): boolean {
  if (act !== 'tanh' && act !== 'relu') throw new Error(`webrnn: RNN nonlinearity '${String(act)}' must be 'tanh' or 'relu'`);
  return act === 'relu';
}
