// What a recurrent cell kind is, as one typed record: its gates, what its steps save, its step
// kernels forward and backward (in phases, simple and register-blocked), and how its weights and
// biases enter. The graph op, the layers, the launcher and the tests read it; nothing else
// branches on the kind. Layout shared by every cell: xproj [T, B, D·G·H] (time order),
// w_hh [D, G·H, H], state [D, T+1, B, H] (step order, slot 0 = the initial state), y [T, B, D·H].
import { ceilDiv, type Access, type Kernel, type Overrides } from '../../gpu/kernel.js';
import type { HalfView } from '../half.js';

/** The cell kinds, named as PyTorch's RNN modes, plus the reset-before GRU of Keras and ONNX, and the
 *  gated cells with the hard-sigmoid gates of TF.js and Keras 2 (`_hard_sigmoid`, see withHardSigmoid). */
export type CellKind =
  | 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before'
  | 'lstm_hard_sigmoid' | 'gru_hard_sigmoid' | 'gru_reset_before_hard_sigmoid';

/** Every buffer a step kernel may bind. `xproj` holds W_ih·x (+ the folded biases) of all steps;
 *  a fused-input step (fused_input.ts) binds what it is computed from instead: x [B, I], W_ih and
 *  the biases; `w_hh_half`: W_hh as binary16 (launchToHalf), bound by the f16-weight kernels
 *  instead of w_hh. */
export type StepTensorName =
  | 'xproj' | 'w_hh' | 'w_hh_half' | 'b_hh' | 'lengths' | 'h_state' | 'c_state' | 'gates' | 'y'
  | 'dy' | 'dh_carry' | 'dc_carry' | 'dgates_hh' | 'dxproj' | FusedInputName;
export type FusedInputName = 'in_x' | 'in_w' | 'in_b_ih' | 'in_b_hh';

/** Sizes of a launch: `step` is the processing order s (0 … steps−1), the same for both
 *  directions; `count` (blocked kernels only): steps in this launch, from `step` up (forward) or
 *  down (backward). */
export interface StepDims {
  batch: number;
  hidden: number;
  steps: number;
  step: number;
  dirs: number;
  count?: number;
  /** I, the input width (fused-input steps only, which bind x and W_ih). */
  input?: number;
}
export type SequenceDims = Omit<StepDims, 'step' | 'count'>;

/** The uniform of every step kernel; the blocked ones add `count`. */
export const STEP_DIMS = { batch: 'u32', hidden: 'u32', steps: 'u32', step: 'u32', dirs: 'u32' } as const;
export type StepDimName = keyof typeof STEP_DIMS;
/** A step kernel, whichever of the step tensors it binds. */
export type StepKernel = Pick<Kernel, 'name' | 'id'> & {
  readonly bindingNames: readonly StepTensorName[];
  readonly bindings: Readonly<Partial<Record<StepTensorName, Access>>>;
  readonly dimNames: readonly string[];
};

/** One direction of the step (forward or backward). */
export interface StepPass {
  /** Kernels run in this order for each step: two phases where a step needs a value of every unit
   *  before it can go on (the reset-before GRU's r ⊙ h). */
  phases: readonly StepKernel[];
  /** The register-blocked variant, if any: one kernel holding every phase (override PHASE picks
   *  one, 0 runs all with barriers between them), `units` units an invocation (1, or a quad of 4). */
  blocked?: { kernel: StepKernel; units: 1 | 2 | 4 };
  /** The simple kernel split across KS invocations a unit (step_split.wgsl; f32 weights; one
   *  phase), if any. */
  split?: StepKernel;
  /** The same kernels reading W_hh as binary16 (f16 weights, f32 arithmetic), one per way of
   *  reading it; where absent, the pass refuses f16 weights. */
  half?: { phases: Readonly<Record<HalfView, readonly StepKernel[]>>; blocked?: Readonly<Record<HalfView, StepKernel>> };
}

export interface CellSpec {
  kind: CellKind;
  /** Gate blocks per unit (G): the rows of W_ih and W_hh are G·H. */
  gates: number;
  /** Values per unit the forward saves for the backward in `gates` [D, T, B, S·H]; 0: none. */
  saved: number;
  /** The LSTM's cell state: c_state, dc_carry, c0/cN. */
  cellState: boolean;
  /** 'fold': b_hh is added into xproj with b_ih; 'bind': the steps read b_hh (it sits inside a
   *  product, as r ⊙ (W_hn·h + b_hn) in PyTorch's GRU), and its gradient is summed from dgates_hh. */
  hhBias: 'fold' | 'bind';
  /** Gate blocks of W_hh whose product feeds h_prev directly, from the first (all G where omitted).
   *  dgates_hh of these blocks times W_hh is the recurrent gradient; a block past them multiplies
   *  a saved value (`savedInput`) and the steps carry its gradient to h_prev themselves. */
  recurrentGates?: number;
  /** For the blocks past `recurrentGates`: which saved value (index into the S saved per unit) W_hh
   *  multiplies instead of h_prev; dW_hh of those blocks is dgates_hhᵀ·that value. */
  savedInput?: number;
  /** After the backward loop dh_carry holds a local gradient of h0 to add to dgates_hh[0]·W_hh (GRU:
   *  z ⊙ dh); otherwise it still holds dhN from inactive steps only, and dh0 is the product alone. */
  carryAddsToDh0: boolean;
  /** Override constants of every kernel of this kind (the RNN's RELU). */
  overrides?: Overrides;
  forward: StepPass;
  backward: StepPass;
}

const WG = 64;

/** The descriptor fields of every simple step kernel: one invocation per unit (x), batch row (y)
 *  and direction (z). */
export const stepKernelBase = {
  dims: STEP_DIMS,
  workgroupSize: [WG, 1, 1] as const,
  dispatch: ({ batch, hidden, dirs }: Readonly<Record<StepDimName, number>>): [number, number, number] => [ceilDiv(hidden, WG), batch, dirs],
};

/** The descriptor fields of a split kernel: KS invocations a unit (x), batch row (y), direction (z). */
export const splitKernelBase = {
  dims: STEP_DIMS,
  workgroupSize: [WG, 1, 1] as const,
  overrides: { KS: 8 },
  dispatch: ({ batch, hidden, dirs }: Readonly<Record<StepDimName, number>>, o: Overrides): [number, number, number] => [
    ceilDiv(hidden, WG / +o.KS!), batch, dirs,
  ],
};

/** The descriptor fields of a blocked variant: `units` units an invocation (1 forward, a quad of 4
 *  backward), WG_X invocations a workgroup along x, ROWS batch rows along y (blockedOverrides). */
export function blockedKernelBase(units: 1 | 2 | 4) {
  return {
    dims: { ...STEP_DIMS, count: 'u32' } as const,
    workgroupSize: [64, 1, 1] as const, // WG_X
    overrides: { WG_X: 64, ROWS: 32, LANES: 8 },
    dispatch: ({ batch, hidden, dirs }: Readonly<Record<StepDimName | 'count', number>>, o: Overrides): [number, number, number] => [
      ceilDiv(hidden / units, +o.WG_X!), ceilDiv(batch, +o.ROWS!), dirs,
    ],
  };
}

/** The same cell with the hard-sigmoid gates of TF.js and Keras 2, clamp(0.2·x + 0.5, 0, 1): the
 *  same kernels with the override HARD_SIGMOID (activations.wgsl's gate_act and gate_grad). */
export function withHardSigmoid(spec: CellSpec, kind: CellKind): CellSpec {
  return { ...spec, kind, overrides: { ...spec.overrides, HARD_SIGMOID: true } };
}
