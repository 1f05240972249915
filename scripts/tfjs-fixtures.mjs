// Builds small Keras-format models with TensorFlow.js itself (cpu backend, Node), saves each as
// test/fixtures/tfjs/<name>/model.json + weight shards, and writes the predictions TF.js makes on
// fixed inputs beside it (expected.json). The importer tests (test/io/tfjs*.test.ts) load these.
// Weights are drawn U(−0.5, 0.5) from fixed seeds so every bias is non-zero. Run:
//   node scripts/tfjs-fixtures.mjs
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'tfjs');
await tf.setBackend('cpu');
const L = tf.layers;
const sig = { recurrentActivation: 'sigmoid' };

/** A deterministic generator (mulberry32), so the committed inputs can be regenerated exactly. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const floats = (shape, seed) => {
  const r = rng(seed);
  return { shape, dtype: 'float32', data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(r() * 2 - 1)) };
};
const ints = (shape, seed, n, lengths) => {
  const r = rng(seed);
  const [B, T] = shape;
  const data = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) data.push(lengths && t >= lengths[b] ? 0 : 1 + Math.floor(r() * (n - 1)));
  return { shape, dtype: 'int32', data };
};
/** Right-padded float sequences: steps past each row's length are all `pad`. */
const padded = (shape, seed, lengths, pad) => {
  const x = floats(shape, seed);
  const [, T, F] = shape;
  lengths.forEach((len, b) => {
    for (let t = len; t < T; t++) for (let f = 0; f < F; f++) x.data[(b * T + t) * F + f] = pad;
  });
  return x;
};

const seq = (...layers) => {
  const m = tf.sequential();
  for (const l of layers) m.add(l);
  return m;
};

/** Every fixture: a model and its inputs. */
const CASES = {
  lstm_last: () => [seq(L.lstm({ units: 4, inputShape: [5, 3], ...sig }), L.dense({ units: 2, activation: 'softmax' })), [floats([2, 5, 3], 1)]],
  lstm_seq_nobias_backwards: () => [
    seq(L.lstm({ units: 4, inputShape: [5, 3], useBias: false, goBackwards: true, returnSequences: true, ...sig }),
      L.timeDistributed({ layer: L.dense({ units: 6, activation: 'relu' }) })),
    [floats([2, 5, 3], 2)],
  ],
  gru_stack: () => [
    seq(L.gru({ units: 5, inputShape: [6, 3], returnSequences: true, ...sig }),
      L.gru({ units: 4, goBackwards: true, ...sig }), L.dense({ units: 3, activation: 'tanh' })),
    [floats([3, 6, 3], 3)],
  ],
  simple_rnn: () => [
    seq(L.simpleRNN({ units: 4, inputShape: [5, 2], activation: 'relu', returnSequences: true }),
      L.simpleRNN({ units: 3, useBias: false }), L.dense({ units: 2, activation: 'sigmoid' })),
    [floats([2, 5, 2], 4)],
  ],
  embedding_lstm: () => [
    seq(L.embedding({ inputDim: 11, outputDim: 4, inputLength: 7 }), L.lstm({ units: 5, ...sig }), L.dense({ units: 11 })),
    [ints([3, 7], 5, 11)],
  ],
  bidi_concat: () => [seq(L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true, ...sig }), inputShape: [4, 2] })), [floats([2, 4, 2], 6)]],
  bidi_sum: () => [seq(L.bidirectional({ layer: L.gru({ units: 3, ...sig }), inputShape: [4, 2], mergeMode: 'sum' })), [floats([2, 4, 2], 7)]],
  bidi_mul: () => [seq(L.bidirectional({ layer: L.simpleRNN({ units: 3, returnSequences: true }), inputShape: [4, 2], mergeMode: 'mul' })), [floats([2, 4, 2], 8)]],
  bidi_ave: () => [seq(L.bidirectional({ layer: L.lstm({ units: 3, ...sig }), inputShape: [4, 2], mergeMode: 'ave' })), [floats([2, 4, 2], 9)]],
  shapes: () => [
    seq(L.permute({ dims: [2, 1], inputShape: [3, 4] }), L.reshape({ targetShape: [3, 4] }), L.dropout({ rate: 0.3 }),
      L.spatialDropout1d({ rate: 0.3 }), L.flatten(), L.activation({ activation: 'tanh' }), L.dense({ units: 3, useBias: false })),
    [floats([2, 3, 4], 10)],
  ],
  functional: () => {
    const x = tf.input({ shape: [5, 3] });
    const [y, h, c] = L.lstm({ units: 4, returnSequences: true, returnState: true, ...sig }).apply(x);
    const g = L.gru({ units: 4, ...sig }).apply(y);
    const sum = L.add().apply([g, h]);
    const cat = L.concatenate().apply([sum, c]);
    const out = L.dense({ units: 3, activation: 'hardSigmoid' }).apply(cat);
    return [tf.model({ inputs: x, outputs: [out, h] }), [floats([2, 5, 3], 11)]];
  },
  functional_two_inputs: () => {
    const a = tf.input({ shape: [4, 2] });
    const b = tf.input({ shape: [4, 2] });
    const outs = L.bidirectional({ layer: L.lstm({ units: 3, ...sig }), mergeMode: null }).apply(a);
    const r = L.simpleRNN({ units: 3 }).apply(b);
    const cat = L.concatenate({ axis: 1 }).apply([...outs, r]);
    return [tf.model({ inputs: [a, b], outputs: cat }), [floats([2, 4, 2], 12), floats([2, 4, 2], 13)]];
  },
  masking: () => [
    seq(L.masking({ maskValue: 0, inputShape: [6, 3] }), L.lstm({ units: 4, ...sig }), L.dense({ units: 2 })),
    [padded([3, 6, 3], 14, [6, 2, 4], 0)],
  ],
  masking_seq: () => [
    seq(L.masking({ maskValue: -1, inputShape: [5, 2] }), L.simpleRNN({ units: 3, returnSequences: true }),
      L.dense({ units: 2, activation: 'softmax' }), L.lstm({ units: 3, returnSequences: true, ...sig })),
    [padded([3, 5, 2], 17, [2, 5, 4], -1)],
  ],
  activations: () => {
    // One Dense pre-activation (scaled to about ±3) through every activation, each an output.
    const x = tf.input({ shape: [3, 4] });
    const z = L.dense({ units: 6 }).apply(L.dense({ units: 6, activation: 'softsign' }).apply(x));
    const acts = ['relu6', 'sigmoid', 'elu', 'selu', 'swish', 'hardSigmoid', 'softmax', 'tanh', 'relu', 'linear'];
    return [tf.model({ inputs: x, outputs: acts.map((a) => L.activation({ activation: a }).apply(z)) }), [floats([2, 3, 4], 18)]];
  },
  mask_zero: () => [
    seq(L.embedding({ inputDim: 9, outputDim: 3, inputLength: 6, maskZero: true }), L.gru({ units: 4, ...sig })),
    [ints([3, 6], 15, 9, [3, 6, 1])],
  ],
  lstm_hard_sigmoid: () => [seq(L.lstm({ units: 3, inputShape: [4, 2] })), [floats([2, 4, 2], 16)]],
  // TF.js's defaults: hard_sigmoid gates (scaled weights so that some gates clip at 0 and 1).
  tfjs_defaults: () => [
    seq(L.lstm({ units: 4, inputShape: [6, 3], returnSequences: true }), L.bidirectional({ layer: L.gru({ units: 3 }), mergeMode: 'ave' })),
    [floats([3, 6, 3], 19)],
  ],
};

/** Quantizes float32 weights the way TF.js's manifest describes (value = q·scale + min). */
function quantize(values, dtype) {
  if (dtype === 'float16') return { data: new Uint16Array(values.map(toHalf)), quantization: { dtype } };
  const levels = dtype === 'uint8' ? 255 : 65535;
  let min = Math.min(...values);
  const max = Math.max(...values);
  const scale = max > min ? (max - min) / levels : 1;
  const q = values.map((v) => Math.round((v - min) / scale));
  return { data: dtype === 'uint8' ? new Uint8Array(q) : new Uint16Array(q), quantization: { dtype, min, scale } };
}
function toHalf(v) {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp)); // subnormal half
  if (exp >= 31) return sign | 0x7c00;
  const r = Math.round(mant / 8192);
  return (sign | (exp << 10)) + r; // a carry out of the mantissa rounds into the exponent
}

async function artifactsOf(model) {
  let got;
  await model.save(tf.io.withSaveHandler(async (a) => {
    got = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return got;
}

/** Writes model.json + shards (split into `shards` byte ranges at uneven points) and returns the
 *  artifacts TF.js would load from them. */
function writeModel(dir, topology, specs, bytes, shards = 1) {
  const cuts = Array.from({ length: shards + 1 }, (_, i) => (i === shards ? bytes.byteLength : Math.floor((bytes.byteLength * i) / shards) + (i ? 1 : 0)));
  const paths = [];
  for (let i = 0; i < shards; i++) {
    const p = shards === 1 ? 'weights.bin' : `group1-shard${i + 1}of${shards}.bin`;
    writeFileSync(join(dir, p), new Uint8Array(bytes.slice(cuts[i], cuts[i + 1])));
    paths.push(p);
  }
  const json = { format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, convertedBy: null, modelTopology: topology, weightsManifest: [{ paths, weights: specs }] };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
}

async function predict(model, inputs) {
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
  let ys = model.predict(xs.length === 1 ? xs[0] : xs);
  if (!Array.isArray(ys)) ys = [ys];
  const out = ys.map((y) => ({ shape: y.shape, data: Array.from(y.dataSync()) }));
  tf.dispose([...xs, ...ys]);
  return out;
}

async function build(name, model, inputs, { quant, shards = 1 } = {}) {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const a = await artifactsOf(model);
  let specs = a.weightSpecs;
  let bytes = a.weightData;
  let loaded = model;
  if (quant) {
    // Quantize every weight, then let TF.js itself load the quantized files for the expectation.
    const f32 = new Float32Array(bytes);
    const parts = [];
    let at = 0;
    specs = specs.map((s) => {
      const n = s.shape.reduce((x, y) => x * y, 1);
      const { data, quantization } = quantize(Array.from(f32.subarray(at, at + n)), quant);
      at += n;
      parts.push(new Uint8Array(data.buffer));
      return { ...s, quantization };
    });
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    bytes = all.buffer;
    loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: specs, weightData: bytes }));
  }
  writeModel(dir, a.modelTopology, specs, bytes, shards);
  const outputs = await predict(loaded, inputs);
  writeFileSync(join(dir, 'expected.json'), JSON.stringify({ inputs, outputs }));
}

let seed = 1000;
const randomize = (model, scale = 0.5) => model.setWeights(model.getWeights().map((w) => tf.randomUniform(w.shape, -scale, scale, 'float32', seed++)));

rmSync(OUT, { recursive: true, force: true });
for (const [name, make] of Object.entries(CASES)) {
  const [model, inputs] = make();
  randomize(model, name === 'activations' || name === 'tfjs_defaults' ? 2 : 0.5);
  await build(name, model, inputs);
  if (name === 'lstm_last') {
    await build('lstm_last_sharded', model, inputs, { shards: 3 });
    for (const q of ['uint8', 'uint16', 'float16']) await build(`lstm_last_${q}`, model, inputs, { quant: q });
  }
  console.log(`wrote ${name}`);
}

// Keras's default GRU (reset_after=True, bias [2, 3H]) cannot be built by TF.js: its model.json is
// written here by hand in Keras 2's own style (explicit InputLayer, TF-Keras weight names with the
// cell in them), with seeded weights. The test compares webrnn against the Keras formula itself.
function kerasResetAfter() {
  const dir = join(OUT, 'keras_gru_reset_after');
  mkdirSync(dir, { recursive: true });
  const gru = (name, units, extra) => ({
    class_name: 'GRU',
    config: { name, trainable: true, dtype: 'float32', units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, dropout: 0, recurrent_dropout: 0, reset_after: true, return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false, ...extra },
  });
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 5, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
        { class_name: 'Bidirectional', config: { name: 'bidirectional', trainable: true, dtype: 'float32', merge_mode: 'concat', layer: gru('gru', 4, { return_sequences: true }) } },
        gru('gru_1', 3, { go_backwards: true }),
      ],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  };
  const specs = [];
  const data = [];
  let s = 77;
  const add = (name, shape) => {
    specs.push({ name, shape, dtype: 'float32' });
    const x = floats(shape, s++);
    data.push(...x.data.map((v) => v * 0.8));
  };
  for (const dir of ['forward', 'backward']) {
    add(`bidirectional/${dir}_gru/gru_cell/kernel`, [3, 12]);
    add(`bidirectional/${dir}_gru/gru_cell/recurrent_kernel`, [4, 12]);
    add(`bidirectional/${dir}_gru/gru_cell/bias`, [2, 12]);
  }
  add('gru_1/gru_cell/kernel', [8, 9]);
  add('gru_1/gru_cell/recurrent_kernel', [3, 9]);
  add('gru_1/gru_cell/bias', [2, 9]);
  writeModel(dir, topology, specs, new Float32Array(data).buffer);
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ inputs: [floats([2, 5, 3], 99)] }));
  console.log('wrote keras_gru_reset_after');
}
kerasResetAfter();

// A stateful LSTM (Keras carries its state from one predict() to the next): two consecutive
// batches and TF.js's outputs for each, the second starting from the first's final state.
async function statefulFixture() {
  const name = 'stateful';
  const model = seq(L.lstm({ units: 3, batchInputShape: [2, 4, 2], stateful: true, returnSequences: true, ...sig }), L.gru({ units: 2, stateful: true }));
  randomize(model);
  model.resetStates();
  const inputs = [floats([2, 4, 2], 41), floats([2, 4, 2], 42)];
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const a = await artifactsOf(model);
  writeModel(dir, a.modelTopology, a.weightSpecs, a.weightData);
  const outputs = [];
  for (const x of inputs) outputs.push(...(await predict(model, [x])));
  writeFileSync(join(dir, 'expected.json'), JSON.stringify({ inputs, outputs }));
  console.log(`wrote ${name}`);
}
await statefulFixture();
