// Whole-layer float64 reference of PyTorch's nn.RNN / nn.LSTM / nn.GRU (forward; BPTT is in rnn_layer_backward.ts).
// x [T, B, I] ([B, T, I] if batchFirst), y [T, B, D·H] (likewise), hN/cN [L·D, B, H]; gate order LSTM i,f,g,o; GRU r,z,n.
// Textbook math in plain loops, one sequence and one step at a time: the spec the GPU layers are tested against.
import type { CellKind } from '../kernels/cells/spec.js';
import { Random } from '../util/random.js';
import { affine } from './cells/affine.js';
import { TWINS } from './cells/index.js';

export interface RnnRefConfig {
  mode: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  bidirectional: boolean;
  batchFirst: boolean;
}

/** Parameters under PyTorch's state_dict names; weights row-major. */
export type ParamsRef = Record<string, Float64Array>;

export interface RnnRefInput {
  x: Float64Array;
  seqLen: number;
  batch: number;
  h0?: Float64Array;
  c0?: Float64Array;
  lengths?: number[];
}

/** What one (layer, direction) saved for BPTT: the cell's cache of the step at time position t
 *  of row b, at index t·B + b (undefined at padded positions). */
export interface DirCacheRef {
  steps: unknown[];
}

export interface LayerCacheRef {
  input: Float64Array; // [T, B, in] time-major layer input
  dirs: DirCacheRef[];
}

export interface RnnRefCache {
  lengths: number[];
  layers: LayerCacheRef[];
}

export interface RnnRefOutput {
  y: Float64Array;
  hN: Float64Array;
  cN?: Float64Array;
  cache: RnnRefCache;
}

/** Gates per unit (G): the rows of W_ih and W_hh are G·H. */
export function gateCount(mode: CellKind): number {
  return TWINS[mode].spec.gates;
}

/** Whether the cell has the LSTM's cell state (c0, cN). */
export const hasCellState = (mode: CellKind): boolean => TWINS[mode].spec.cellState;

/** PyTorch state_dict name of one parameter, e.g. `weight_hh_l1_reverse`. */
export function paramName(kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', layer: number, dir: number): string {
  return `${kind}_l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/** Input width of layer `layer`: inputSize for layer 0, else D·H. */
export function layerInputSize(cfg: RnnRefConfig, layer: number): number {
  return layer === 0 ? cfg.inputSize : (cfg.bidirectional ? 2 : 1) * cfg.hiddenSize;
}

function checkConfig(cfg: RnnRefConfig): void {
  const modes = Object.keys(TWINS);
  if (!modes.includes(cfg.mode)) throw new Error(`rnn: unknown mode '${cfg.mode}' (expected ${modes.join(', ')})`);
  for (const k of ['inputSize', 'hiddenSize', 'numLayers'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) throw new Error(`rnn: ${k} must be a positive integer, got ${cfg[k]}`);
  }
}

/** Shapes of every parameter in PyTorch's order (per layer, per direction: w_ih, w_hh, b_ih, b_hh). */
export function paramShapes(cfg: RnnRefConfig): Record<string, number[]> {
  checkConfig(cfg);
  const GH = gateCount(cfg.mode) * cfg.hiddenSize;
  const shapes: Record<string, number[]> = {};
  for (let l = 0; l < cfg.numLayers; l++) {
    for (let d = 0; d < (cfg.bidirectional ? 2 : 1); d++) {
      shapes[paramName('weight_ih', l, d)] = [GH, layerInputSize(cfg, l)];
      shapes[paramName('weight_hh', l, d)] = [GH, cfg.hiddenSize];
      if (cfg.bias) {
        shapes[paramName('bias_ih', l, d)] = [GH];
        shapes[paramName('bias_hh', l, d)] = [GH];
      }
    }
  }
  return shapes;
}

/** PyTorch's default init: every parameter U(−1/√H, 1/√H), drawn in paramShapes order from `seed`. */
export function initParamsRef(cfg: RnnRefConfig, seed: number): ParamsRef {
  const rng = new Random(seed);
  const k = 1 / Math.sqrt(cfg.hiddenSize);
  const params: ParamsRef = {};
  for (const [name, shape] of Object.entries(paramShapes(cfg))) {
    const n = shape.reduce((a, b) => a * b, 1);
    params[name] = Float64Array.from({ length: n }, () => -k + 2 * k * rng.uniform());
  }
  return params;
}

/** Validated per-sequence lengths (all T when none are given). */
export function resolveLengths(lengths: number[] | undefined, T: number, B: number): number[] {
  if (lengths === undefined) return new Array<number>(B).fill(T);
  if (lengths.length !== B) throw new Error(`rnn: lengths has ${lengths.length} entries, expected batch = ${B}`);
  for (const len of lengths) {
    if (!Number.isInteger(len) || len < 1 || len > T) throw new Error(`rnn: every length must be an integer in 1..${T} (seqLen), got ${len}`);
  }
  return lengths.slice();
}

/** [T, B] mask: 1 where t < lengths[b], else 0. */
export function lengthsMask(lengths: number[] | undefined, T: number, B: number): Float64Array {
  const lens = resolveLengths(lengths, T, B);
  const mask = new Float64Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lens[b]! ? 1 : 0;
  return mask;
}

/** Checks every parameter's presence and size; throws naming the first bad one. */
export function checkParams(cfg: RnnRefConfig, params: ParamsRef): void {
  const shapes = paramShapes(cfg);
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = params[name];
    if (p === undefined) throw new Error(`rnn: missing parameter ${name} [${shape.join(', ')}]`);
    if (p.length !== n) throw new Error(`rnn: parameter ${name} has ${p.length} values, expected [${shape.join(', ')}] = ${n}`);
  }
  for (const name of Object.keys(params)) {
    if (!(name in shapes)) throw new Error(`rnn: unexpected parameter ${name} for this config (bias=${cfg.bias}, bidirectional=${cfg.bidirectional}, numLayers=${cfg.numLayers})`);
  }
}

/** Checks x, h0, c0 and lengths against the config; returns the resolved lengths. */
export function checkInput(cfg: RnnRefConfig, input: RnnRefInput): number[] {
  const { seqLen: T, batch: B } = input;
  if (!Number.isInteger(T) || T < 1 || !Number.isInteger(B) || B < 1) throw new Error(`rnn: seqLen and batch must be positive integers, got ${T}, ${B}`);
  const xShape = cfg.batchFirst ? `[${B}, ${T}, ${cfg.inputSize}]` : `[${T}, ${B}, ${cfg.inputSize}]`;
  if (input.x.length !== T * B * cfg.inputSize) throw new Error(`rnn: x has ${input.x.length} values, expected ${xShape}`);
  const stateLen = cfg.numLayers * (cfg.bidirectional ? 2 : 1) * B * cfg.hiddenSize;
  const stateShape = `[${cfg.numLayers * (cfg.bidirectional ? 2 : 1)}, ${B}, ${cfg.hiddenSize}]`;
  if (input.h0 !== undefined && input.h0.length !== stateLen) throw new Error(`rnn: h0 has ${input.h0.length} values, expected ${stateShape}`);
  if (input.c0 !== undefined && !hasCellState(cfg.mode)) throw new Error(`rnn: c0 is only for cells with a cell state, not ${cfg.mode}`);
  if (input.c0 !== undefined && input.c0.length !== stateLen) throw new Error(`rnn: c0 has ${input.c0.length} values, expected ${stateShape}`);
  return resolveLengths(input.lengths, T, B);
}

/** Reorders [B, T, F] to [T, B, F] (or back: the swap is its own inverse with T and B exchanged). */
export function swapBatchTime(a: Float64Array, outer: number, inner: number, F: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < inner; j++) {
      for (let f = 0; f < F; f++) out[(j * outer + i) * F + f] = a[(i * inner + j) * F + f]!;
    }
  }
  return out;
}

/** One (layer, direction)'s parameters. */
export interface DirParamsRef {
  wIh: Float64Array;
  wHh: Float64Array;
  bIh: Float64Array | undefined;
  bHh: Float64Array | undefined;
}

/** The parameters of layer `layer`, direction `dir`. */
export function dirParams(cfg: RnnRefConfig, params: ParamsRef, layer: number, dir: number): DirParamsRef {
  return {
    wIh: params[paramName('weight_ih', layer, dir)]!,
    wHh: params[paramName('weight_hh', layer, dir)]!,
    bIh: cfg.bias ? params[paramName('bias_ih', layer, dir)] : undefined,
    bHh: cfg.bias ? params[paramName('bias_hh', layer, dir)] : undefined,
  };
}

/** Forward pass of the whole stack; also returns what rnnBackwardRef needs (cache). */
/** The sizes both passes of the reference use, after checking the config, parameters and input. */
export function layerRun(cfg: RnnRefConfig, params: ParamsRef, input: RnnRefInput) {
  checkConfig(cfg);
  checkParams(cfg, params);
  const lengths = checkInput(cfg, input);
  const { seqLen: T, batch: B } = input;
  const D = cfg.bidirectional ? 2 : 1;
  return { lengths, T, B, H: cfg.hiddenSize, D, G: gateCount(cfg.mode), isLstm: hasCellState(cfg.mode), step: TWINS[cfg.mode].layer };
}

export function rnnForwardRef(cfg: RnnRefConfig, params: ParamsRef, input: RnnRefInput): RnnRefOutput {
  const { lengths, T, B, H, D, G, isLstm, step } = layerRun(cfg, params, input);
  const hN = new Float64Array(cfg.numLayers * D * B * H);
  const cN = new Float64Array(isLstm ? hN.length : 0);
  const layers: LayerCacheRef[] = [];
  let layerIn = cfg.batchFirst ? swapBatchTime(input.x, B, T, cfg.inputSize) : input.x.slice();
  for (let l = 0; l < cfg.numLayers; l++) {
    const inSize = layerInputSize(cfg, l);
    const out = new Float64Array(T * B * D * H); // padded positions stay 0
    const dirs: DirCacheRef[] = [];
    for (let d = 0; d < D; d++) {
      const p = dirParams(cfg, params, l, d);
      const dc: DirCacheRef = { steps: [] };
      const sp = { H, wHh: p.wHh, bHh: p.bHh };
      for (let b = 0; b < B; b++) {
        const s0 = ((l * D + d) * B + b) * H; // slot in h0/hN/c0/cN
        let h: Float64Array = input.h0 ? input.h0.slice(s0, s0 + H) : new Float64Array(H);
        let c: Float64Array | null = isLstm ? (input.c0 ? input.c0.slice(s0, s0 + H) : new Float64Array(H)) : null;
        const len = lengths[b]!;
        for (let s = 0; s < len; s++) {
          // The reverse direction starts at this sequence's own end, position len − 1.
          const t = d === 0 ? s : len - 1 - s;
          const tb = t * B + b;
          const x = layerIn.subarray(tb * inSize, (tb + 1) * inSize);
          const r = step.forward(sp, affine(p.wIh, G * H, inSize, x, p.bIh), h, c); // W_ih·x + b_ih
          dc.steps[tb] = r.cache;
          out.set(r.h, (tb * D + d) * H);
          h = r.h;
          c = r.c;
        }
        hN.set(h, s0);
        if (isLstm) cN.set(c!, s0);
      }
      dirs.push(dc);
    }
    layers.push({ input: layerIn, dirs });
    layerIn = out;
  }
  const y = cfg.batchFirst ? swapBatchTime(layerIn, T, B, D * H) : layerIn;
  return { y, hN, ...(isLstm ? { cN } : {}), cache: { lengths, layers } };
}
