// The autograd tape. Every differentiable op is one `Op`: a forward and a backward side by side,
// with what the forward saves for the backward said explicitly. Running an op on tensors that
// require grad records a node; `backward()` replays the nodes in reverse topological order,
// accumulating gradients (fan-out adds up), then frees what the nodes saved. A graph that never
// sees a backward is freed by reference counts, as PyTorch's is: a node lives while one of its
// outputs or a live node that consumes one does.
import { disposeOnThrow, keep } from '../tensor/scope.js';
import { checkOperands, type GradNode, shapeStr, Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';

/** What an op's forward returns: its outputs, what its backward needs, and which of those saved
 *  tensors exist only for the backward (`scratch`, disposed when no graph is recorded). */
export interface Forward<S> {
  outputs: Tensor[];
  saved: S;
  scratch?: Tensor[];
}

/** Keeps a tensor's buffer alive for the backward, even if the caller disposes the tensor:
 *  returns a view that the tape frees with the graph. */
export type Save = (t: Tensor) => Tensor;

/** A differentiable op. `backward` is required: an op without one does not type-check. */
export interface Op<P, S> {
  readonly name: string;
  /** Tensors the backward reads must go through `save` unless the forward made them itself. */
  forward(inputs: readonly Tensor[], params: P, save: Save): Forward<S>;
  /** Gradients of the inputs (null where an input needs none, as `needs` says), given the
   *  gradients of the outputs (null for outputs that did not reach the loss). */
  backward(dOutputs: readonly (Tensor | null)[], saved: S, params: P, needs: readonly boolean[]): (Tensor | null)[];
}

class Node<P, S> implements GradNode {
  constructor(
    readonly op: Op<P, S>,
    readonly inputs: readonly Tensor[],
    readonly params: P,
    public saved: S | null,
    readonly scratch: Tensor[],
    readonly outputCount: number,
  ) {}
  get name(): string {
    return this.op.name;
  }
  released = false;
  release(): void {
    for (const t of this.scratch) t.dispose();
    this.saved = null;
    this.released = true;
  }
  /** Live outputs plus live nodes' uses of an output (set by apply). */
  refs = 0;
  unref(): void {
    // A loop, not recursion: a long chain of unreferenced nodes would overflow the JS stack.
    const dead: Node<unknown, unknown>[] = [];
    if (--this.refs === 0) dead.push(this as Node<unknown, unknown>);
    for (let node; (node = dead.pop()); ) {
      node.release();
      for (const t of node.inputs) {
        const producer = t.gradFn as Node<unknown, unknown> | null;
        if (producer && --producer.refs === 0) dead.push(producer);
      }
    }
  }
}

let gradEnabled = true;

/** Runs `fn` without recording the graph (inference, optimizer updates). */
export function noGrad<R>(fn: () => R): R {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Whether an op on these inputs is recorded (`apply`): grad enabled and an input requires grad.
 *  An op that is not can leave out what only its backward would read. */
export function willRecord(inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/** Runs an op and records it when any input requires grad. */
export function apply<P, S>(op: Op<P, S>, inputs: readonly Tensor[], params: P): Tensor[] {
  checkOperands(inputs, op.name);
  const record = willRecord(inputs);
  const held: Tensor[] = [];
  const save: Save = (t) => {
    if (!record) return t;
    const v = t.view(t.shape);
    v.savedForBackward = true;
    held.push(v);
    return v;
  };
  const { outputs, saved, scratch = [] } = disposeOnThrow(() => op.forward(inputs, params, save));
  if (!record) {
    for (const t of scratch) t.dispose();
    return outputs;
  }
  for (const t of scratch) t.savedForBackward = true;
  const node = new Node(op, [...inputs], params, saved, [...scratch, ...held], outputs.length);
  node.refs = outputs.length;
  for (const t of inputs) if (t.gradFn) (t.gradFn as AnyNode).refs++;
  outputs.forEach((t, i) => {
    t.requiresGrad = true;
    t.gradFn = node as GradNode;
    t.gradIndex = i;
  });
  return outputs;
}

/** Like `apply` for single-output ops. */
export function apply1<P, S>(op: Op<P, S>, inputs: readonly Tensor[], params: P): Tensor {
  return apply(op, inputs, params)[0]!;
}

type AnyNode = Node<unknown, unknown>;

/** Nodes reachable from `root`, each after every node that consumes its outputs. */
function topoOrder(root: AnyNode): AnyNode[] {
  const order: AnyNode[] = [];
  const seen = new Set<AnyNode>();
  // Iterative DFS: sequences can make graphs deep enough to overflow the JS stack.
  const stack: [AnyNode, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i]!.gradFn as AnyNode | null;
      if (child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the saved tensors so backward can run through the same graph again. */
  retainGraph?: boolean;
}

/** Backpropagates from `root` (a scalar, unless `grad` is given) into the `.grad` of every leaf
 *  tensor that requires grad. Gradients of leaves accumulate across calls, as in PyTorch. */
export function backward(ops: GradMath, root: Tensor, grad?: Tensor, opts: BackwardOptions = {}): void {
  checkOptions('backward', opts, { retainGraph: 'boolean' });
  root.assertAlive();
  if (!root.requiresGrad) throw new Error('webrnn: backward() on a tensor that does not require grad (no parameter reached it)');
  if (!grad && root.size !== 1) {
    throw new Error(`webrnn: backward() needs a scalar, got shape ${shapeStr(root.shape)}; pass the output gradient explicitly`);
  }
  if (grad && grad.size !== root.size) {
    throw new Error(`webrnn: backward(): gradient shape ${shapeStr(grad.shape)} does not match ${shapeStr(root.shape)}`);
  }
  const seed = !grad ? ops.onesLike(root) : grad.rank === root.rank ? grad : grad.view(root.shape);
  const rootNode = root.gradFn as AnyNode | null;
  if (!rootNode) {
    accumulateLeaf(root, grad ? grad.view(grad.shape) : seed, ops);
    return;
  }
  const pending = new Map<AnyNode, (Tensor | null)[]>();
  pending.set(rootNode, Array.from({ length: rootNode.outputCount }, (_, i) => (i === root.gradIndex ? seed : null)));
  for (const node of topoOrder(rootNode)) {
    const dOut = pending.get(node);
    pending.delete(node);
    if (!dOut) continue;
    if (node.released) throw new Error(`webrnn: backward through ${node.name} a second time; pass { retainGraph: true } the first time`);
    const needs = node.inputs.map((t) => t.requiresGrad);
    const dIn = noGrad(() => node.op.backward(dOut, node.saved as never, node.params, needs));
    node.inputs.forEach((input, i) => {
      const d = dIn[i];
      if (!d || !needs[i]) return;
      if (d.size !== input.size) {
        throw new Error(`webrnn: internal error: ${node.name} returned a gradient of shape ${shapeStr(d.shape)} for an input of shape ${shapeStr(input.shape)}`);
      }
      // Each use owns a view in the input's shape: an op may return an output gradient itself,
      // or the same tensor for two inputs (add's da = db = dy).
      const v = d.view(input.shape);
      const producer = input.gradFn as AnyNode | null;
      if (!producer) {
        accumulateLeaf(input, v, ops);
        return;
      }
      let slots = pending.get(producer);
      if (!slots) pending.set(producer, (slots = Array(producer.outputCount).fill(null)));
      const old = slots[input.gradIndex];
      slots[input.gradIndex] = old ? ops.addInto(old, v) : v;
    });
    // Views hold the storage; the user's own gradient tensor is never disposed.
    for (const d of [...dIn, ...dOut]) if (d && d !== grad) d.dispose();
    if (!opts.retainGraph) node.release();
  }
}

function accumulateLeaf(leaf: Tensor, d: Tensor, ops: GradMath): void {
  const g = keep(d.view(leaf.shape));
  d.dispose();
  if (leaf.grad && !leaf.grad.isDisposed) {
    const sum = keep(ops.add(leaf.grad, g));
    leaf.grad.dispose();
    g.dispose();
    leaf.grad = sum;
  } else {
    leaf.grad = g;
  }
}

/** The few kernels the tape itself needs (injected to keep this file free of kernel imports). */
export interface GradMath {
  onesLike(t: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  /** a + b, reusing a's or b's buffer where possible; disposes both. */
  addInto(a: Tensor, b: Tensor): Tensor;
}

/** An op whose inputs and outputs are named records; absent (optional) ones are left out. */
export interface NamedOp<I extends string, O extends string, P, S> {
  readonly name: string;
  /** Every input name, in the order the tape stores them. */
  readonly inputs: readonly I[];
  readonly outputs: readonly O[];
  forward(inputs: Readonly<Partial<Record<I, Tensor>>>, params: P, save: Save): {
    outputs: Partial<Record<O, Tensor>>;
    saved: S;
    scratch?: Tensor[];
  };
  /** Gradients of the inputs present (null where `needs` says none is wanted), given the
   *  gradients of the outputs (null where an output did not reach the loss). */
  backward(
    dOutputs: Readonly<Partial<Record<O, Tensor | null>>>,
    saved: S,
    params: P,
    needs: Readonly<Partial<Record<I, boolean>>>,
  ): Partial<Record<I, Tensor | null>>;
}

/** Runs a named op through the tape (as `apply`, with the present inputs in the op's order). */
export function applyNamed<I extends string, O extends string, P, S>(
  op: NamedOp<I, O, P, S>,
  inputs: Readonly<Partial<Record<I, Tensor>>>,
  params: P,
): Partial<Record<O, Tensor>> {
  const ins = op.inputs.filter((k) => inputs[k] !== undefined);
  let outs: O[] = [];
  const positional: Op<P, S> = {
    name: op.name,
    forward(list, p, save) {
      const named = Object.fromEntries(ins.map((k, i) => [k, list[i]])) as Partial<Record<I, Tensor>>;
      const f = op.forward(named, p, save);
      outs = op.outputs.filter((k) => f.outputs[k] !== undefined);
      return { outputs: outs.map((k) => f.outputs[k]!), saved: f.saved, scratch: f.scratch };
    },
    backward(dOut, saved, p, needs) {
      const d = Object.fromEntries(outs.map((k, i) => [k, dOut[i] ?? null])) as Partial<Record<O, Tensor | null>>;
      const n = Object.fromEntries(ins.map((k, i) => [k, needs[i]!])) as Partial<Record<I, boolean>>;
      const g = op.backward(d, saved, p, n);
      return ins.map((k) => g[k] ?? null);
    },
  };
  const result = apply(positional, ins.map((k) => inputs[k]!), params);
  return Object.fromEntries(outs.map((k, i) => [k, result[i]])) as Partial<Record<O, Tensor>>;
}
