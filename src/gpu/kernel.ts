// Kernel descriptors and the pipeline cache. A kernel is whole WGSL files plus a small immutable
// descriptor: its storage bindings (in binding order, with access), the fields of its uniform
// `Dims` struct (bound after the storage bindings, at a dynamic offset), its workgroup size and
// how the dispatch grid follows from the dims.
import type { Gpu } from './device.js';

export type Access = 'read' | 'read_write';
export type DimType = 'u32' | 'i32' | 'f32';
export type Overrides = Record<string, number | boolean>;

export interface KernelSpec<B extends string, D extends string> {
  name: string;
  /** Whole WGSL files, concatenated in order (preludes first). */
  wgsl: readonly string[];
  /** Storage bindings in binding order: @binding(0), (1), ... */
  bindings: { readonly [K in B]: Access };
  /** Fields of `struct Dims`, in declaration order; bound at @binding(number of storage bindings). */
  dims: { readonly [K in D]: DimType };
  /** Must match the shader's @workgroup_size (or the override it reads). */
  workgroupSize: readonly [number, number, number];
  /** Number of workgroups along x, y, z for the given dims and overrides. */
  dispatch: (dims: Readonly<Record<NoInfer<D>, number>>, overrides: Overrides) => [number, number, number];
  /** Default values of the shader's `override` constants. */
  overrides?: Overrides;
  /** Binding numbers where they are not the order above (a variant that binds other buffers
   *  in place of one: step_input_fused.wgsl): by binding name, and `dims` for the uniform. */
  slots?: { readonly [K in NoInfer<B> | 'dims']?: number };
}

export interface Kernel<B extends string = string, D extends string = string> extends KernelSpec<B, D> {
  readonly bindingNames: readonly B[];
  readonly dimNames: readonly D[];
  /** @binding number of each storage binding (in bindingNames order) and of the uniform. */
  readonly bindingSlots: readonly number[];
  readonly dimsSlot: number;
  readonly id: number;
}

let nextKernelId = 0;

/** Declares a kernel. The descriptor is frozen: variants are override constants, not copies. */
export function defineKernel<B extends string, D extends string>(spec: KernelSpec<B, D>): Kernel<B, D> {
  const bindingNames = Object.keys(spec.bindings) as B[];
  const slots: { readonly [k: string]: number | undefined } = spec.slots ?? {};
  return Object.freeze({
    ...spec,
    bindingNames,
    dimNames: Object.keys(spec.dims) as D[],
    bindingSlots: bindingNames.map((name, i) => slots[name] ?? i),
    dimsSlot: slots.dims ?? bindingNames.length,
    id: nextKernelId++,
  });
}

export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Largest workgroup count per grid dimension that every adapter accepts. */
export const MAX_GROUPS = 65535;

/** A 1-D launch of `n` invocations, folded into y when it exceeds 65535 workgroups. The shader
 *  recovers the flat index as gid.x + gid.y * (num_workgroups.x * WG). */
export function grid1d(n: number, wg: number): [number, number, number] {
  const groups = Math.max(1, ceilDiv(n, wg));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = ceilDiv(groups, MAX_GROUPS);
  return [ceilDiv(groups, y), y, 1];
}

export interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** Unique per (kernel, overrides, device); bind groups are cached under it. */
  key: string;
}

const caches = new WeakMap<Gpu, Map<string, CompiledKernel>>();

/** Pipelines compiled on this device so far: a change tells a caller that it compiled one. */
export function compiledCount(g: Gpu): number {
  return caches.get(g)?.size ?? 0;
}

/** Compiles (once per device and override set) and returns the kernel's pipeline. */
export function compile(g: Gpu, kernel: Kernel, overrides: Overrides = {}): CompiledKernel {
  let cache = caches.get(g);
  if (!cache) caches.set(g, (cache = new Map()));
  const merged = { ...kernel.overrides, ...overrides };
  const ovKey = Object.keys(merged).sort().map((k) => `${k}=${+merged[k]!}`).join(',');
  const key = `${kernel.id}:${ovKey}`;
  let c = cache.get(key);
  if (c) return c;

  const device = g.device;
  const entries: GPUBindGroupLayoutEntry[] = kernel.bindingNames.map((name, i) => ({
    binding: kernel.bindingSlots[i]!,
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: kernel.bindings[name] === 'read' ? 'read-only-storage' : 'storage' },
  }));
  if (kernel.dimNames.length) {
    entries.push({
      binding: kernel.dimsSlot,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: 'uniform', hasDynamicOffset: true },
    });
  }
  const layout = device.createBindGroupLayout({ label: kernel.name, entries });
  const code = kernel.wgsl.join('\n');
  const module = device.createShaderModule({ label: kernel.name, code });
  const constants: Record<string, number> = {};
  for (const [k, v] of Object.entries(merged)) constants[k] = +v;
  const pipeline = device.createComputePipeline({
    label: kernel.name,
    layout: device.createPipelineLayout({ label: kernel.name, bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main', constants },
  });
  c = { pipeline, layout, key };
  cache.set(key, c);
  return c;
}

/** Packs dims into the uniform layout of `struct Dims` (all 4-byte scalars, in order). */
export function packDims(kernel: Kernel, dims: Record<string, number>, out: DataView, offset: number): void {
  kernel.dimNames.forEach((name, i) => {
    const v = dims[name];
    if (v === undefined) throw new Error(`webrnn: kernel ${kernel.name}: dim '${name}' is missing`);
    const t = kernel.dims[name];
    // Any number is an f32 (NaN and ±Inf included: fills and clamps take them); integers must fit.
    if (t === 'f32') out.setFloat32(offset + 4 * i, v, true);
    else if (t === 'i32') {
      if (v < -0x80000000 || v > 0x7fffffff || !Number.isInteger(v)) {
        throw new Error(`webrnn: kernel ${kernel.name}: dim '${name}' = ${v} is not an i32`);
      }
      out.setInt32(offset + 4 * i, v, true);
    } else {
      if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) {
        throw new Error(`webrnn: kernel ${kernel.name}: dim '${name}' = ${v} is not a u32`);
      }
      out.setUint32(offset + 4 * i, v, true);
    }
  });
}

/** Descriptor parts of the kernels whose entry point is the per_element.wgsl prelude: workgroups
 *  of 256, one invocation per element of dims.n. */
export const perElement = {
  workgroupSize: [256, 1, 1] as const,
  dispatch: ({ n }: { readonly n: number }): [number, number, number] => grid1d(n, 256),
};
