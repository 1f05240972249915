// The non-recurrent Keras layers webrnn imports: Dense (and TimeDistributed(Dense)), Embedding,
// Activation, LeakyReLU, Dropout, SpatialDropout1D, Flatten, Reshape, Permute, Concatenate, Add, Masking.
import { ones } from '../../graph/create.js';
import { dropout } from '../../graph/ops/dropout.js';
import { ops } from '../../graph/ops/index.js';
import { Dropout, Embedding } from '../../nn/layers.js';
import { Linear } from '../../nn/linear.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fail, type LayerConfig } from './format.js';
import { activation, ImportedLayer, known, reader, transposeBlocks, type CallContext, type Plan, type SymShape, type SymTensor } from './layer.js';

/** A layer without weights: a function of its inputs. */
class Fn extends ImportedLayer {
  constructor(private readonly fn: (xs: Tensor[], ctx: CallContext) => Tensor[]) {
    super();
  }
  call(xs: Tensor[], ctx: CallContext): Tensor[] {
    return this.fn(xs, ctx);
  }
}

const one = (inputs: SymTensor[], where: string): SymTensor => {
  if (inputs.length !== 1) fail(`${where}: takes one input, got ${inputs.length}`);
  return inputs[0]!;
};
const unmasked = (x: SymTensor, where: string): void => {
  if (x.masked) fail(`${where}: a masked input is not supported here (Keras would drop or combine the mask)`);
};
const prod = (s: SymShape): number | null => (s.some((d) => d === null) ? null : (s as number[]).reduce((a, b) => a * b, 1));

class DenseLayer extends ImportedLayer {
  readonly dense: Linear;
  constructor(inSize: number, readonly units: number, useBias: boolean, private readonly act: (x: Tensor) => Tensor, w: Record<string, Float32Array>) {
    super();
    this.dense = this.registerModule('dense', new Linear(inSize, units, { bias: useBias }));
    const sd: Record<string, Float32Array> = { weight: transposeBlocks(w.kernel!, inSize, units) };
    if (useBias) sd.bias = w.bias!;
    this.dense.loadStateDict(sd);
  }
  call([x]: Tensor[]): Tensor[] {
    const z = this.dense.forward(x!);
    const y = this.act(z);
    z.dispose();
    return [y];
  }
  override async kerasWeights(): Promise<Record<string, Float32Array>> {
    const w = (await this.dense.weight.data()) as Float32Array;
    const out: Record<string, Float32Array> = { kernel: transposeBlocks(w, this.units, this.dense.inFeatures) };
    if (this.dense.bias) out.bias = (await this.dense.bias.data()) as Float32Array;
    return out;
  }
}

function planDense(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const r = reader(cfg, where);
  const units = r.int('units');
  const useBias = r.bool('use_bias', true);
  const act = activation(cfg.activation, where);
  const x = one(inputs, where);
  if (x.shape.length < 2) fail(`${where}: input must have a feature axis`);
  const inSize = known(x.shape[x.shape.length - 1], where, 'input feature size');
  const weights: Record<string, number[]> = { kernel: [inSize, units] };
  if (useBias) weights.bias = [units];
  return { outputs: [{ shape: [...x.shape.slice(0, -1), units], masked: x.masked }], weights, build: (w) => new DenseLayer(inSize, units, useBias, act, w) };
}

function planTimeDistributed(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const inner = cfg.layer as { class_name?: string; config?: LayerConfig } | undefined;
  if (inner?.class_name !== 'Dense' || typeof inner.config !== 'object') fail(`${where}: wraps ${JSON.stringify(inner?.class_name)}; only Dense is supported`);
  const x = one(inputs, where);
  if (x.shape.length !== 3) fail(`${where}: input must be 3-D [batch, time, features]`);
  // Dense on [B, T, F] acts on the last axis, exactly what TimeDistributed(Dense) computes.
  return planDense(inner!.config!, inputs, `${where} > Dense`);
}

class EmbeddingLayer extends ImportedLayer {
  readonly embedding: Embedding;
  constructor(v: number, d: number, w: Record<string, Float32Array>) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding(v, d));
    this.embedding.loadStateDict({ weight: w.embeddings! });
  }
  call([x]: Tensor[]): Tensor[] {
    if (x!.dtype !== 'int32') throw new Error(`webrnn: Embedding: the input must be int32 indices, got ${x!.dtype}`);
    return [this.embedding.forward(x!)];
  }
  override async kerasWeights(): Promise<Record<string, Float32Array>> {
    return { embeddings: (await this.embedding.weight.data()) as Float32Array };
  }
}

function planEmbedding(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const r = reader(cfg, where);
  const V = r.int('input_dim');
  const D = r.int('output_dim');
  const maskZero = r.bool('mask_zero', false);
  const x = one(inputs, where);
  if (x.shape.length !== 2) fail(`${where}: input must be 2-D [batch, time] indices, got rank ${x.shape.length}`);
  return { outputs: [{ shape: [...x.shape, D], masked: maskZero }], weights: { embeddings: [V, D] }, build: (w) => new EmbeddingLayer(V, D, w) };
}

class DropoutLayer extends ImportedLayer {
  readonly drop: Dropout;
  constructor(rate: number, private readonly spatial: boolean) {
    super();
    this.drop = this.registerModule('dropout', new Dropout(rate));
  }
  call([x]: Tensor[]): Tensor[] {
    if (!this.spatial || !this.training || this.drop.p === 0) return [this.drop.forward(x!)];
    // SpatialDropout1D drops whole channels: one mask [B, 1, F] for every time step.
    const [B, , F] = x!.shape;
    const keep = ones([B!, 1, F!]);
    const m = dropout(keep, this.drop.p, (Math.random() * 2 ** 32) >>> 0, 0);
    const y = ops.mul(x!, m);
    keep.dispose();
    m.dispose();
    return [y];
  }
}

function planDropout(spatial: boolean) {
  return (cfg: LayerConfig, inputs: SymTensor[], where: string): Plan => {
    const r = reader(cfg, where);
    const rate = r.num('rate');
    if (!(rate >= 0 && rate < 1)) fail(`${where}: rate = ${rate} must be in [0, 1)`);
    r.refuse('noise_shape', [null]);
    const x = one(inputs, where);
    if (spatial && x.shape.length !== 3) fail(`${where}: input must be 3-D [batch, time, channels]`);
    return { outputs: [x], weights: {}, build: () => new DropoutLayer(rate, spatial) };
  };
}

function planActivation(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const act = activation(cfg.activation, where);
  const x = one(inputs, where);
  return { outputs: [x], weights: {}, build: () => new Fn(([t]) => [act(t!)]) };
}

function planLeakyReLU(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const alpha = reader(cfg, where).num('alpha', 0.3); // TF.js and Keras 2's default
  const x = one(inputs, where);
  return { outputs: [x], weights: {}, build: () => new Fn(([t]) => [ops.leakyRelu(t!, alpha)]) };
}

function planMasking(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  reader(cfg, where).num('mask_value', 0);
  const x = one(inputs, where);
  if (x.shape.length !== 3) fail(`${where}: input must be 3-D [batch, time, features]`);
  // Keras zeroes the masked steps: x·mask.
  return { outputs: [{ shape: x.shape, masked: true }], weights: {}, build: () => new Fn(([t], ctx) => [ops.mul(t!, ctx.mask())]) };
}

function planFlatten(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  reader(cfg, where).refuse('data_format', [null, 'channels_last']);
  const x = one(inputs, where);
  unmasked(x, where);
  return { outputs: [{ shape: [x.shape[0]!, prod(x.shape.slice(1))], masked: false }], weights: {}, build: () => new Fn(([t]) => [ops.reshape(t!, [t!.shape[0]!, -1])]) };
}

function planReshape(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const target = cfg.target_shape;
  if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || target.filter((d) => d === -1).length > 1) {
    fail(`${where}: target_shape ${JSON.stringify(target)} must be positive sizes with at most one -1`);
  }
  const x = one(inputs, where);
  unmasked(x, where);
  const t = target as number[];
  const n = prod(x.shape.slice(1));
  const fixed = t.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  if (n !== null && (t.includes(-1) ? n % fixed !== 0 : n !== fixed)) fail(`${where}: cannot reshape ${n} values per example to ${JSON.stringify(t)}`);
  const shape = t.map((d) => (d === -1 ? (n === null ? null : n / fixed) : d));
  return { outputs: [{ shape: [x.shape[0]!, ...shape], masked: false }], weights: {}, build: () => new Fn(([v]) => [ops.reshape(v!, [v!.shape[0]!, ...t])]) };
}

function planPermute(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const dims = cfg.dims;
  const x = one(inputs, where);
  unmasked(x, where);
  const n = x.shape.length - 1;
  if (!Array.isArray(dims) || dims.length !== n || [...dims].sort().some((d, i) => d !== i + 1)) fail(`${where}: dims ${JSON.stringify(dims)} must be a permutation of 1..${n}`);
  const perm = [0, ...(dims as number[])];
  return { outputs: [{ shape: perm.map((d) => x.shape[d]!), masked: false }], weights: {}, build: () => new Fn(([v]) => [ops.transpose(v!, ...perm)]) };
}

function planConcatenate(cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  const axis = reader(cfg, where).num('axis', -1);
  if (inputs.length < 2) fail(`${where}: needs at least two inputs`);
  inputs.forEach((x) => unmasked(x, where));
  const rank = inputs[0]!.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!(Number.isInteger(a) && a >= 1 && a < rank)) fail(`${where}: axis ${axis} is out of range for rank ${rank} (the batch axis cannot be joined)`);
  const out = [...inputs[0]!.shape];
  for (const x of inputs.slice(1)) {
    if (x.shape.length !== rank || x.shape.some((d, i) => i !== a && i !== 0 && d !== null && out[i] !== null && d !== out[i])) {
      fail(`${where}: input shapes ${inputs.map((i) => JSON.stringify(i.shape)).join(', ')} differ outside axis ${axis}`);
    }
    out[a] = out[a] === null || x.shape[a] === null ? null : out[a]! + x.shape[a]!;
  }
  return { outputs: [{ shape: out, masked: false }], weights: {}, build: () => new Fn((xs) => [ops.concat(xs, a)]) };
}

function planAdd(_cfg: LayerConfig, inputs: SymTensor[], where: string): Plan {
  if (inputs.length < 2) fail(`${where}: needs at least two inputs`);
  inputs.forEach((x) => unmasked(x, where));
  const s = inputs[0]!.shape;
  for (const x of inputs) {
    if (x.shape.length !== s.length || x.shape.some((d, i) => d !== null && s[i] !== null && d !== s[i])) fail(`${where}: input shapes ${inputs.map((i) => JSON.stringify(i.shape)).join(', ')} differ`);
  }
  return {
    outputs: [{ shape: s, masked: false }],
    weights: {},
    build: () => new Fn((xs) => {
      let acc = ops.add(xs[0]!, xs[1]!);
      for (const x of xs.slice(2)) {
        const next = ops.add(acc, x);
        acc.dispose();
        acc = next;
      }
      return [acc];
    }),
  };
}

export const CORE_LAYERS = {
  Dense: planDense,
  TimeDistributed: planTimeDistributed,
  Embedding: planEmbedding,
  Dropout: planDropout(false),
  SpatialDropout1D: planDropout(true),
  Activation: planActivation,
  LeakyReLU: planLeakyReLU,
  Masking: planMasking,
  Flatten: planFlatten,
  Reshape: planReshape,
  Permute: planPermute,
  Concatenate: planConcatenate,
  Add: planAdd,
};
