// The device and tensor basics through the public API: one default device, tensors from data and
// fills, views, disposal and bad input, and the buffer pool and tidy() scopes.
import { beforeAll, describe, expect, test } from 'vitest';
import { adapterInfo, counters, init, memory, ones, rand, randn, tensor, tidy, zeros, keep, full } from 'webrnn';
import { withTuning } from '../../src/gpu/device.js';

beforeAll(async () => {
  await init();
});

describe('device', () => {
  test('init returns the same default device and names its adapter', async () => {
    const a = await init();
    const b = await init();
    expect(a).toBe(b);
    const info = adapterInfo();
    expect(info.name.length).toBeGreaterThan(0);
    expect(typeof info.isSoftware).toBe('boolean');
  });

  test('withTuning forces knobs for one call and puts every one back, also when the call throws', async () => {
    const g = await init();
    const tuning = g.tuning;
    const before = { ...tuning };
    tuning.matmulVariant = 'simple';
    const seen = await withTuning(g, { matmulVariant: 'blocked', blockRows: 4 }, () => ({ ...g.tuning }));
    expect(seen).toMatchObject({ matmulVariant: 'blocked', blockRows: 4 });
    await expect(withTuning(g, { splitK: 16 }, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(g.tuning).toBe(tuning); // the same object, edited in place
    expect(g.tuning).toStrictEqual({ ...before, matmulVariant: 'simple' }); // no knob left behind, not even as undefined
    delete tuning.matmulVariant;
    Object.assign(tuning, before);
  });
});

describe('tensors', () => {
  test('round-trip data and nested arrays', async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    t.dispose();
  });

  test('int32 tensors keep exact integers', async () => {
    const t = tensor(new Int32Array([-3, 0, 2147483647]), [3]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(await t.data())).toEqual([-3, 0, 2147483647]);
    t.dispose();
  });

  test('zeros, ones, full on a size past one workgroup, on reused (dirty) buffers', async () => {
    const dirty = randn([1000]);
    dirty.dispose();
    const z = zeros([1000]);
    expect((await z.data()).every((v) => v === 0)).toBe(true);
    const o = ones([3, 333]);
    expect((await o.data()).every((v) => v === 1)).toBe(true);
    const f = full([7], -2.5);
    expect(Array.from(await f.data())).toEqual(Array(7).fill(-2.5));
    for (const t of [z, o, f]) t.dispose();
  });

  test('zeros are a buffer clear and small fills an upload (no kernel launch); −0 keeps its sign either way', async () => {
    randn([64]).dispose(); // leaves a dirty buffer in the pool
    const before = counters().dispatches;
    const z = zeros([64]);
    const small = full([5], -0);
    expect(counters().dispatches).toBe(before);
    expect((await z.data()).every((v) => Object.is(v, 0))).toBe(true);
    const big = full([5000], -0);
    expect(counters().dispatches).toBe(before + 1); // the fill kernel
    for (const n of [small, big]) expect(Array.from(await n.data()).every((v) => Object.is(v, -0))).toBe(true);
    for (const t of [z, small, big]) t.dispose();
  });

  test('seeded random tensors are reproducible', async () => {
    const a = await randn([50], { seed: 7 }).data();
    const b = await randn([50], { seed: 7 }).data();
    const c = await rand([50], { seed: 8, low: 2, high: 3 }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(c.every((v) => v >= 2 && v < 3)).toBe(true);
  });

  test('reshape views share the buffer and reject a wrong element count', async () => {
    const t = tensor([1, 2, 3, 4, 5, 6]);
    const v = t.view([3, -1]);
    expect(v.shape).toEqual([3, 2]);
    t.dispose();
    expect(Array.from(await v.data())).toEqual([1, 2, 3, 4, 5, 6]); // storage outlives t
    expect(() => v.view([4, 2])).toThrow(/\[3, 2\].*\[4, 2\]/);
    v.dispose();
  });

  test('using a disposed tensor throws', async () => {
    const t = zeros([2]);
    t.dispose();
    await expect(t.data()).rejects.toThrow(/after dispose/);
  });

  test('bad input is refused with the problem named', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values.*\[2, 2\]/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => tensor([1.5], [1], { dtype: 'int32' })).toThrow(/non-integer/);
    expect(() => zeros([2, -1])).toThrow(/invalid shape/);
  });

  test('a tensor over the binding limit is refused with a clear message', async () => {
    const limit = (await init()).limits.maxStorageBufferBindingSize;
    expect(() => zeros([Math.ceil(limit / 4) + 1])).toThrow(/maxStorageBufferBindingSize/);
  });
});

describe('memory', () => {
  test('the pool reuses buffers: 1,000 alloc/free rounds create no new buffers', async () => {
    for (let i = 0; i < 10; i++) tidy(() => { zeros([100]); ones([1000]); });
    const before = memory();
    for (let i = 0; i < 1000; i++) tidy(() => { zeros([100]); ones([1000]); randn([37]); });
    await zeros([1]).data();
    const after = memory();
    expect(after.createdBuffers - before.createdBuffers).toBeLessThanOrEqual(1);
    expect(after.liveBytes - before.liveBytes).toBeLessThanOrEqual(256);
  });

  test('tidy disposes what it created, except returned and kept tensors', () => {
    let inner!: ReturnType<typeof zeros>;
    let kept!: ReturnType<typeof zeros>;
    const out = tidy(() => {
      inner = zeros([3]);
      kept = keep(zeros([3]));
      return { result: ones([2]) };
    });
    expect(inner.isDisposed).toBe(true);
    expect(kept.isDisposed).toBe(false);
    expect(out.result.isDisposed).toBe(false);
  });

  test('tidy disposes its tensors when the function throws', () => {
    let inner!: ReturnType<typeof zeros>;
    expect(() => tidy(() => { inner = zeros([3]); throw new Error('boom'); })).toThrow('boom');
    expect(inner.isDisposed).toBe(true);
  });
});
