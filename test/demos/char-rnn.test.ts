// The char-rnn demo through demo.run on a short generated text: the loss goes down, bits per
// character are reported, the sample starts with the prompt and has the requested length, and a
// checkpoint saved mid-epoch resumes at its step with the same next losses as an uninterrupted run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeSafetensors, init, memory, nn, noGrad, tensor, type Tensor } from 'webrnn';
import { demo, type CharRnnConfig } from '../../demos/char-rnn/main.js';
import { CharModel, sample, setForgetBias, Streams } from '../../demos/char-rnn/model.js';
import type { DemoHooks, Progress } from '../../demos/common/demo.js';
import { expectAllClose, TOL } from '../util/allclose.js';
import { ints } from '../util/rng.js';

/** ~3000 characters: seeded picks from a few short lines, so there is something to learn. */
const LINES = ['the cat sat on the mat.', 'a dog ran in the fog.', 'the sun is up.', 'we go to sea at dawn.'];
const TEXT = Array.from(ints(150, LINES.length, 7), (i) => LINES[i]!).join('\n') + '\n';
const CHARS = new Set(TEXT);

let dir: string;
let file: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), 'webrnn-char-rnn-'));
  file = join(dir, 'lines.txt');
  await writeFile(file, TEXT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Hooks = DemoHooks & { lines: string[]; reports: Progress[]; saved: Uint8Array[] };

function hooks(load: Uint8Array | null = null): Hooks {
  const lines: string[] = [];
  const reports: Progress[] = [];
  const saved: Uint8Array[] = [];
  return {
    lines, reports, saved,
    log: (l) => lines.push(l),
    progress: (p) => reports.push(p),
    shouldStop: () => false,
    save: async (b) => void saved.push(b),
    load: async () => load,
  };
}

const SMALL: Partial<CharRnnConfig> = { hidden: 24, embed: 8, seqLen: 16, batch: 4, epochs: 0, lr: 0.01, validation: 0.1, evalBatch: 4, sample: 0, prompt: 'the ' };
const config = (over: Partial<CharRnnConfig> = {}): CharRnnConfig => ({ ...demo.defaults, ...demo.smoke, data: file, ...SMALL, ...over });

describe('char-rnn demo', () => {
  test('the loss goes down; bits per character and a sample that starts with the prompt', async () => {
    const h = hooks();
    const res = await demo.run(config({ steps: 60, logEvery: 5, sample: 40, prompt: 'the ', temperature: 0.5 }), h);
    const losses = h.reports.map((p) => p.loss);
    // Every 5 steps, and at the end of the first epoch (43 chunks of 4 × 16 characters).
    expect(h.reports.map((p) => p.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 43, 45, 50, 55, 60]);
    expect(h.lines).toContainEqual(expect.stringMatching(/^epoch 1: train \d+\.\d{3} bits\/char, held-out \d+\.\d{3} bits\/char$/));
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
    expect(h.reports[0]!.metrics!.bitsPerChar).toBeCloseTo(losses[0]! / Math.LN2, 10);

    const s = res.summary;
    const uniformBits = Math.log2(CHARS.size);
    expect(s.vocabulary).toBe(CHARS.size);
    expect(s.steps).toBe(60);
    expect(s.bitsPerChar).toBeGreaterThan(0);
    expect(s.bitsPerChar).toBeLessThan(0.75 * uniformBits); // held out, after learning
    expect(h.lines.some((l) => /^held-out: \d+\.\d{3} bits per character/.test(l))).toBe(true);
    const sample = String(s.sample);
    expect(sample.startsWith('the ')).toBe(true);
    expect([...sample]).toHaveLength(4 + 40);
    for (const ch of sample) expect(CHARS.has(ch)).toBe(true);
    expect(res.plots[0]!.series.map((x) => x.label)).toEqual(['train bits/char', 'held-out bits/char']);
  });

  test('a checkpoint saved mid-epoch resumes at its step with the same next losses', async () => {
    const over = { steps: 5, logEvery: 1 };
    const whole = hooks();
    await demo.run(config(over), whole);
    const first = hooks();
    await demo.run(config({ ...over, steps: 3 }), first);
    expect(first.saved).toHaveLength(1);
    const ckpt = decodeSafetensors(first.saved[0]!);
    expect(ckpt.metadata.step).toBe('3');
    expect(Object.keys(ckpt.tensors)).toEqual(expect.arrayContaining(['model.lstm.weight_hh_l0', 'model.embedding.weight', 'optim.0.exp_avg']));
    const extra = JSON.parse(ckpt.metadata.extra!) as { demo: string; tensors: Record<string, { shape: number[] }> };
    expect(extra.demo).toBe('char-rnn');
    for (const k of ['h', 'c']) expect(extra.tensors[k]!.shape).toEqual([1, 4, 24]); // carried state [layers, B, H]

    const resumed = hooks(first.saved[0]!);
    await demo.run(config(over), resumed);
    expect(resumed.lines).toContain('resumed from a checkpoint at step 3');
    expect(resumed.reports.map((p) => p.step)).toEqual([4, 5]);
    const loss = (hs: Hooks) => hs.reports.map((p) => p.loss);
    // Same kernels on the same data and state: the runs agree to float32 rounding.
    expectAllClose(loss(first), loss(whole).slice(0, 3), TOL.elementwise);
    expectAllClose(loss(resumed), loss(whole).slice(3), TOL.elementwise);
  });

  test('a run, a resumed run and a refused checkpoint leave no GPU buffers behind', async () => {
    const before = memory().liveBuffers;
    const first = hooks();
    await demo.run(config({ steps: 2, sample: 3 }), first);
    await demo.run(config({ steps: 3 }), hooks(first.saved[0]!));
    await expect(demo.run(config({ steps: 3, embed: 4 }), hooks(first.saved[0]!))).rejects.toThrow(/saved with embed 8 \(this run: 4\)/);
    expect(memory().liveBuffers).toBe(before);
  });

  test('a checkpoint of another architecture is refused, naming the difference', async () => {
    const first = hooks();
    await demo.run(config({ steps: 1 }), first);
    await expect(demo.run(config({ steps: 2, hidden: 16 }), hooks(first.saved[0]!))).rejects.toThrow(/saved with hidden 24 \(this run: 16\)/);
    await expect(demo.run(config({ steps: 2 }), hooks(Uint8Array.of(1, 2, 3)))).rejects.toThrow();
  });

  test('temperature 0 samples the same text twice; readFile supplies the text', async () => {
    const read = async (h: Hooks) => {
      h.readFile = async (p) => {
        expect(p).toBe('virtual.txt');
        return new TextEncoder().encode(TEXT);
      };
      return (await demo.run(config({ data: 'virtual.txt', steps: 2, sample: 12, temperature: 0, prompt: '' }), h)).summary.sample;
    };
    const [h1, h2] = [hooks(), hooks()];
    const a = await read(h1);
    expect(await read(h2)).toBe(a);
    expect(String(a).startsWith('\n')).toBe(true); // an empty prompt starts from a newline
    expect([...String(a)]).toHaveLength(13);
    expect(h1.lines[0]).toMatch(/^char-rnn: virtual\.txt: \d+ characters/);
  });

  test.each([
    [{ prompt: 'the Z', sample: 5 }, /the prompt "the Z" cannot be encoded: .*"Z"/],
    [{ batch: 100, seqLen: 64 }, /training characters are too few for batch 100 × seqLen 64/],
    [{ temperature: -1 }, /temperature = -1/],
    [{ validation: 0 }, /validation = 0 must be a fraction/],
    [{ data: '/no/such/file.txt' }, /cannot read the text '\/no\/such\/file\.txt'/],
  ] as [Partial<CharRnnConfig>, RegExp][])('bad setting %j: a clear error', async (over, message) => {
    await expect(demo.run(config({ steps: 1, ...over }), hooks())).rejects.toThrow(message);
  });
});

describe('char-rnn parts', () => {
  test('Streams: B equal streams, chunk k time-major, targets one character ahead', () => {
    const ids = Int32Array.from({ length: 23 }, (_, i) => i);
    const s = new Streams(ids, 2, 4); // streams of (23 − 1) / 2 = 11: [0..10] and [11..21]
    expect([s.length, s.fullChunks, s.allChunks]).toEqual([11, 2, 3]);
    const c1 = s.chunk(1);
    expect(c1.T).toBe(4);
    expect(Array.from(c1.inputs)).toEqual([4, 15, 5, 16, 6, 17, 7, 18]);
    expect(Array.from(c1.targets)).toEqual([5, 16, 6, 17, 7, 18, 8, 19]);
    const last = s.chunk(2);
    expect(last.T).toBe(3);
    expect(Array.from(last.targets)).toEqual([9, 20, 10, 21, 11, 22]);
  });

  test('setForgetBias: every layer\'s bias_ih is 0 except the forget gate (i, f, g, o order)', async () => {
    const lstm = new nn.LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 1 });
    const hh = Array.from(await lstm.stateDict().bias_hh_l1!.data());
    setForgetBias(lstm, 1);
    const want = [...Array(5).fill(0), ...Array(5).fill(1), ...Array(10).fill(0)];
    for (const l of [0, 1]) expect(Array.from(await lstm.stateDict()[`bias_ih_l${l}`]!.data())).toEqual(want);
    expect(Array.from(await lstm.stateDict().bias_hh_l1!.data())).toEqual(hh);
    lstm.dispose();
  });

  test('step() gives forward()\'s logits one character at a time; sample() is reproducible from its seed', async () => {
    const model = new CharModel({ vocab: 7, embed: 4, hidden: 8, layers: 2, seed: 3 }).eval();
    const ids = [1, 4, 2, 6, 0];
    const want = noGrad(() => model.forward(tensor(Int32Array.from(ids), [5, 1], { dtype: 'int32' }), null).logits);
    let state = model.initialState(1);
    const got: number[] = [];
    for (const id of ids) {
      const [logits, next] = noGrad(() => model.step(tensor(Int32Array.of(id), [1], { dtype: 'int32' }), state));
      got.push(...(await logits.data()));
      for (const t of [logits, ...state] as Tensor[]) t.dispose();
      state = next;
    }
    expectAllClose(got, await want.data(), TOL.reduction);
    const prompt = Int32Array.of(1, 2);
    const a = await sample(model, prompt, 30, 1, 5);
    expect(await sample(model, prompt, 30, 1, 5)).toEqual(a);
    expect(await sample(model, prompt, 30, 1, 6)).not.toEqual(a);
    expect(a.every((id) => id >= 0 && id < 7)).toBe(true);
    expect(model.training).toBe(false);
    model.train();
    await sample(model, prompt, 2, 0, 1);
    expect(model.training).toBe(true); // sample() restores the mode
    model.dispose();
  });
});

describe('the default text', () => {
  test('is found beside the demo source, not in the working folder', async () => {
    const { readDefaultText } = await import('../../demos/char-rnn/main.js');
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect(await readDefaultText()).toMatch(/^In the beginning God created the heaven and the earth\./);
    } finally {
      process.chdir(cwd);
    }
  });

  test('missing (an installed package ships only the command): one line naming --data', async () => {
    const { readDefaultText, TEXT_MISSING } = await import('../../demos/char-rnn/main.js');
    const nowhere = new URL(`file://${join(tmpdir(), 'no-such-folder-webrnn', 'kjv.txt')}`);
    await expect(readDefaultText([nowhere, nowhere])).rejects.toThrow(TEXT_MISSING);
    expect(TEXT_MISSING).not.toContain('\n');
    expect(TEXT_MISSING).toContain('--data PATH');
  });
});
