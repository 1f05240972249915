// Builds the TF.js model the tfjs-finetune demo imports: a character-level language model
// (Embedding → LSTM with TF.js's default hard-sigmoid gates → TimeDistributed(Dense) logits), made
// and trained by TensorFlow.js itself (wasm backend, Node) on KJV Genesis, and saved as TF.js saves
// it: demos/tfjs-finetune/model/model.json (vocabulary in userDefinedMetadata) + weights.bin.
// The demo fine-tunes it in the browser on Exodus, which it never saw. Run:
//   node scripts/tfjs-demo-model.mjs [steps]
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'demos', 'tfjs-finetune', 'model');
const TEXT = readFileSync(join(ROOT, 'demos', 'char-rnn', 'data', 'kjv-genesis-exodus.txt'), 'utf8');
/** Exodus's first words: the model is trained on the text before them (Genesis) only. */
export const EXODUS = 'Now these are the names of the children of Israel';
const STEPS = Number(process.argv[2] ?? 400);
const [BATCH, SEQ, EMBED, HIDDEN] = [16, 32, 16, 64];

// The wasm backend (one thread) trains many times faster than the cpu one; cpu if it cannot start.
try {
  const req = createRequire(import.meta.url);
  req('@tensorflow/tfjs-backend-wasm').setWasmPaths(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('setBackend failed');
} catch (e) {
  console.warn(`wasm backend unavailable (${e.message}): training on cpu`);
  await tf.setBackend('cpu');
}
console.log(`backend: ${tf.getBackend()}`);
const genesis = TEXT.slice(0, TEXT.indexOf(EXODUS));
const chars = [...new Set(TEXT)].sort((a, b) => a.codePointAt(0) - b.codePointAt(0)); // both books' characters
const ids = Int32Array.from([...genesis].map((c) => chars.indexOf(c)));

const model = tf.sequential();
// Frozen here: the wasm backend has no gradient for the embedding lookup (UnsortedSegmentSum);
// its seeded random vectors still tell the characters apart, and webrnn fine-tunes it too.
model.add(tf.layers.embedding({ inputDim: chars.length, outputDim: EMBED, inputShape: [null], trainable: false }));
model.add(tf.layers.lstm({ units: HIDDEN, returnSequences: true, kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform' }));
model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: chars.length }) }));
// Seeded initial weights (TF.js's initializers draw unseeded), so the committed model can be made again.
model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.15, 0.15, 'float32', 100 + i)));
model.compile({ optimizer: tf.train.adam(0.01), loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });

/** A deterministic generator (mulberry32), so the committed model can be made again exactly. */
let seed = 7;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

for (let step = 1; step <= STEPS; step++) {
  const x = new Int32Array(BATCH * SEQ);
  const y = new Int32Array(BATCH * SEQ);
  for (let b = 0; b < BATCH; b++) {
    const at = Math.floor(random() * (ids.length - SEQ - 1));
    x.set(ids.subarray(at, at + SEQ), b * SEQ);
    y.set(ids.subarray(at + 1, at + SEQ + 1), b * SEQ);
  }
  const [xs, ys] = tf.tidy(() => [tf.tensor2d(x, [BATCH, SEQ], 'int32'), tf.oneHot(tf.tensor2d(y, [BATCH, SEQ], 'int32'), chars.length)]);
  const loss = await model.trainOnBatch(xs, ys);
  tf.dispose([xs, ys]);
  if (step % 10 === 0 || step === STEPS) console.log(`step ${step}: loss ${Number(loss).toFixed(4)} nats/char`);
}

model.setUserDefinedMetadata({ vocab: chars.join(''), trainedOn: 'KJV Genesis', steps: STEPS, batch: BATCH, seqLen: SEQ });
mkdirSync(OUT, { recursive: true });
await model.save(tf.io.withSaveHandler(async (a) => {
  const json = {
    format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, convertedBy: null,
    modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }], userDefinedMetadata: a.userDefinedMetadata,
  };
  writeFileSync(join(OUT, 'weights.bin'), new Uint8Array(a.weightData));
  writeFileSync(join(OUT, 'model.json'), JSON.stringify(json));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
}));
console.log(`wrote ${OUT}: vocabulary of ${chars.length}, ${model.countParams()} parameters`);
