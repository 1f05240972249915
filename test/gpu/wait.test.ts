// GpuWaiter on a fake clock: when it sleeps before awaiting the GPU, and for how long (no timing
// decides anything here: the clock only moves when the fake GPU work or a nap says so).
import { describe, expect, test, vi } from 'vitest';
import { GpuWaiter, type Clock } from '../../src/gpu/wait.js';
import { init, nn, noGrad, tensor, tidy } from 'webrnn';

/** A clock whose time advances only by naps and by the fake work's duration. */
function fakeClock() {
  const naps: number[] = [];
  let t = 0;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      naps.push(ms);
      t += ms;
    },
  };
  /** Work that finishes `ms` after it was submitted (at the wait's start), however long the nap. */
  const work = (ms: number) => {
    const start = t;
    return async () => {
      t = Math.max(t, start + ms);
      return 'done';
    };
  };
  return { clock, naps, work };
}

describe('GpuWaiter', () => {
  test('disabled: never sleeps', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(false, clock);
    for (let i = 0; i < 3; i++) expect(await w.wait(30, work(100))).toBe('done');
    expect(naps).toEqual([]);
  });

  test('sleeps 85% of the last wait for the same work, from the second wait on', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(true, clock);
    await w.wait(30, work(100));
    await w.wait(30, work(100));
    expect(naps).toEqual([85]);
    await w.wait(6, work(40)); // other work: no history yet
    expect(naps).toEqual([85]);
    await w.wait(6, work(40));
    expect(naps).toEqual([85, 34]);
  });

  test('work that got shorter is found out: the estimate halves while the work is done at the first poll', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(true, clock);
    await w.wait(30, work(100)); // a first step that compiled, say
    for (let i = 0; i < 6; i++) await w.wait(30, work(20));
    // Estimates 100, 50, 25, 12.5 (too short to nap: measured again, 20), then 20 and 20.
    expect(naps).toEqual([85, 42.5, 21.25, 17, 17]);
  });

  test('work that got longer is measured by the poll after the nap', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(true, clock);
    await w.wait(30, work(40));
    await w.wait(30, work(100)); // nap 34, then polled until 100
    await w.wait(30, work(100));
    expect(naps).toEqual([34, 85]);
  });

  test('short waits are not worth a timer', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(true, clock);
    for (let i = 0; i < 3; i++) await w.wait(34, work(7));
    expect(naps).toEqual([]);
  });

  test('a wait whose work compiled pipelines neither naps nor becomes the estimate', async () => {
    const { clock, naps, work } = fakeClock();
    const w = new GpuWaiter(true, clock);
    await w.wait(30, work(20_000), true); // a cold first step: 20 s of shader compilation
    await w.wait(30, work(100)); // the first estimate comes from here
    await w.wait(30, work(100));
    expect(naps).toEqual([85]);
    await w.wait(30, work(5_000), true); // an evaluation that compiled: no nap before it either
    await w.wait(30, work(100));
    expect(naps).toEqual([85, 85]);
  });

  test('on a loaded host a poll of a few ms after the nap still means the work was done early', async () => {
    const naps: number[] = [];
    let t = 0;
    const clock: Clock = { now: () => t, sleep: async (ms) => { naps.push(ms); t += ms; } };
    const w = new GpuWaiter(true, clock);
    const work = (ms: number, poll: number) => {
      const start = t;
      return async () => {
        t = Math.max(t, start + ms) + poll;
      };
    };
    await w.wait(30, work(1000, 0));
    // The work shrank to 20 ms; each poll that finds it done takes 3 ms (more than 1 ms, less than
    // 5% of the estimate), so the estimate halves: 850, 425, 212.5, ... instead of shrinking by 15%.
    for (let i = 0; i < 4; i++) await w.wait(30, work(20, 3));
    expect(naps).toEqual([850, 425, 212.5, 106.25]);
  });

  test('errors from the wait reach the caller', async () => {
    const { clock } = fakeClock();
    const w = new GpuWaiter(true, clock);
    await expect(w.wait(1, () => Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
  });
});

describe('the recorder tells its waiter which waits compiled pipelines', () => {
  test('the first use of a kernel is flagged, the next is not', async () => {
    await init();
    const spy = vi.spyOn(GpuWaiter.prototype, 'wait');
    try {
      // An op this file runs nowhere else: its pipeline is compiled by the first call.
      const run = async () => {
        const x = tensor([1, 2, 3]);
        const y = x.mul(x).exp();
        await y.data();
        x.dispose();
        y.dispose();
      };
      await run();
      await run();
      const flags = spy.mock.calls.map((c) => c[2]);
      expect(flags[0]).toBe(true);
      expect(flags[flags.length - 1]).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the recorder keys each wait by the work waited for', () => {
  /** The work keys of the waits made while `fn` runs. */
  async function keysOf(fn: () => Promise<unknown>): Promise<number[]> {
    const spy = vi.spyOn(GpuWaiter.prototype, 'wait');
    try {
      await fn();
      return spy.mock.calls.map((c) => c[0]);
    } finally {
      spy.mockRestore();
    }
  }
  const op = (n: number) => async () => {
    const x = tensor(new Float32Array(n).fill(0.5));
    const y = x.mul(x).exp();
    await y.data();
    x.dispose();
    y.dispose();
  };

  test('the same ops on the same sizes: one key; other sizes or other ops: another', async () => {
    await init();
    await op(3)(); // compile first
    await op(100_000)();
    const [small] = await keysOf(op(3));
    const [again] = await keysOf(op(3));
    const [large] = await keysOf(op(100_000));
    const [other] = await keysOf(async () => {
      const x = tensor(new Float32Array(3).fill(0.5));
      const y = x.add(x).exp();
      await y.data();
      x.dispose();
      y.dispose();
    });
    expect(again).toBe(small);
    expect(large).not.toBe(small);
    expect(other).not.toBe(small);
  });

  test('a layer over 5 and over 300 steps (on a software adapter one whole-sequence launch each): other keys', async () => {
    await init();
    const lstm = new nn.LSTM({ inputSize: 4, hiddenSize: 8, seed: 3 });
    const run = (T: number) => async () => {
      const out = noGrad(() => tidy(() => lstm.forward(tensor(new Float32Array(T * 4 * 4).fill(0.1), [T, 4, 4]))[0]));
      await out.data();
      out.dispose();
    };
    await run(5)();
    await run(300)();
    const [short] = await keysOf(run(5));
    const [again] = await keysOf(run(5));
    const [long] = await keysOf(run(300));
    expect(again).toBe(short);
    expect(long).not.toBe(short);
    lstm.dispose();
  });
});
