// Pooled storage buffers. Freed buffers go back to a free list by size class and are handed out
// again, so a steady-state loop allocates nothing new. Reuse is safe inside one command encoder:
// WebGPU orders every dispatch after the ones recorded before it. With Tuning.poisonBuffers set,
// every buffer handed out is first filled with NaN on that same command stream.
import { perDevice, type Gpu } from './device.js';
import { recorder } from './encoder.js';

const USAGE_STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST (constants not global in Node before init)

/** Rounds a byte size up to its class: 256-byte aligned, then four classes per power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 256) * 256);
  if (b <= 4096) return b;
  const pow = 2 ** Math.floor(Math.log2(b));
  const step = pow / 4;
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Bytes and buffers currently held by live tensors. */
  liveBytes: number;
  liveBuffers: number;
  /** Bytes and buffers waiting in the free list. */
  pooledBytes: number;
  pooledBuffers: number;
  /** Buffers created since the device was made (a steady loop keeps this flat). */
  createdBuffers: number;
}

class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  liveBytes = 0;
  pooledBytes = 0;
  pooledBuffers = 0;
  createdBuffers = 0;

  constructor(readonly g: Gpu) {}

  acquire(bytes: number): GPUBuffer {
    const limit = this.g.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new Error(
        `webrnn: a tensor of ${bytes} bytes exceeds this adapter's storage binding limit ` +
          `(maxStorageBufferBindingSize = ${limit} bytes); split it into smaller tensors`,
      );
    }
    const size = Math.min(sizeClass(bytes), Math.max(limit, 256));
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.pooledBytes -= size;
      this.pooledBuffers--;
    } else {
      buf = this.g.device.createBuffer({ size, usage: USAGE_STORAGE, label: `pool:${size}` });
      this.createdBuffers++;
    }
    this.live.add(buf);
    this.liveBytes += size;
    // Recycled buffers hold their last user's values and new ones zeros, either of which can pass
    // for a kernel's output; NaN cannot.
    if (this.g.tuning.poisonBuffers) recorder(this.g).poison(buf);
    return buf;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) throw new Error('webrnn: internal error: buffer released twice');
    this.liveBytes -= buf.size;
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.pooledBytes += buf.size;
    this.pooledBuffers++;
  }

  /** Destroys every pooled (free) buffer, returning their memory to the driver. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
  }

  stats(): PoolStats {
    return {
      liveBytes: this.liveBytes,
      liveBuffers: this.live.size,
      pooledBytes: this.pooledBytes,
      pooledBuffers: this.pooledBuffers,
      createdBuffers: this.createdBuffers,
    };
  }
}

/** The buffer pool of a device (the default device when omitted). */
export const pool = perDevice((g) => new BufferPool(g));

export type { BufferPool };
