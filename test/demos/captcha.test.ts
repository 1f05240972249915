// The captcha demo: the generated images (deterministic from their seed, every glyph distinct, in
// 0..1), the seed's model sizes and parameter names, the feature-map-to-sequence bridge against a
// CPU permute, a few training steps that fit a fixed batch, and a smoke run through demo.run.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory, noGrad, optim, tensor, tidy } from 'webrnn';
import { captchaBatch, decodeTexts, imageRandom, randomText, renderCaptcha } from '../../demos/captcha/data.js';
import { GLYPHS } from '../../demos/captcha/font.js';
import { captchaExamples, demo, score } from '../../demos/captcha/main.js';
import {
  buildCaptchaModel, CAPTCHA_ALPHABET, CAPTCHA_CONFIGS, captchaTrainStep, CaptchaNet, featureShape, unseenEdge, type CaptchaSizes,
} from '../../demos/captcha/model.js';
import { parseArgs } from '../../demos/common/cli.js';
import { DEMOS } from '../../demos/common/registry.js';
import { recorder } from '../util/demo_hooks.js';

// The tests that train compile dozens of pipelines first: a few seconds with a warm Mesa shader
// cache, over a minute with a cold one on 2 CPUs (a fresh CI machine).
const COLD_CACHE_MS = 240_000;
const TINY: CaptchaSizes = { height: 20, width: 36, channels: [3, 4, 5, 6], gru1: { hidden: 12, layers: 2 }, gru2: { hidden: 10, layers: 2 }, length: 4 };

describe('captcha images (no GPU)', () => {
  const size = { height: 32, width: 80, length: 4 };

  test('a set is a function of its seed: the same images again, other images from another seed', () => {
    const a = captchaBatch(3, [0, 5, 9], size);
    const b = captchaBatch(3, [0, 5, 9], size);
    expect(b.images).toEqual(a.images);
    expect(b.texts).toEqual(a.texts);
    const c = captchaBatch(4, [0, 5, 9], size);
    expect(c.texts).not.toEqual(a.texts);
    // image 5 alone is image 5 of the batch: each image has its own generator
    expect(captchaBatch(3, [5], size).images).toEqual(a.images.subarray(3 * 32 * 80, 2 * 3 * 32 * 80));
    expect(a.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(a.labels).toHaveLength(12);
    expect(decodeTexts(a.labels, 4)).toEqual(a.texts);
    expect(a.texts.every((t) => /^[0-9A-Z]{4}$/.test(t))).toBe(true);
  });

  test('texts cover the 36 classes about evenly', () => {
    const counts = new Map<string, number>();
    const rng = imageRandom(1, 2);
    for (let i = 0; i < 3600; i++) for (const ch of randomText(rng, 1)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60); // expected 100
  });

  test('every glyph renders, and no two of the 36 look the same (clean, centred)', () => {
    const [H, W] = [24, 16];
    const renders = [...CAPTCHA_ALPHABET].map((ch) => {
      const img = new Float32Array(3 * H * W);
      renderCaptcha(img, H, W, ch, imageRandom(0, 0), { strength: 0 });
      return img.subarray(0, H * W);
    });
    expect(GLYPHS).toHaveLength(36);
    for (let i = 0; i < 36; i++) {
      const ink = renders[i]!.reduce((s, v) => s + (1 - v), 0);
      expect(ink, CAPTCHA_ALPHABET[i]).toBeGreaterThan(15);
      for (let j = 0; j < i; j++) {
        let diff = 0;
        for (let p = 0; p < H * W; p++) diff += Math.abs(renders[i]![p]! - renders[j]![p]!);
        expect(diff, `${CAPTCHA_ALPHABET[i]} vs ${CAPTCHA_ALPHABET[j]}`).toBeGreaterThan(8);
      }
    }
  });

  test('clean images are black ink on white, each character inside its own quarter', () => {
    const [H, W] = [32, 80];
    const img = new Float32Array(3 * H * W);
    renderCaptcha(img, H, W, 'I1I1', imageRandom(0, 0), { strength: 0 });
    for (let p = 0; p < H * W; p++) expect(img[p]).toBe(img[2 * H * W + p]); // grey: R = B
    const inkIn = (x0: number, x1: number) => {
      let s = 0;
      for (let y = 0; y < H; y++) for (let x = x0; x < x1; x++) s += 1 - img[y * W + x]!;
      return s;
    };
    for (let k = 0; k < 4; k++) expect(inkIn(k * 20 + 2, k * 20 + 18)).toBeGreaterThan(10);
    expect(inkIn(0, 1) + inkIn(19, 21) + inkIn(39, 41) + inkIn(59, 61) + inkIn(79, 80)).toBe(0); // gaps between slots
    expect(() => renderCaptcha(img, H, W, 'ab', imageRandom(0, 0))).toThrow(/captcha: cannot draw 'a'/);
  });

  test('scores: per character and whole captcha', () => {
    expect(score([1, 2, 3, 4, 1, 2, 3, 5], [1, 2, 3, 4, 1, 2, 3, 4], 4)).toEqual({ chars: 7, whole: 1 });
    expect(score([0, 0], [1, 1], 1)).toEqual({ chars: 0, whole: 0 });
  });

  test("the seed's sizes: 60×240 images give 28 steps of 256·6 = 1536 features", () => {
    expect(featureShape(CAPTCHA_CONFIGS.full)).toEqual({ height: 6, steps: 28, features: 1536 });
    expect(featureShape(CAPTCHA_CONFIGS.small)).toEqual({ height: 3, steps: 9, features: 192 });
    expect(() => featureShape({ ...TINY, height: 16 })).toThrow(/captcha: 16×36 images are too small/);
  });

  test('unread edges: the default reads every pixel, 32×80 and the seed\'s 60×240 do not', () => {
    expect(unseenEdge(CAPTCHA_CONFIGS.small)).toEqual({ rows: 0, columns: 0 });
    expect(unseenEdge({ ...CAPTCHA_CONFIGS.small, height: 32, width: 80 })).toEqual({ rows: 7, columns: 7 });
    expect(unseenEdge(CAPTCHA_CONFIGS.full)).toEqual({ rows: 3, columns: 7 });
    expect(unseenEdge(TINY)).toEqual({ rows: 3, columns: 3 });
  });

  test('flags: --full and --small, refused together', async () => {
    expect(parseArgs(['captcha', '--full', '--epochs', '2'], DEMOS).overrides).toEqual({ full: true, epochs: 2 });
    expect(() => parseArgs(['captcha', '--strength', '3'], DEMOS)).toThrow(/--strength must be ≤ 2/);
    await expect(demo.run({ ...demo.defaults, full: true, small: true }, recorder().hooks)).rejects.toThrow(/captcha: --full and --small exclude each other/);
    await expect(demo.run({ ...demo.defaults, trainCount: 100, epochs: 0, steps: 0 }, recorder().hooks)).rejects.toThrow(/captcha: epochs and steps are both 0/);
    // fresh images every step (trainCount 0, the default) have no epochs: the run is counted in steps
    await expect(demo.run({ ...demo.defaults, steps: 0 }, recorder().hooks)).rejects.toThrow(/captcha: trainCount 0 \(fresh images every step\) needs steps > 0/);
    await expect(demo.run({ ...demo.defaults, epochs: 2 }, recorder().hooks)).rejects.toThrow(/captcha: epochs = 2 needs a fixed training set/);
  });
});

describe('captcha model on the GPU', () => {
  beforeAll(async () => {
    await init();
  });

  test("the full model has the seed's layers, PyTorch's parameter names and shapes", () => {
    const m = buildCaptchaModel('full', { seed: 1 });
    try {
      const shapes = Object.fromEntries([...m.namedParameters()].map(([k, t]) => [k, t.shape]));
      expect(shapes['con_layer.0.weight']).toEqual([16, 3, 3, 3]);
      expect(shapes['con_layer.3.weight']).toEqual([64, 16, 3, 3]);
      expect(shapes['con_layer.9.weight']).toEqual([256, 128, 3, 3]);
      expect(shapes['con_layer.10.weight']).toEqual([256]); // BatchNorm2d(256)
      expect(shapes['gru1.weight_ih_l0']).toEqual([1536, 1536]); // 3·512 gates × 1536 features
      expect(shapes['gru1.weight_hh_l2']).toEqual([1536, 512]);
      expect(shapes['gru2.weight_ih_l0']).toEqual([768, 512]);
      expect(shapes['gru2.weight_hh_l1']).toEqual([768, 256]);
      expect(shapes['classification.weight']).toEqual([36, 256]);
      expect(shapes['gru1.weight_ih_l3']).toBeUndefined();
      expect([...m.namedBuffers()].map(([k]) => k)).toContain('con_layer.1.running_mean');
    } finally {
      m.dispose();
    }
  });

  test('features(): the conv map [B, C, H, W] read as [B, W, C·H] (C major), as the seed reshapes it', async () => {
    const m = new CaptchaNet(TINY, { seed: 2 });
    const B = 2;
    const x = Float32Array.from({ length: B * 3 * 20 * 36 }, (_, i) => Math.sin(i * 0.37));
    const [conv, seq] = noGrad(() => tidy(() => {
      const xt = tensor(x, [B, 3, 20, 36]);
      return [m.conv.forward(xt), m.features(xt)];
    }));
    const [C, Hf, Wf] = conv.shape.slice(1) as [number, number, number];
    expect(seq.shape).toEqual([B, Wf, C * Hf]);
    expect({ height: Hf, steps: Wf, features: C * Hf }).toEqual(featureShape(TINY));
    const [a, s] = [await conv.data(), await seq.data()];
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let h = 0; h < Hf; h++) for (let w = 0; w < Wf; w++) {
      expect(s[(b * Wf + w) * C * Hf + c * Hf + h]).toBe(a[((b * C + c) * Hf + h) * Wf + w]);
    }
    for (const t of [conv, seq, m]) t.dispose();
  });

  test('unseenEdge(): changing the unread pixels leaves the features alone, the last read row and column do not', async () => {
    const m = new CaptchaNet(TINY, { seed: 4 });
    m.eval(); // running statistics: in training mode batch norm 1 also averages outputs the later blocks drop
    const [H, W] = [20, 36];
    const { rows, columns } = unseenEdge(TINY);
    const x = Float32Array.from({ length: 3 * H * W }, (_, i) => Math.sin(i * 0.37));
    const feats = async (img: Float32Array) => {
      const t = noGrad(() => tidy(() => m.features(tensor(img, [1, 3, H, W]))));
      const d = await t.data();
      t.dispose();
      return d;
    };
    const changed = (pixel: (y: number, x: number) => boolean) => x.map((v, i) => (pixel(Math.floor(i / W) % H, i % W) ? 1 - v : v));
    const base = await feats(x);
    expect(await feats(changed((y, c) => y >= H - rows || c >= W - columns))).toEqual(base);
    for (const last of [changed((y) => y === H - rows - 1), changed((_, c) => c === W - columns - 1)]) {
      expect(await feats(last)).not.toEqual(base);
    }
    m.dispose();
  });

  test('logits are [B, 4, 36]; 60 Adam steps fit one fixed batch (the loss halves)', async () => {
    const m = new CaptchaNet(TINY, { seed: 3 });
    const opt = new optim.Adam(m.parameters(), { lr: 0.02 });
    const b = captchaBatch(9, [0, 1, 2, 3, 4, 5], TINY, { strength: 0 });
    const out = noGrad(() => m.forward(tensor(b.images, [6, 3, 20, 36])));
    expect(out.shape).toEqual([6, 4, 36]);
    out.dispose();
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const l = captchaTrainStep(m, opt, b.images, b.labels, 5);
      losses.push(await l.item());
      l.dispose();
    }
    console.log(`captcha fit: ${losses.filter((_, i) => i % 10 === 0).map((l) => l.toFixed(3)).join(' ')}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    m.dispose();
    opt.dispose();
  }, COLD_CACHE_MS);

  test('the smoke run trains, scores the held-out images, keeps examples and frees everything', async () => {
    // a first run makes the library's one-time caches; the second must free all it makes
    await demo.run({ ...demo.defaults, ...demo.smoke, steps: 1, examples: 0 }, recorder().hooks);
    const before = memory().liveTensors;
    const { rec, hooks } = recorder();
    const result = await demo.run({ ...demo.defaults, ...demo.smoke }, hooks);
    expect(result.summary.steps).toBe(3);
    expect(result.summary.heldOut).toBe(8);
    expect(result.summary.size).toBe('small');
    expect(rec.progress.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(rec.logs.at(-1)).toMatch(/^held-out accuracy after 3 steps .*per character [\d.]+%, whole captcha [\d.]+% \(\d+\/8\)$/);
    expect(rec.saves).toHaveLength(1);
    expect(result.plots.map((p) => p.name)).toEqual(['loss', 'accuracy']);
    const ex = captchaExamples()!;
    expect(ex.truth).toHaveLength(2);
    expect(ex.predicted).toHaveLength(2);
    expect(ex.images).toHaveLength(2 * 3 * 33 * 81);
    expect(memory().liveTensors).toBe(before);
    expect(rec.logs.find((l) => l.startsWith('captcha (small)'))).toMatch(/distortion 0\.5, 8 fresh training images a step .* 3 steps$/);
  }, COLD_CACHE_MS);

  test('a fixed training set (--trainCount) runs in epochs', async () => {
    const { rec, hooks } = recorder();
    const result = await demo.run({ ...demo.defaults, ...demo.smoke, trainCount: 24, epochs: 1, steps: 0, examples: 0 }, hooks);
    expect(result.summary.steps).toBe(3);
    expect(result.summary.epochs).toBe(1);
    expect(rec.logs.find((l) => l.startsWith('captcha (small)'))).toMatch(/24 training images a epoch .* 3 steps \(3 a epoch\)$/);
  }, COLD_CACHE_MS);
});
