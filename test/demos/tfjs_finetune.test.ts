// The tfjs-finetune demo in Node: the committed TF.js model (scripts/tfjs-demo-model.mjs) imports,
// fine-tunes on Exodus with its held-out loss going down, saves to a folder and loads back with
// the same held-out loss; its browser page is driven in test/browser/demos.test.ts.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { clipGradNorm, memory, mseLoss, nn, optim, tensor, tidy } from 'webrnn';
import { demo } from '../../demos/tfjs-finetune/main.js';
import { recorder } from '../util/demo_hooks.js';
import { useTempDir } from '../util/temp_dir.js';

const dir = useTempDir('webrnn-tfjs-finetune-');

/** One Adam step with clipping, so the tensors kept for the process's lifetime exist before
 *  counting: three parameters, so the update takes both its paths (a pair launch, and one alone). */
function warmUp(): void {
  const m = new nn.Linear(3, 2, { seed: 1 });
  const extra = tensor(new Float32Array(2), [2], { requiresGrad: true });
  const params = [...m.parameters(), extra];
  const opt = new optim.Adam(params, { lr: 0.01 });
  tidy(() => {
    const l = mseLoss(m.forward(tensor(new Float32Array(6), [2, 3])).add(extra), tensor(new Float32Array(4), [2, 2]));
    l.backward();
    clipGradNorm(params, 1);
    opt.step();
  });
  opt.dispose();
  m.dispose();
  extra.grad?.dispose();
  extra.dispose();
}

test('fine-tuning lowers the held-out loss; the saved model loads back with the same loss', async () => {
  const { rec, hooks } = recorder();
  warmUp();
  const live = memory().liveTensors;
  const r = await demo.run({ ...demo.defaults, steps: 25, batch: 8, seqLen: 16, lr: 1e-2, sample: 6, store: dir() }, hooks);
  const s = r.summary as Record<string, number | string>;
  expect(s.steps).toBe(25);
  expect(rec.progress.map((p) => p.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(rec.progress.every((p) => Number.isFinite(p.loss))).toBe(true);
  console.log(`tfjs-finetune (Node): held-out loss ${(s.lossBefore as number).toFixed(4)} → ${(s.lossAfter as number).toFixed(4)} nats/char in 25 steps`);
  expect(s.lossAfter).toBeLessThan(s.lossBefore as number);
  expect(s.lossReloaded).toBe(s.lossAfter);
  expect(s.sample).toHaveLength(6);
  expect(rec.logs[0]).toMatch(/^tfjs-finetune: imported sequential\S* \(5 tensors|imported .* from TF.js; fine-tuning on \d+ characters from "Now these are the names/);
  expect(r.plots[0]!.series[0]!.y).toHaveLength(25);
  expect(memory().liveTensors).toBe(live); // the models and the optimizer are freed
}, 240_000);

test('a model.json without the vocabulary is refused by name', async () => {
  const { hooks } = recorder();
  const other = join(import.meta.dirname, '..', 'fixtures', 'tfjs', 'embedding_lstm', 'model.json');
  await expect(demo.run({ ...demo.defaults, model: other, steps: 1 }, hooks)).rejects.toThrow(/tfjs-finetune: the model.json has no userDefinedMetadata.vocab/);
});
