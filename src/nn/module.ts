// nn.Module: parameters and sub-modules with PyTorch's dotted names, train/eval mode, and state
// dicts. As in PyTorch, what a module owns is registered by assigning it to a property
// (`this.lstm = new nn.LSTM(…)`, `this.w = randn(shape, { requiresGrad: true })`), named by the
// property, or explicitly with registerModule/registerParameter; `forward` is the subclass's.
import { recorder } from '../gpu/encoder.js';
import { keep } from '../tensor/scope.js';
import { checkOperands, shapeStr, Tensor } from '../tensor/tensor.js';

/** A value loadStateDict() accepts for a parameter: a tensor of its shape or its values as a Float32Array. */
export type StateValue = Tensor | Float32Array;

/** Base of every layer (PyTorch's nn.Module): parameters and sub-modules with dotted names, train/eval mode and state dicts. */
export abstract class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownModules = new Map<string, Module>();
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
    for (const [name, m] of this.namedModules(prefix)) {
      for (const [n, t] of m.ownBuffers) yield [name ? `${name}.${n}` : n, t];
    }
  }

  /** Registers a sub-module under `name` (its parameters become `name.param`). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.ownModules.set(name, m);
    return m;
  }

  /** This module's own parameters and sub-modules: the registered ones, then those assigned to
   *  its own enumerable properties (in assignment order, named by the property), as PyTorch's
   *  __setattr__ registers them. A parameter is a leaf tensor that requires grad (PyTorch's
   *  nn.Parameter); plain tensors (states, buffers) are not. Modules in a plain array are not
   *  registered in PyTorch either, so they are refused rather than silently left untrained. */
  private own(): { params: Map<string, Tensor>; modules: Map<string, Module> } {
    const params = new Map(this.ownParams);
    const modules = new Map(this.ownModules);
    const known = new Set<unknown>([...params.values(), ...modules.values()]);
    const found: [string, unknown][] = Object.entries(this);
    for (const [key, v] of found) {
      if (known.has(v)) continue;
      if (v instanceof Module && v !== this && !modules.has(key)) {
        modules.set(key, v);
        known.add(v);
      } else if (v instanceof Tensor && isParameter(v) && !params.has(key)) {
        params.set(key, keep(v));
        known.add(v);
      }
    }
    for (const [key, v] of found) {
      if (!Array.isArray(v)) continue;
      const lost = v.find((x) => !known.has(x) && (x instanceof Module || (x instanceof Tensor && isParameter(x))));
      if (lost) {
        throw new Error(
          `webrnn: ${this.constructor.name}.${key} holds ${lost instanceof Module ? 'modules' : 'parameters'} in a plain array, which ` +
            'registers nothing (as in PyTorch): use nn.Sequential, one property each, or registerModule/registerParameter',
        );
      }
    }
    return { params, modules };
  }

  /** [dotted name, parameter] pairs, own parameters first, then each sub-module's; a parameter
   *  or module reached twice (shared, tied) is listed once, under its first name, as in PyTorch. */
  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [name, m] of this.namedModules(prefix)) {
      for (const [n, t] of m.own().params) {
        if (seen.has(t)) continue;
        seen.add(t);
        yield [name ? `${name}.${n}` : n, t];
      }
    }
  }

  /** Every parameter, in namedParameters() order (what an optimizer takes). */
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, t]) => t);
  }

  /** [dotted name, module] pairs, this one first (named by `prefix`), each module once. */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix.replace(/\.$/, ''), this];
    for (const [n, m] of this.own().modules) yield* m.namedModules(`${prefix}${n}.`, seen);
  }

  /** Direct sub-modules by name. */
  namedChildren(): [string, Module][] {
    return [...this.own().modules];
  }

  /** Sets training mode (dropout active) on this module and every sub-module. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (dropout off) on this module and every sub-module; same as train(false). */
  eval(): this {
    return this.train(false);
  }

  private halfWeightsOn = false;

  /** Whether halfWeights() is on for this module. */
  get halfWeightsEnabled(): boolean {
    return this.halfWeightsOn;
  }

  /**
   * f16 weights for inference, on this module and every sub-module: the weight matrices of nn.LSTM
   * and nn.GRU (PyTorch's reset-after GRU) and nn.Linear's weight are stored as binary16 (made now
   * from the float32 parameters, which stay) and read by kernels that widen them to f32 and sum in
   * f32: with the shader-f16 feature on a GPU that has it, as u32 pairs on software adapters and
   * GPUs without it. forward(), step() and nn.generate use them (a token step that fuses its input
   * projection reads W_ih as float32). Results move by the f16 rounding of the weights (a relative
   * 2⁻¹¹ each). Forwards must then run under noGrad() (no gradient flows through f16 weights: a
   * recorded forward throws; call halfWeights(false) to train). The copies are a snapshot, like
   * PyTorch's module.half(): loadStateDict() refreshes them; after changing the parameters any
   * other way, call halfWeights() again. Biases, nn.Embedding tables and norm scales stay float32;
   * a module with other weight matrices (the reset-before GRU, RNN, cells, convolutions, your own)
   * is refused by name, before anything changes. halfWeights(false) frees the copies.
   */
  halfWeights(enabled = true): this {
    const modules = [...this.namedModules()];
    if (enabled) {
      for (const [name, m] of modules) {
        if (m.halfWeightsKind() !== 'none') continue;
        const matrix = [...m.own().params].find(([, t]) => t.rank >= 2);
        if (matrix) {
          throw new Error(`webrnn: halfWeights: ${name || 'the module'} (${m.constructor.name}) has no kernels for f16 weights (its parameter ` +
            `'${matrix[0]}' ${shapeStr(matrix[1].shape)}); f16 weights cover nn.LSTM, nn.GRU (resetAfter, the default) and nn.Linear`);
        }
      }
    }
    for (const [, m] of modules) {
      m.halfWeightsOn = enabled;
      m.makeHalfWeights(enabled);
    }
    return this;
  }

  /** How this module takes halfWeights(): 'half' (it reads its weights as f16: makeHalfWeights
   *  makes them), 'float32' (its parameters stay float32 by design), or 'none' (refused when it
   *  owns a weight matrix). */
  protected halfWeightsKind(): 'half' | 'float32' | 'none' {
    return 'none';
  }

  /** Makes (true) or frees (false) this module's own binary16 weight copies. */
  protected makeHalfWeights(_enabled: boolean): void {}

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Parameters, then buffers, of each module by dotted name (the tensors themselves, not copies).
   *  As PyTorch's state_dict, a shared parameter appears under every name it is reachable by. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const walk = (m: Module, prefix: string, path: Set<Module>): void => {
      const { params, modules } = m.own();
      for (const [n, t] of params) out[prefix + n] = t;
      for (const [n, t] of m.ownBuffers) out[prefix + n] = t;
      for (const [n, child] of modules) if (!path.has(child)) walk(child, `${prefix}${n}.`, new Set(path).add(child));
    };
    walk(this, '', new Set([this]));
    return out;
  }

  /** Copies values into the parameters and buffers. Every name and shape is checked before
   *  anything is written, so a bad record leaves the module untouched. */
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
      else if (!(v instanceof Float32Array)) problems.push(...deviceProblem(name, v));
    }
    if (strict) for (const name of Object.keys(record)) if (!(name in own)) problems.push(`unexpected '${name}'`);
    if (problems.length) throw new Error(`webrnn: loadStateDict: ${problems.join('; ')}`);
    checkOperands(Object.values(own), 'loadStateDict (the module\'s own parameters)');
    const rec = recorder();
    for (const [name, p] of Object.entries(own)) {
      const v = record[name];
      if (v === undefined) continue;
      if (v instanceof Float32Array) rec.upload(p.buffer, 0, p.dtype === 'int32' ? Int32Array.from(v) : v);
      // The parameter itself (or a view of it): nothing to copy, and WebGPU refuses a self-copy.
      else if (v.storage !== p.storage) rec.copy(v.buffer, 0, p.buffer, 0, p.size * 4);
    }
    // f16 copies follow the parameters they were made from.
    for (const [, m] of this.namedModules()) if (m.halfWeightsOn) m.makeHalfWeights(true);
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Frees every parameter (and its gradient) and buffer, and the f16 copies of halfWeights(). */
  dispose(): void {
    for (const [, m] of this.namedModules()) m.makeHalfWeights(false);
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}

/** A tensor that a property assignment registers as a parameter: a leaf that requires grad. */
const isParameter = (t: Tensor): boolean => t.requiresGrad && !t.gradFn && !t.isDisposed;

/** Why `t` cannot be copied on the current device (lost, or another one): a list of 0 or 1. */
function deviceProblem(name: string, t: Tensor): string[] {
  try {
    checkOperands([t], 'loadStateDict');
    return [];
  } catch (e) {
    return [`'${name}': ${(e as Error).message.replace(/^webrnn: (loadStateDict: )?/, '')}`];
  }
}
