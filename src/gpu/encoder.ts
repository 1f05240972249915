// Records dispatches into one command encoder until something needs the results on the CPU.
// Each dispatch's dims go into a uniform arena (one slot per dispatch, bound at a dynamic offset)
// that is written with one writeBuffer just before the submit, so a whole training step is one
// submit with no CPU wait inside. Small uploads recorded between dispatches take the same path:
// their bytes go into an upload arena, written before the submit, and a recorded copy moves them
// into place (a staging buffer per upload cost a buffer creation each).
import { perDevice, throwPendingErrors, type Gpu } from './device.js';
import { compile, compiledCount, packDims, type CompiledKernel, type Kernel, type Overrides } from './kernel.js';
import { GpuWaiter } from './wait.js';

/** A storage binding: a whole buffer, or a byte range of one. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

const SLOT = 256; // minUniformBufferOffsetAlignment on every adapter we know of
const SLOTS = 4096;
/** Bytes of the upload arena: uploads recorded while work is pending that fit go through it. */
const ARENA = 1 << 16;
const NO_OVERRIDES: Overrides = Object.freeze({});
const LEAF = Symbol('bind group');
type TrieNode = Map<GPUBuffer | string | symbol, TrieNode | GPUBindGroup>;

/** A key of the caller's override values ('' for none). The same set in another key order only
 *  makes a second entry for the same compiled pipeline. */
function overrideKey(overrides: Overrides): string {
  let key = '';
  for (const name in overrides) key += `${name}=${+overrides[name]!},`;
  return key;
}

/** Folds one value of a dispatch into the key of the work waited for (GpuWaiter's estimates):
 *  two waits share an estimate only when they ran the same pipelines on the same grids and
 *  buffer sizes. Keyed by the number of dispatches alone, a whole-sequence launch over 10 steps
 *  slept as long as one over 500 had taken (both 3 dispatches). A 32-bit hash, as building a
 *  string per dispatch costs a small step's CPU time (see pipeline()). */
function mix(key: number, value: number): number {
  return Math.imul((key ^ (value >>> 0)) + 0x7f4a7c15, 0x9e3779b1) >>> 0;
}

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
  private arenaBuffer: GPUBuffer | null = null;
  private arenaData = new Uint8Array(ARENA);
  private arenaUsed = 0;
  private pipelines = new Map<Kernel, Map<string, CompiledKernel>>();
  private bindGroups = new Map<CompiledKernel, TrieNode>();
  private bindGroupCount = 0;
  private offsets = new Uint32Array(1);
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  /** Buffers to destroy once the pending work is submitted (upload staging). */
  private afterSubmit: GPUBuffer[] = [];
  /** All 0xFF bytes, on the GPU and on the CPU: what poison() copies or writes; grown on demand. */
  private poisonSource: GPUBuffer | null = null;
  private poisonBytes = new Uint8Array(0);
  counters: Counters = { dispatches: 0, submits: 0, readbacks: 0, byKernel: new Map() };
  /** The key of what was recorded since the last wait for the GPU began (mix), for the waiter
   *  that sleeps first; pipelines numbered for it. */
  private workKey = 0;
  private pipelineIds = new Map<CompiledKernel, number>();
  /** Whether a pipeline was made since the last wait began (that wait is no estimate: wait.ts). */
  private compiledUnwaited = false;
  private waiter: GpuWaiter;

  constructor(readonly g: Gpu) {
    // Only a software adapter shares its CPUs with the polling loop.
    this.waiter = new GpuWaiter(g.pollsWhileWaiting && g.info.isSoftware);
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
    overrides: Overrides = NO_OVERRIDES,
  ): void {
    if (this.g.lost) throw this.g.lost;
    const ovKey = overrideKey(overrides);
    // Only a kernel given overrides needs the merged set (its dispatch rule may read them).
    const merged = ovKey ? { ...kernel.overrides, ...overrides } : (kernel.overrides ?? NO_OVERRIDES);
    const [x, y, z] = kernel.dispatch(dims, merged);
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.g.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`webrnn: kernel ${kernel.name}: grid [${x}, ${y}, ${z}] exceeds ${max} workgroups per dimension`);
    }
    if (this.slot === SLOTS) this.flush();
    const compiled = this.pipeline(kernel, overrides, ovKey);
    const offset = this.slot * SLOT;
    const hasDims = kernel.dimNames.length > 0;
    if (hasDims) {
      packDims(kernel, dims as Record<string, number>, this.uniformView, offset);
      this.slot++;
    }
    const bindGroup = this.bindGroup(kernel, compiled, buffers);
    const pass = this.pass ?? (this.pass = this.ensureEncoder().beginComputePass({ label: 'webrnn' }));
    pass.setPipeline(compiled.pipeline);
    if (hasDims) {
      this.offsets[0] = offset;
      pass.setBindGroup(0, bindGroup, this.offsets, 0, 1);
    } else {
      pass.setBindGroup(0, bindGroup);
    }
    pass.dispatchWorkgroups(x, y, z);
    let bytes = 0;
    for (const name of kernel.bindingNames) bytes += buffers[name as B].size;
    this.workKey = mix(mix(mix(mix(mix(this.workKey, this.pipelineIds.get(compiled)!), x), y), z), bytes);
    this.counters.dispatches++;
    this.counters.byKernel.set(kernel.name, (this.counters.byKernel.get(kernel.name) ?? 0) + 1);
  }

  /** The compiled pipeline, found without building compile()'s canonical key on every dispatch
   *  (that string work and its garbage were ~15% of a small training step's CPU time). */
  private pipeline(kernel: Kernel, overrides: Overrides, ovKey: string): CompiledKernel {
    let byOverrides = this.pipelines.get(kernel);
    if (!byOverrides) this.pipelines.set(kernel, (byOverrides = new Map()));
    let c = byOverrides.get(ovKey);
    if (!c) {
      const before = compiledCount(this.g);
      byOverrides.set(ovKey, (c = compile(this.g, kernel, overrides)));
      if (!this.pipelineIds.has(c)) this.pipelineIds.set(c, this.pipelineIds.size + 1);
      if (compiledCount(this.g) !== before) this.compiledUnwaited = true;
    }
    return c;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /** The bind group of these buffers, cached in a trie keyed by the pipeline, then by each
   *  binding's buffer (a byte range by a string of buffer, offset and size): a hit allocates nothing. */
  private bindGroup(kernel: Kernel, compiled: CompiledKernel, buffers: Record<string, Binding>): GPUBindGroup {
    // Buffers are pooled and few, so the cache stays small; clear it if a workload churns.
    if (this.bindGroupCount > 20000) {
      this.bindGroups.clear();
      this.bindGroupCount = 0;
    }
    let node = this.bindGroups.get(compiled);
    if (!node) this.bindGroups.set(compiled, (node = new Map()));
    const names = kernel.bindingNames;
    for (let i = 0; i < names.length; i++) {
      const b = buffers[names[i]!];
      if (!b) throw new Error(`webrnn: kernel ${kernel.name}: binding '${names[i]}' is missing`);
      const key = 'offset' in b ? `${this.bufferId(b.buffer)}@${b.offset}+${b.size}` : b;
      let next = node.get(key) as TrieNode | undefined;
      if (!next) node.set(key, (next = new Map()));
      node = next;
    }
    let bg = node.get(LEAF) as GPUBindGroup | undefined;
    if (!bg) {
      this.bindGroupCount++;
      const entries: GPUBindGroupEntry[] = names.map((name, i) => {
        const b = buffers[name]!;
        return { binding: kernel.bindingSlots[i]!, resource: 'offset' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } };
      });
      if (kernel.dimNames.length) {
        entries.push({ binding: kernel.dimsSlot, resource: { buffer: this.uniformBuffer, size: SLOT } });
      }
      bg = this.g.device.createBindGroup({ label: kernel.name, layout: compiled.layout, entries });
      node.set(LEAF, bg);
    }
    return bg;
  }

  /** Records a buffer-to-buffer copy, ordered with the dispatches around it. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Records zeroing a byte range (a buffer clear: on lavapipe a memset, no kernel launch). */
  clear(dst: GPUBuffer, offset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.ensureEncoder().clearBuffer(dst, offset, bytes);
  }

  /** Fills a whole buffer with 0xFF bytes (NaN as float32, -1 as int32), ordered after every
   *  command recorded so far: Tuning.poisonBuffers, so an element no kernel writes shows up. A
   *  clear only writes zeros and the fill kernel's f32 value cannot carry this NaN's bits, so it
   *  is a write or a copy from a standing 0xFF buffer, taking the same path as an upload would:
   *  the queue's own write while nothing is pending, so poisoning adds no staging buffers. */
  poison(dst: GPUBuffer): void {
    let src = this.poisonSource;
    if (!src || src.size < dst.size) {
      // The old source may still be read by recorded copies: destroy it only after the submit.
      if (src) this.afterSubmit.push(src);
      const size = Math.min(Math.max(dst.size, 2 * (src?.size ?? 0), 1 << 16), this.g.limits.maxBufferSize);
      src = this.g.device.createBuffer({ label: 'poison', size, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
      new Uint8Array(src.getMappedRange()).fill(0xff);
      src.unmap();
      this.poisonSource = src;
      this.poisonBytes = new Uint8Array(size).fill(0xff);
    }
    if (this.encoder) this.copy(src, 0, dst, 0, dst.size);
    else this.g.device.queue.writeBuffer(dst, 0, this.poisonBytes, 0, dst.size);
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
    if (padded <= ARENA) {
      if (this.arenaUsed + padded > ARENA) this.flush(); // then the queue's own write is in order
      if (!this.encoder) {
        this.g.device.queue.writeBuffer(dst, dstOffset, src as Uint8Array<ArrayBuffer>);
        return;
      }
      this.arenaBuffer ??= this.g.device.createBuffer({ label: 'upload-arena', size: ARENA, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      this.arenaData.set(src, this.arenaUsed);
      this.arenaData.fill(0, this.arenaUsed + bytes, this.arenaUsed + padded); // as a new staging buffer's
      this.copy(this.arenaBuffer, this.arenaUsed, dst, dstOffset, padded);
      this.arenaUsed += padded;
      return;
    }
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
    // Queue order: the previous submit has read the arena before this write lands.
    if (this.arenaUsed) this.g.device.queue.writeBuffer(this.arenaBuffer!, 0, this.arenaData, 0, this.arenaUsed);
    this.arenaUsed = 0;
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
      await this.waitForGpu(() => staging.mapAsync(GPUMapMode.READ));
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
    await this.waitForGpu(() => this.g.device.queue.onSubmittedWorkDone());
    throwPendingErrors(this.g);
  }

  private waitForGpu(wait: () => Promise<void>): Promise<void> {
    const key = this.workKey;
    const compiled = this.compiledUnwaited;
    this.workKey = 0;
    this.compiledUnwaited = false;
    return this.waiter.wait(key, wait, compiled);
  }

  resetCounters(): void {
    this.counters = { dispatches: 0, submits: 0, readbacks: 0, byKernel: new Map() };
  }
}

/** The command recorder of a device (the default device when omitted). */
export const recorder = perDevice((g) => new Recorder(g));

export type { Recorder };
