// Records dispatches into one command encoder until something needs the results on the CPU.
// Each dispatch's dims go into a uniform arena (one slot per dispatch, bound at a dynamic offset)
// that is written with one writeBuffer just before the submit, so a whole training step is one
// submit with no CPU wait inside.
import { gpu, throwPendingErrors, type Gpu } from './device.js';
import { compile, packDims, type Kernel, type Overrides } from './kernel.js';

/** A storage binding: a whole buffer, or a byte range of one. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

const SLOT = 256; // minUniformBufferOffsetAlignment on every adapter we know of
const SLOTS = 4096;

export interface Counters {
  dispatches: number;
  submits: number;
  readbacks: number;
  /** Dispatches per kernel name since the last reset, for tests and the benchmark. */
  byKernel: Map<string, number>;
}

class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private uniformBuffer: GPUBuffer;
  private uniformData = new ArrayBuffer(SLOT * SLOTS);
  private uniformView = new DataView(this.uniformData);
  private slot = 0;
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  /** Buffers to destroy once the pending work is submitted (upload staging). */
  private afterSubmit: GPUBuffer[] = [];
  counters: Counters = { dispatches: 0, submits: 0, readbacks: 0, byKernel: new Map() };

  constructor(readonly g: Gpu) {
    this.uniformBuffer = g.device.createBuffer({
      label: 'dims-arena',
      size: SLOT * SLOTS,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** True when commands are recorded but not yet submitted. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.g.device.createCommandEncoder({ label: 'webrnn' });
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Records one dispatch of `kernel`. `grid` overrides the kernel's own dispatch rule. */
  dispatch<B extends string, D extends string>(
    kernel: Kernel<B, D>,
    buffers: Record<B, Binding>,
    dims: Record<D, number>,
    overrides: Overrides = {},
  ): void {
    if (this.g.lost) throw this.g.lost;
    const [x, y, z] = kernel.dispatch(dims, { ...kernel.overrides, ...overrides });
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.g.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`webrnn: kernel ${kernel.name}: grid [${x}, ${y}, ${z}] exceeds ${max} workgroups per dimension`);
    }
    if (this.slot === SLOTS) this.flush();
    const compiled = compile(this.g, kernel, overrides);
    const offset = this.slot * SLOT;
    if (kernel.dimNames.length) {
      packDims(kernel, dims as Record<string, number>, this.uniformView, offset);
      this.slot++;
    }
    const bindGroup = this.bindGroup(kernel, compiled.key, compiled.layout, buffers);
    const pass = this.pass ?? (this.pass = this.ensureEncoder().beginComputePass({ label: 'webrnn' }));
    pass.setPipeline(compiled.pipeline);
    pass.setBindGroup(0, bindGroup, kernel.dimNames.length ? [offset] : []);
    pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatches++;
    this.counters.byKernel.set(kernel.name, (this.counters.byKernel.get(kernel.name) ?? 0) + 1);
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  private bindGroup(kernel: Kernel, key: string, layout: GPUBindGroupLayout, buffers: Record<string, Binding>): GPUBindGroup {
    const parts = [key];
    const entries: GPUBindGroupEntry[] = kernel.bindingNames.map((name, i) => {
      const b = buffers[name];
      if (!b) throw new Error(`webrnn: kernel ${kernel.name}: binding '${name}' is missing`);
      if ('offset' in b) {
        parts.push(`${this.bufferId(b.buffer)}@${b.offset}+${b.size}`);
        return { binding: i, resource: { buffer: b.buffer, offset: b.offset, size: b.size } };
      }
      parts.push(`${this.bufferId(b)}`);
      return { binding: i, resource: { buffer: b } };
    });
    if (kernel.dimNames.length) {
      entries.push({ binding: kernel.bindingNames.length, resource: { buffer: this.uniformBuffer, size: SLOT } });
    }
    const cacheKey = parts.join('|');
    let bg = this.bindGroups.get(cacheKey);
    if (!bg) {
      // Buffers are pooled and few, so the cache stays small; clear it if a workload churns.
      if (this.bindGroups.size > 20000) this.bindGroups.clear();
      bg = this.g.device.createBindGroup({ label: kernel.name, layout, entries });
      this.bindGroups.set(cacheKey, bg);
    }
    return bg;
  }

  /** Records a buffer-to-buffer copy, ordered with the dispatches around it. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Writes CPU data into a buffer, ordered after every command recorded so far. */
  upload(dst: GPUBuffer, dstOffset: number, data: ArrayBufferView): void {
    const bytes = data.byteLength;
    if (bytes === 0) return;
    const src = new Uint8Array(data.buffer, data.byteOffset, bytes);
    if (!this.encoder) {
      // Nothing is pending, so the queue's own write is already in order.
      this.g.device.queue.writeBuffer(dst, dstOffset, src as Uint8Array<ArrayBuffer>);
      return;
    }
    const padded = Math.ceil(bytes / 4) * 4;
    const staging = this.g.device.createBuffer({ size: padded, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(src);
    staging.unmap();
    this.copy(staging, 0, dst, dstOffset, padded);
    this.afterSubmit.push(staging);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.slot) this.g.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformData, 0, this.slot * SLOT);
    this.g.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    this.counters.submits++;
    for (const b of this.afterSubmit.splice(0)) b.destroy();
  }

  /** Copies a byte range back to the CPU, after all work recorded so far. */
  async read(src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.g.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(src, offset, staging, 0, size);
    this.flush();
    this.counters.readbacks++;
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      throwPendingErrors(this.g);
      throw e;
    }
    throwPendingErrors(this.g);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.destroy();
    return out;
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.g.device.queue.onSubmittedWorkDone();
    throwPendingErrors(this.g);
  }

  resetCounters(): void {
    this.counters = { dispatches: 0, submits: 0, readbacks: 0, byKernel: new Map() };
  }
}

const recorders = new WeakMap<Gpu, Recorder>();

/** The command recorder of a device (the default device when omitted). */
export function recorder(g: Gpu = gpu()): Recorder {
  let r = recorders.get(g);
  if (!r) recorders.set(g, (r = new Recorder(g)));
  return r;
}

export type { Recorder };
