// Tensors: a shape, a dtype and a pooled GPU buffer (shared by views such as reshape), plus the
// autograd fields the tape fills in. This layer sits below the kernels, which launch over tensors'
// buffers; the math lives in graph/ops, and the PyTorch-style methods are added by graph/methods.ts.
import { pool } from '../gpu/buffers.js';
import { gpu, type Gpu } from '../gpu/device.js';
import { recorder } from '../gpu/encoder.js';
import { noteCreated, noteDisposed } from './live.js';
import { track } from './scope.js';

/** Element types: 32-bit floats, or 32-bit integers (class indices, lengths). */
export type DType = 'float32' | 'int32';
/** Dimensions, outermost first ([] for a scalar). */
export type Shape = readonly number[];

/** A GPU buffer shared by a tensor and its views; returned to the pool when the last one goes. */
export class Storage {
  refs = 1;
  constructor(readonly g: Gpu, readonly buffer: GPUBuffer, readonly byteLength: number) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) pool(this.g).release(this.buffer);
  }
}

/** Autograd record of the op that produced a tensor (see tape.ts). */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** One of the node's outputs was disposed: the node frees what it saved once nothing (no live
   *  output, no live node that consumes one) can reach it, with or without a backward. */
  unref(): void;
}

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** A shape as error messages print it: `[2, 3]`. */
export const shapeStr = (shape: Shape): string => `[${shape.join(', ')}]`;

export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`webrnn: invalid ${what} ${shapeStr(shape)}: dimensions must be non-negative integers`);
  }
}

/** Bytes of a new tensor of `shape`, checked before anything is allocated (on the CPU or the
 *  GPU) against the largest buffer the device can bind: a named error instead of a RangeError. */
export function checkAllocation(shape: Shape, what = 'a tensor', g: Gpu = gpu()): number {
  checkShape(shape);
  const bytes = sizeOf(shape) * 4;
  const limit = Math.min(g.limits.maxStorageBufferBindingSize, g.limits.maxBufferSize);
  if (bytes > limit) {
    throw new Error(
      `webrnn: ${what} of shape ${shapeStr(shape)} needs ${bytes} bytes, more than ${g.label} can hold in one buffer ` +
        `(maxStorageBufferBindingSize/maxBufferSize = ${limit} bytes)`,
    );
  }
  return bytes;
}

/** Throws unless every tensor is alive and on the default device (the one ops run on): a tensor
 *  of a lost or another device would invalidate the whole pending submit, so it is refused
 *  before anything is recorded. */
export function checkOperands(ts: Iterable<Tensor>, where: string): void {
  let current: Gpu | undefined;
  for (const t of ts) t.assertOn((current ??= gpu()), where);
}

/** An n-dimensional array in a GPU buffer, with autograd fields (`requiresGrad`, `.grad`); ops and methods return new tensors, freed by dispose() or tidy(). */
export class Tensor {
  readonly size: number;
  private disposedFlag = false;
  /** Gradient accumulated by backward(), for tensors that require it. */
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** The op that made this tensor, when it was computed from tensors that require grad. */
  gradFn: GradNode | null = null;
  /** Which of gradFn's outputs this tensor is. */
  gradIndex = 0;
  /** Kept tensors survive the scope they were created in (parameters, gradients, optimizer state). */
  kept = false;
  /** Saved by a graph node for its backward, freed with the graph (leak reports leave it out). */
  savedForBackward = false;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly storage: Storage,
    opts: { requiresGrad?: boolean } = {},
  ) {
    this.size = sizeOf(shape);
    this.requiresGrad = opts.requiresGrad ?? false;
    track(this);
    noteCreated(this);
  }

  /** A new tensor with its own pooled buffer of `shape` (contents undefined). */
  static empty(shape: Shape, dtype: DType = 'float32', g: Gpu = gpu()): Tensor {
    const bytes = checkAllocation(shape, 'a tensor', g);
    return new Tensor([...shape], dtype, new Storage(g, pool(g).acquire(Math.max(bytes, 4)), bytes));
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }
  /** The GPUBuffer holding the values (throws after dispose()). */
  get buffer(): GPUBuffer {
    this.assertAlive();
    return this.storage.buffer;
  }
  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** The device this tensor's buffer lives on. */
  get device(): Gpu {
    return this.storage.g;
  }

  /** Throws a `webrnn:` error if the tensor was disposed. */
  assertAlive(): void {
    if (this.disposedFlag) throw new Error(`webrnn: tensor ${shapeStr(this.shape)} was used after dispose()`);
    if (this.storage.g.lost) throw new Error(`webrnn: ${this.lostMessage()}`);
  }

  /** Why a tensor of a lost device cannot be used. */
  private lostMessage(): string {
    const why = this.storage.g.lost!.message.replace(/^webrnn: \S+ device #\d+ /, '');
    return `tensor ${shapeStr(this.shape)} is on ${this.storage.g.label}, which ${why}; a tensor cannot move to another ` +
      'device: make it again after init() (weights: loadStateDict from saved values)';
  }

  /** Throws, naming `where`, unless this tensor is alive and on `current` (see checkOperands). */
  assertOn(current: Gpu, where: string): void {
    if (this.disposedFlag) throw new Error(`webrnn: ${where}: tensor ${shapeStr(this.shape)} was used after dispose()`);
    if (this.storage.g.lost) throw new Error(`webrnn: ${where}: ${this.lostMessage()}`);
    if (this.storage.g !== current) {
      throw new Error(`webrnn: ${where}: tensor ${shapeStr(this.shape)} is on ${this.storage.g.label}, but work runs on ${current.label} (the device init() returned)`);
    }
  }

  /** Copies the values back to the CPU (waits for the GPU work that produces them). */
  async data(): Promise<Float32Array | Int32Array> {
    this.assertAlive();
    const bytes = await recorder(this.storage.g).read(this.storage.buffer, 0, this.size * 4);
    return this.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  /** The values as nested arrays, like tf's arraySync/PyTorch's tolist(). */
  async array(): Promise<unknown> {
    const flat = Array.from(await this.data());
    const nest = (dims: readonly number[], at: number): unknown =>
      dims.length === 0 ? flat[at] : Array.from({ length: dims[0]! }, (_, i) => nest(dims.slice(1), at + i * sizeOf(dims.slice(1))));
    return nest(this.shape, 0);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`webrnn: item() needs a tensor with one element, got shape ${shapeStr(this.shape)}`);
    return (await this.data())[0]!;
  }

  /** A tensor of another shape over the same buffer (same element count). */
  view(shape: Shape): Tensor {
    this.assertAlive();
    const resolved = resolveShape(shape, this.size, this.shape);
    return new Tensor(resolved, this.dtype, this.storage.retain());
  }

  /** Returns the buffer to the pool. Using the tensor afterwards throws. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    noteDisposed(this);
    this.storage.release();
    // gradFn stays: the graph may still pass gradients through a disposed intermediate (its data
    // is gone, so any op that saved it for backward throws 'used after dispose' instead).
    this.gradFn?.unref();
  }

  /** `Tensor(dtype, [shape])`. */
  toString(): string {
    return `Tensor(${this.dtype}, ${shapeStr(this.shape)})`;
  }
}

/** Fills in one -1 dimension and checks the element count. */
export function resolveShape(shape: Shape, size: number, from: Shape): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = sizeOf(out.filter((_, i) => i !== free));
    if (rest === 0 || size % rest !== 0) throw new Error(`webrnn: cannot reshape ${shapeStr(from)} to ${shapeStr(shape)}`);
    out[free] = size / rest;
  }
  checkShape(out);
  if (sizeOf(out) !== size) {
    throw new Error(`webrnn: cannot reshape ${shapeStr(from)} (${size} elements) to ${shapeStr(shape)} (${sizeOf(out)} elements)`);
  }
  return out;
}
