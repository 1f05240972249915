// The optimizer base: parameters, per-parameter state tensors (kept on the GPU), the step count,
// and state dicts so training can stop and resume exactly. Updates are GPU kernels, no readback.
import { zeros } from '../graph/create.js';
import { keep } from '../tensor/scope.js';
import { checkOperands, shapeStr, Tensor } from '../tensor/tensor.js';
import { recorder } from '../gpu/encoder.js';
import { checkArg, checkOptions, show, type Spec } from '../util/options.js';

/** An optimizer's options as given: an options object, or (as in PyTorch) the learning rate alone. */
export type OptionsArg<O> = number | Partial<O>;

/** The options object from `opts` (a number is the lr, PyTorch's second positional argument),
 *  checked against `spec`: unknown keys and bad values are refused by name. */
export function readOptions<O>(where: string, opts: OptionsArg<O> | undefined, spec: Spec): Partial<O> {
  if (typeof opts === 'number') {
    checkArg(where, 'lr', opts, 'nonNegative');
    return { lr: opts } as unknown as Partial<O>;
  }
  checkOptions(where, opts, spec);
  return Object.fromEntries(Object.entries(opts ?? {}).filter(([, v]) => v !== undefined)) as Partial<O>;
}

/** The parameters of an optimizer: an iterable of live float32 tensors (model.parameters()). */
function paramList(where: string, params: unknown): Tensor[] {
  const iterable = params !== null && typeof params === 'object' && Symbol.iterator in params;
  if (!iterable) throw new Error(`webrnn: ${where}: params must be an iterable of Tensors (model.parameters()), got ${show(params)}`);
  const list = [...(params as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`webrnn: ${where}: params[${i}] must be a Tensor, got ${show(p)}`);
    p.assertAlive();
    if (p.dtype !== 'float32') throw new Error(`webrnn: ${where}: params[${i}] must be float32, got ${p.dtype} ${shapeStr(p.shape)}`);
  });
  return list as Tensor[];
}

/** Saved optimizer state: hyper-parameters, step count, each parameter's own step count (as
 *  torch.optim keeps one per parameter) and state tensors by "index.name". */
export interface OptimizerState {
  step: number;
  options: Record<string, number | boolean>;
  /** Updates each parameter has had (it is skipped while it has no gradient); absent in old states. */
  paramSteps?: number[];
  tensors: Record<string, Tensor>;
}

/** What checkStateDict needs of a state tensor: GPU tensors and host copies both fit. */
export interface StateTensorInfo {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly isDisposed?: boolean;
}

/** Base of the optimizers: the parameters, hyper-parameters, per-parameter state tensors and step counts, and their state dict. */
export abstract class Optimizer<O extends { lr: number }> {
  readonly params: Tensor[];
  /** Hyper-parameters; `lr` may be changed between steps (schedulers do). */
  options: O;
  /** Number of step() calls so far. */
  stepCount = 0;
  /** Updates per parameter: bias corrections and lr decay use the parameter's own count. */
  protected paramSteps: number[];
  protected state: Map<string, Tensor>[];
  /** The state tensors this optimizer keeps per parameter (loadStateDict refuses others). */
  protected abstract get stateNames(): readonly string[];

  constructor(params: Iterable<Tensor>, options: O) {
    this.params = paramList(new.target.name, params);
    if (this.params.length === 0) throw new Error(`webrnn: ${new.target.name}: optimizer got an empty parameter list`);
    for (const [k, v] of Object.entries(options)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`webrnn: optimizer option ${k} = ${v} is not finite`);
    }
    if (!(options.lr >= 0)) throw new Error(`webrnn: invalid learning rate ${options.lr}`);
    this.options = options;
    this.state = this.params.map(() => new Map());
    this.paramSteps = this.params.map(() => 0);
  }

  /** The learning rate (options.lr); schedulers set it. */
  get lr(): number {
    return this.options.lr;
  }
  /** Sets the learning rate of the next steps. */
  set lr(v: number) {
    this.options.lr = v;
  }

  /** Clears the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    // Refused before any update is recorded: a tensor of a lost device would void the submit.
    checkOperands(this.params.flatMap((p) => (p.grad ? [p, p.grad] : [p])), `${this.constructor.name}.step`);
    this.stepCount++;
    const due: number[] = [];
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      this.paramSteps[i]!++;
      due.push(i);
    });
    this.updateAll(due);
  }

  /** Updates the parameters at `indices` (those with a gradient): one update() each, unless a
   *  subclass batches them. */
  protected updateAll(indices: readonly number[]): void {
    for (const i of indices) this.update(this.params[i]!, this.params[i]!.grad!, i);
  }

  protected abstract update(p: Tensor, g: Tensor, index: number): void;

  /** The state tensor `name` of parameter `index`, created (zeros) on first use. */
  protected buffer(index: number, name: string, fill?: (t: Tensor) => void): Tensor {
    const s = this.state[index]!;
    let t = s.get(name);
    if (!t) {
      t = keep(zeros(this.params[index]!.shape));
      fill?.(t);
      s.set(name, t);
    }
    return t;
  }

  protected hasBuffer(index: number, name: string): boolean {
    return this.state[index]!.has(name);
  }

  /** The step counts, hyper-parameters and state tensors (named `<param index>.<state>`, e.g. `0.exp_avg`), as saveCheckpoint stores them. */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.state.forEach((s, i) => s.forEach((t, name) => (tensors[`${i}.${name}`] = t)));
    return { step: this.stepCount, options: { ...this.options }, paramSteps: [...this.paramSteps], tensors };
  }

  /** Throws, naming every problem, unless `state` fits this optimizer and its parameters. */
  checkStateDict(state: Omit<OptimizerState, 'tensors'> & { tensors: Record<string, StateTensorInfo> }): void {
    const problems: string[] = [];
    for (const [key, t] of Object.entries(state.tensors ?? {})) {
      const cut = key.indexOf('.');
      const i = cut > 0 && /^\d+$/.test(key.slice(0, cut)) ? Number(key.slice(0, cut)) : -1;
      const name = key.slice(cut + 1);
      const p = this.params[i];
      if (!p || !this.stateNames.includes(name)) problems.push(`unexpected state '${key}' (expected <parameter index>.{${this.stateNames.join(', ')}})`);
      else if (p.shape.join() !== t.shape.join()) problems.push(`state '${key}' has shape ${shapeStr(t.shape)}, parameter ${i} is ${shapeStr(p.shape)}`);
      else if (t.dtype !== 'float32') problems.push(`state '${key}' has dtype ${t.dtype}, expected float32`);
      else if (t.isDisposed) problems.push(`state '${key}' was disposed`);
    }
    if (!Number.isInteger(state.step) || state.step < 0) problems.push(`invalid step ${state.step}`);
    const ps = state.paramSteps;
    if (ps !== undefined && (!Array.isArray(ps) || ps.length !== this.params.length || ps.some((n) => !Number.isInteger(n) || n < 0 || n > state.step))) {
      problems.push(`paramSteps must be ${this.params.length} integers in 0..${state.step}`);
    }
    for (const [k, v] of Object.entries(state.options ?? {})) {
      const own = (this.options as Record<string, unknown>)[k];
      if (own === undefined) problems.push(`unknown option '${k}'`);
      else if (typeof v !== typeof own || (typeof v === 'number' && !Number.isFinite(v))) problems.push(`option ${k} = ${String(v)} is not a valid ${typeof own}`);
    }
    if (problems.length) throw new Error(`webrnn: ${this.constructor.name} loadStateDict: ${problems.join('; ')}`);
  }

  /** Restores a state saved by stateDict() (from this or an identical parameter list); a state
   *  that does not fit is refused before anything changes. */
  loadStateDict(state: OptimizerState): void {
    this.checkStateDict(state);
    checkOperands(Object.values(state.tensors), `${this.constructor.name}.loadStateDict`);
    const fresh: Map<string, Tensor>[] = this.params.map(() => new Map());
    const rec = recorder();
    for (const [key, t] of Object.entries(state.tensors)) {
      const i = Number(key.split('.')[0]);
      const name = key.split('.').slice(1).join('.');
      const copy = keep(zeros(t.shape));
      rec.copy(t.buffer, 0, copy.buffer, 0, t.size * 4);
      fresh[i]!.set(name, copy);
    }
    // Only now: `state` may hold this optimizer's own tensors (opt.loadStateDict(opt.stateDict())).
    for (const s of this.state) for (const t of s.values()) t.dispose();
    this.state = fresh;
    this.stepCount = state.step;
    // Without per-parameter counts, a parameter with state has had every step (the old format).
    this.paramSteps = state.paramSteps ? [...state.paramSteps] : this.state.map((s) => (s.size ? state.step : 0));
    this.options = { ...this.options, ...state.options } as O;
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const s of this.state) for (const t of s.values()) t.dispose();
    this.state = this.params.map(() => new Map());
  }
}
