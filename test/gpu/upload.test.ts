// Uploads recorded while work is pending (tensor() between kernels, a state dict loaded mid-step):
// small ones go through the recorder's upload arena, written just before the submit, large ones
// through a staging buffer. Either way a command recorded after an upload sees its data and one
// recorded before it does not, and a full arena submits and starts over.
import { expect, test } from 'vitest';
import { init, tensor, zeros } from 'webrnn';
import { recorder } from '../../src/gpu/encoder.js';

await init();

const ramp = (n: number, from: number) => Float32Array.from({ length: n }, (_, j) => from + j);

test('small uploads between kernels, more than the arena holds in one submit', async () => {
  const z = zeros([1000]);
  expect(recorder().pending).toBe(true);
  const before = recorder().counters.submits;
  // 40 uploads of 4,000 bytes: more than the 64 KiB arena, so it submits once on the way.
  const ups = Array.from({ length: 40 }, (_, i) => tensor(ramp(1000, i * 1000)));
  const sums = ups.map((u) => u.add(z));
  expect(recorder().counters.submits).toBeGreaterThan(before);
  for (let i = 0; i < sums.length; i++) expect(Array.from(await sums[i]!.data())).toEqual(Array.from(ramp(1000, i * 1000)));
  for (const t of [z, ...ups, ...sums]) t.dispose();
});

test('an upload over a tensor lands after the commands recorded before it', async () => {
  const t = tensor(ramp(5, 1));
  const z = zeros([5]);
  const before = t.add(z); // recorded before the overwrite
  recorder().upload(t.buffer, 0, ramp(5, 100));
  const after = t.add(z);
  expect(Array.from(await before.data())).toEqual([1, 2, 3, 4, 5]);
  expect(Array.from(await after.data())).toEqual([100, 101, 102, 103, 104]);
  for (const x of [t, z, before, after]) x.dispose();
});

test('an upload larger than the arena while work is pending', async () => {
  const z = zeros([20000]);
  const big = tensor(ramp(20000, -7)); // 80,000 bytes: a staging buffer
  const sum = big.add(z);
  expect(Array.from(await sum.data())).toEqual(Array.from(ramp(20000, -7)));
  for (const x of [z, big, sum]) x.dispose();
});
