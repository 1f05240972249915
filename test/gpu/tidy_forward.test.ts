// tidyForward: a forward pass in a scope whose backward() runs after the scope closed. What the
// recorded graph saved survives the scope (tidy() frees it, so a later backward fails), every
// other intermediate is freed, and disposing the output releases the graph and its saved tensors.
import { beforeAll, expect, test } from 'vitest';
import { init, memory, ops, tensor, tidy } from 'webrnn';
import { tidyForward } from '../../src/tensor/scope.js';

beforeAll(async () => {
  await init();
});

test('tidyForward keeps what backward needs and nothing else', async () => {
  const w = tensor([0.5, 0.9, -0.7, 0.8], [2, 2], { requiresGrad: true });
  const before = memory().liveTensors;
  const forward = () => {
    const a = ops.mul(w, w); // saves both operands
    const b = ops.matmul(a, w); // saves a and w
    return ops.sum(ops.tanh(b));
  };
  const y = tidyForward(forward);
  const held = memory().liveTensors - before;
  y.backward();
  const g = (await w.grad!.data()) as Float32Array;
  // d/dw Σ tanh((w⊙w)·w), by central differences in float64
  const f = (v: number[]) => {
    const a = v.map((x) => x * x);
    let s = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) s += Math.tanh(a[i * 2]! * v[j]! + a[i * 2 + 1]! * v[2 + j]!);
    return s;
  };
  const base = [0.5, 0.9, -0.7, 0.8];
  const want = base.map((_, k) => {
    const up = [...base];
    const dn = [...base];
    up[k]! += 1e-6;
    dn[k]! -= 1e-6;
    return (f(up) - f(dn)) / 2e-6;
  });
  for (let k = 0; k < 4; k++) expect(Math.abs(g[k]! - want[k]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[k]!)));
  expect(Math.min(...want.map(Math.abs))).toBeGreaterThan(0.01); // not saturated: every entry is a real check
  y.dispose();
  w.grad!.dispose();
  w.grad = null;
  expect(memory().liveTensors).toBe(before);
  expect(held).toBeGreaterThan(1); // the output and what its graph saved

  const z = tidy(forward);
  expect(() => z.backward()).toThrow(/used after dispose/); // why tidyForward exists
  z.dispose();
  w.dispose();
});
