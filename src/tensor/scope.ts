// Scopes, like tf.tidy: tensors created inside `tidy(fn)` are disposed when it returns, except the
// ones it returns and the ones marked with `keep()` (parameters, gradients, optimizer state).
import { collectTensors } from './live.js';
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

/** Called by every new tensor: it belongs to the innermost open scope. */
export function track(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

/** Marks a tensor to outlive every scope; returns it. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  for (const s of stack) s.delete(t);
  return t;
}

/** Runs `fn` and disposes the tensors it created, except what it returns (a tensor, or tensors
 *  inside an array or plain object) and kept ones. Returned tensors move to the enclosing scope. */
export function tidy<R>(fn: () => R): R {
  return scoped(fn, false);
}

/** tidy() around a forward pass whose backward() comes after it returns: what the recorded
 *  graph saved for its backward moves to the enclosing scope with the results (it is freed with
 *  the graph), every other tensor made inside is disposed. */
export function tidyForward<R>(fn: () => R): R {
  return scoped(fn, true);
}

function scoped<R>(fn: () => R, keepGraph: boolean): R {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  } finally {
    stack.pop();
  }
  if (result instanceof Promise) throw new Error('webrnn: tidy() takes a synchronous function; await outside it');
  const returned = new Set<Tensor>();
  collectTensors(result, returned, 0);
  for (const t of scope) {
    if (returned.has(t) || (keepGraph && t.savedForBackward)) track(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

/** Runs `fn`; if it throws, disposes the tensors it made so far (outside tidy() nothing else
 *  would: an op that fails half-way leaves no buffers behind). On success they stay in the scope. */
export function disposeOnThrow<R>(fn: () => R): R {
  const scope = new Set<Tensor>();
  stack.push(scope);
  try {
    return fn();
  } catch (e) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  } finally {
    stack.pop();
    for (const t of scope) if (!t.isDisposed && !t.kept) track(t);
  }
}
