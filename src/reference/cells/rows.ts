// Where a step twin reads and writes, for one direction and batch row: the offsets of the shared
// layout (see sequence.ts), as the kernels' step.wgsl prelude computes them.
import type { Arr, StepDims } from './sequence.js';

/** Offsets for direction d, batch row bi (length len) at step s, for a cell of G gates saving S
 *  values per unit. `live`: s < len. tpos: s forward, len−1−s reverse, and s (the padding
 *  position) once the row has ended; x, y are rows of xproj/dxproj and y/dy at tpos. */
function rowAt({ batch: B, hidden: H, steps: T, step: s, dirs: D, ring }: StepDims, d: number, bi: number, len: number, G: number, S: number) {
  const live = s < len;
  const tpos = !live || d === 0 ? s : len - 1 - s;
  // Slot of step slot k, and slots a direction (ring: the inference layout, 2 slots used in turn).
  const slot = (k: number) => (ring ? k % 2 : k);
  const [states, steps] = ring ? [2, 2] : [T + 1, T];
  return {
    live,
    prev: ((d * states + slot(s)) * B + bi) * H, // state slot s
    next: ((d * states + slot(s + 1)) * B + bi) * H, // state slot s + 1
    saved: ((d * steps + slot(s)) * B + bi) * S * H, // gates[s]
    dgates: ((d * T + s) * B + bi) * G * H, // dgates_hh[s]; step s+1 is B·G·H further
    x: (tpos * B + bi) * D * G * H + d * G * H,
    y: (tpos * B + bi) * D * H + d * H,
    carry: (d * B + bi) * H,
    w: d * G * H * H, // the direction's W_hh
  };
}
export type RowAt = ReturnType<typeof rowAt>;

/** Calls f(o, j, d, len) for every direction, batch row and unit j, with the row's offsets. */
export function eachUnit(dims: StepDims, lengths: Arr, G: number, S: number, f: (o: RowAt, j: number, d: number, len: number) => void): void {
  for (let d = 0; d < dims.dirs; d++) {
    for (let bi = 0; bi < dims.batch; bi++) {
      const len = lengths[bi]!;
      const o = rowAt(dims, d, bi, len, G, S);
      for (let j = 0; j < dims.hidden; j++) f(o, j, d, len);
    }
  }
}

/** Σ_k dgates_hh[s+1, k]·W_hh[k, j] over the first `rows` rows of W_hh (G·H wide): the gradient
 *  step s+1 sends to h at step s; 0 where step s+1 is not live for the row or s = T−1. */
export function recurrentGradRef(b: { dgates_hh: Arr; w_hh: Arr }, dims: StepDims, o: RowAt, len: number, G: number, rows: number, j: number): number {
  const { batch: B, hidden: H, steps: T, step: s } = dims;
  if (s + 1 >= T || s + 1 >= len) return 0;
  const n = o.dgates + B * G * H;
  let acc = 0;
  for (let k = 0; k < rows; k++) acc += b.dgates_hh[n + k]! * b.w_hh[o.w + k * H + j]!;
  return acc;
}

/** W_hh[row]·v: row `row` of the direction's W_hh against H values of `v` from `at`. */
export function rowDot(w_hh: Arr, o: RowAt, H: number, row: number, v: Arr, at: number): number {
  let acc = 0;
  for (let i = 0; i < H; i++) acc += w_hh[o.w + row * H + i]! * v[at + i]!;
  return acc;
}
