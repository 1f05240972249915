// nn.Module: parameters and sub-modules with PyTorch's dotted names, train/eval mode, and state
// dicts. Subclasses register what they own in their constructor; `forward` is theirs to define.
import { recorder } from '../gpu/encoder.js';
import { keep } from '../tensor/scope.js';
import { shapeStr, type Tensor } from '../tensor/tensor.js';

export type StateValue = Tensor | Float32Array;

export abstract class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private readonly ownBuffers = new Map<string, Tensor>();

  /** Registers a parameter: it requires grad and outlives every tidy() scope. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParams.set(name, keep(t));
    return t;
  }

  /** Registers a buffer: state saved in the state dict but not a parameter (batch norm's running
   *  statistics); it outlives every tidy() scope and gets no gradient. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, keep(t));
    return t;
  }

  /** [dotted name, buffer] pairs, own buffers first, then each sub-module's. */
  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, t] of this.ownBuffers) yield [prefix + n, t];
    for (const [n, m] of this.children) yield* m.namedBuffers(`${prefix}${n}.`);
  }

  /** Parameters then buffers of each module in turn, as PyTorch's state_dict orders them. */
  private *namedState(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, t] of this.ownParams) yield [prefix + n, t];
    for (const [n, t] of this.ownBuffers) yield [prefix + n, t];
    for (const [n, m] of this.children) yield* m.namedState(`${prefix}${n}.`);
  }

  /** Registers a sub-module under `name` (its parameters become `name.param`). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** [dotted name, parameter] pairs, own parameters first, then each sub-module's. */
  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, t] of this.ownParams) yield [prefix + n, t];
    for (const [n, m] of this.children) yield* m.namedParameters(`${prefix}${n}.`);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, t]) => t);
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix.replace(/\.$/, ''), this];
    for (const [n, m] of this.children) yield* m.namedModules(`${prefix}${n}.`);
  }

  /** Sets training mode (dropout active) on this module and every sub-module. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedState());
  }

  /** Copies values into the parameters and buffers. Every name and shape is checked before anything is
   *  written, so a bad record leaves the module untouched. */
  loadStateDict(record: Record<string, StateValue>, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, p] of Object.entries(own)) {
      const v = record[name];
      if (v === undefined) {
        if (strict) problems.push(`missing '${name}'`);
        continue;
      }
      const size = v instanceof Float32Array ? v.length : v.size;
      const shapeOk = v instanceof Float32Array ? size === p.size : v.shape.join() === p.shape.join();
      if (!shapeOk) {
        const got = v instanceof Float32Array ? `${size} values` : `${shapeStr(v.shape)}`;
        problems.push(`'${name}' has ${got}, expected ${shapeStr(p.shape)}`);
      }
      if (!(v instanceof Float32Array) && v.dtype !== p.dtype) problems.push(`'${name}' has dtype ${v.dtype}, expected ${p.dtype}`);
      if (!(v instanceof Float32Array) && v.isDisposed) problems.push(`'${name}' was disposed`);
    }
    if (strict) for (const name of Object.keys(record)) if (!(name in own)) problems.push(`unexpected '${name}'`);
    if (problems.length) throw new Error(`webrnn: loadStateDict: ${problems.join('; ')}`);
    const rec = recorder();
    for (const [name, p] of Object.entries(own)) {
      const v = record[name];
      if (v === undefined) continue;
      if (v instanceof Float32Array) rec.upload(p.buffer, 0, p.dtype === 'int32' ? Int32Array.from(v) : v);
      // The parameter itself (or a view of it): nothing to copy, and WebGPU refuses a self-copy.
      else if (v.storage !== p.storage) rec.copy(v.buffer, 0, p.buffer, 0, p.size * 4);
    }
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Frees every parameter (and its gradient) and buffer. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}
