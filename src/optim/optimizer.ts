// The optimizer base: parameters, per-parameter state tensors (kept on the GPU), the step count,
// and state dicts so training can stop and resume exactly. Updates are GPU kernels, no readback.
import { zeros } from '../graph/create.js';
import { keep } from '../graph/scope.js';
import type { Tensor } from '../graph/tensor.js';
import { recorder } from '../gpu/encoder.js';

/** Saved optimizer state: hyper-parameters, step count and state tensors by "index.name". */
export interface OptimizerState {
  step: number;
  options: Record<string, number | boolean>;
  tensors: Record<string, Tensor>;
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly params: Tensor[];
  /** Hyper-parameters; `lr` may be changed between steps (schedulers do). */
  options: O;
  /** Number of step() calls so far. */
  stepCount = 0;
  protected state: Map<string, Tensor>[];

  constructor(params: Iterable<Tensor>, options: O) {
    this.params = [...params];
    if (this.params.length === 0) throw new Error('webrnn: optimizer got an empty parameter list');
    for (const [k, v] of Object.entries(options)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`webrnn: optimizer option ${k} = ${v} is not finite`);
    }
    if (!(options.lr >= 0)) throw new Error(`webrnn: invalid learning rate ${options.lr}`);
    this.options = options;
    this.state = this.params.map(() => new Map());
  }

  get lr(): number {
    return this.options.lr;
  }
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
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad) this.update(p, p.grad, i);
    });
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

  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    this.state.forEach((s, i) => s.forEach((t, name) => (tensors[`${i}.${name}`] = t)));
    return { step: this.stepCount, options: { ...this.options }, tensors };
  }

  /** Restores a state saved by stateDict() (from this or an identical parameter list). */
  loadStateDict(state: OptimizerState): void {
    const problems: string[] = [];
    for (const [key, t] of Object.entries(state.tensors)) {
      const [i, name] = [Number(key.split('.')[0]), key.split('.').slice(1).join('.')];
      const p = this.params[i];
      if (!p || !name) problems.push(`unexpected state '${key}'`);
      else if (p.shape.join() !== t.shape.join()) problems.push(`state '${key}' has shape [${t.shape.join(', ')}], parameter ${i} is [${p.shape.join(', ')}]`);
    }
    if (!Number.isInteger(state.step) || state.step < 0) problems.push(`invalid step ${state.step}`);
    if (problems.length) throw new Error(`webrnn: optimizer loadStateDict: ${problems.join('; ')}`);
    for (const s of this.state) for (const t of s.values()) t.dispose();
    this.state = this.params.map(() => new Map());
    const rec = recorder();
    for (const [key, t] of Object.entries(state.tensors)) {
      const i = Number(key.split('.')[0]);
      const name = key.split('.').slice(1).join('.');
      const copy = keep(zeros(t.shape));
      rec.copy(t.buffer, 0, copy.buffer, 0, t.size * 4);
      this.state[i]!.set(name, copy);
    }
    this.stepCount = state.step;
    this.options = { ...this.options, ...state.options } as O;
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const s of this.state) for (const t of s.values()) t.dispose();
    this.state = this.params.map(() => new Map());
  }
}
