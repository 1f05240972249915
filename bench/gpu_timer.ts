// Per-dispatch GPU time from 'timestamp-query'. WebGPU timestamps are written at compute-pass
// boundaries, so while installed every dispatch webrnn records runs in its own pass with
// timestampWrites: the device's createCommandEncoder is wrapped to hand out a pass stand-in that
// opens one real pass per dispatch. Nothing in webrnn changes; pass overhead grows a little.
import { createRequire } from 'node:module';

/** One timed dispatch: the pipeline's label (webrnn labels pipelines with the kernel name). */
export interface DispatchTime {
  kernel: string;
  tag: string;
  ns: number;
}

const req = createRequire(import.meta.url);

/** In Node, before webrnn's init(): offers webrnn (and tfjs) a Dawn instance whose timestamps are
 *  not quantized (Dawn rounds them to 2^16 ns by default, coarser than a small kernel), through
 *  navigator.gpu, which device.ts prefers. Returns false, changing nothing, where that fails. */
export async function preciseTimestampsGpu(): Promise<boolean> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return false;
  try {
    const dawn = req('webgpu') as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    Object.assign(globalThis, dawn.globals);
    const instance = dawn.create(['disable-dawn-features=timestamp_quantization']);
    const adapter = await instance.requestAdapter();
    if (!adapter?.features.has('timestamp-query')) return false;
    const nav = Object.assign(g.navigator ?? {}, { gpu: instance });
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    return true;
  } catch {
    return false;
  }
}

/** Timestamps per query set (WebGPU allows at most 4096 queries in one set). */
const QUERIES = 4096;

interface Pending {
  kernel: string;
  tag: string;
  set: number;
  index: number;
}

export class GpuTimer {
  /** Attached to the next dispatches (e.g. 'forward'); read by the profile table. */
  tag = '';
  private sets: GPUQuerySet[] = [];
  private used = 0;
  private pending: Pending[] = [];
  private original: GPUDevice['createCommandEncoder'] | null = null;

  constructor(private readonly device: GPUDevice) {
    if (!device.features.has('timestamp-query')) throw new Error("bench: the device has no 'timestamp-query' feature");
  }

  /** Starts timing every dispatch recorded on the device. */
  install(): void {
    if (this.original) return;
    const device = this.device;
    const original = (this.original = device.createCommandEncoder);
    device.createCommandEncoder = (desc?: GPUCommandEncoderDescriptor) => this.wrapEncoder(original.call(device, desc));
  }

  /** Stops timing (encoders made before keep their stand-ins until they finish). */
  uninstall(): void {
    if (!this.original) return;
    this.device.createCommandEncoder = this.original;
    this.original = null;
  }

  private slot(): { querySet: GPUQuerySet; set: number; index: number } {
    const set = Math.floor(this.used / QUERIES);
    const index = this.used % QUERIES;
    if (set === this.sets.length) this.sets.push(this.device.createQuerySet({ type: 'timestamp', count: QUERIES }));
    this.used += 2;
    return { querySet: this.sets[set]!, set, index };
  }

  private wrapEncoder(enc: GPUCommandEncoder): GPUCommandEncoder {
    const beginComputePass = (desc?: GPUComputePassDescriptor): GPUComputePassEncoder => {
      let pipeline: GPUComputePipeline | null = null;
      const groups = new Map<number, [GPUBindGroup | null, number[]]>();
      const stand = {
        label: desc?.label ?? '',
        setPipeline: (p: GPUComputePipeline) => void (pipeline = p),
        setBindGroup: (i: number, bg: GPUBindGroup | null, offsets: number[] = []) => void groups.set(i, [bg, [...offsets]]),
        dispatchWorkgroups: (x: number, y = 1, z = 1) => {
          const { querySet, set, index } = this.slot();
          const pass = enc.beginComputePass({
            label: desc?.label,
            timestampWrites: { querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 },
          });
          pass.setPipeline(pipeline!);
          for (const [i, [bg, offsets]] of groups) pass.setBindGroup(i, bg, offsets);
          pass.dispatchWorkgroups(x, y, z);
          pass.end();
          this.pending.push({ kernel: pipeline!.label || 'unlabelled', tag: this.tag, set, index });
        },
        end: () => {},
      };
      return stand as unknown as GPUComputePassEncoder;
    };
    return new Proxy(enc, {
      get: (target, key) => {
        if (key === 'beginComputePass') return beginComputePass;
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** Resolves every timestamp written so far (after the GPU finished that work) and resets. */
  async collect(): Promise<DispatchTime[]> {
    const pending = this.pending.splice(0);
    const used = this.used;
    this.used = 0;
    if (!pending.length) return [];
    const create = this.original ?? this.device.createCommandEncoder;
    const enc = create.call(this.device, { label: 'gpu-timer-resolve' });
    const bytes = this.sets.length * QUERIES * 8;
    const resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    for (let s = 0; s * QUERIES < used; s++) {
      enc.resolveQuerySet(this.sets[s]!, 0, Math.min(QUERIES, used - s * QUERIES), resolve, s * QUERIES * 8);
    }
    enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigInt64Array(read.getMappedRange().slice(0));
    read.destroy();
    resolve.destroy();
    return pending.map((p) => {
      const at = p.set * QUERIES + p.index;
      const ns = Number(t[at + 1]! - t[at]!);
      return { kernel: p.kernel, tag: p.tag, ns: Math.max(0, ns) };
    });
  }

  dispose(): void {
    this.uninstall();
    for (const s of this.sets) s.destroy();
    this.sets = [];
  }
}
