// loadOnnx refusing bad files, and run() refusing bad feeds: each a `webrnn:` error that names the
// problem, with nothing left allocated (memory() counts the same before and after).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory, tensor } from 'webrnn';
import { loadOnnx, type OnnxSource } from '../../src/io/onnx/index.js';
import { attribute, decodeModel, encodeModel, int64Tensor, node, tensor as protoTensor, type ModelProto } from '../../src/io/onnx/proto.js';
import { onnxPath } from './onnx_fixtures.js';

beforeAll(async () => {
  await init();
});

const LSTM = 'lstm_bidirectional_layout0_lens_states';
const bytes = new Uint8Array(readFileSync(onnxPath(LSTM)));
/** The LSTM fixture after `edit` changed its decoded model. */
function edited(edit: (m: ModelProto) => void, name = LSTM): Uint8Array {
  const m = decodeModel(new Uint8Array(readFileSync(onnxPath(name))));
  edit(m);
  return encodeModel(m);
}
const lstmNode = (m: ModelProto) => m.graph!.node![0]!;
const setAttr = (m: ModelProto, a: ReturnType<typeof attribute>) => {
  const n = lstmNode(m);
  n.attribute = [...n.attribute!.filter((x) => x.name !== a.name), a];
};

const BAD: [string, () => OnnxSource, RegExp][] = [
  ['truncated protobuf', () => bytes.subarray(0, Math.floor(bytes.length / 2)), /webrnn: loadOnnx: the file is not a valid ONNX protobuf \(truncated\?\)/],
  ['empty file', () => new Uint8Array(0), /webrnn: loadOnnx: the file holds no graph/],
  ['not a protobuf', () => new TextEncoder().encode('{"format": "layers-model"}'), /webrnn: loadOnnx: the file is not a valid ONNX protobuf/],
  ['unknown operators, every one named', () => edited((m) => {
    m.graph!.node!.push(node('Conv', ['Y', 'W'], ['z'], {}, 'conv1'), node('FusedGemm', ['z'], ['q'], {}, 'fused'));
    m.graph!.node![2]!.domain = 'com.microsoft';
  }), /webrnn: loadOnnx: unsupported operators: node 'conv1' \(Conv\), node 'fused' \(com.microsoft.FusedGemm\)/],
  ['W contradicts hidden_size', () => edited((m) => setAttr(m, attribute('hidden_size', 5))), /node 'lstm' \(LSTM\): W 'W' has shape \[2, 24, 4\], hidden_size 5 and direction 'bidirectional' imply \[2, 20, input_size\]/],
  ['B contradicts the direction', () => edited((m) => setAttr(m, attribute('direction', 'forward'))), /node 'lstm' \(LSTM\): W 'W' has shape \[2, 24, 4\], hidden_size 6 and direction 'forward' imply \[1, 24, input_size\]/],
  ['raw_data shorter than the dims', () => edited((m) => {
    const w = m.graph!.initializer![0]!;
    w.rawData = w.rawData!.subarray(0, w.rawData!.length - 4);
  }), /initializer 'W': raw_data holds 764 bytes, its dims \[2, 24, 4\] need 768/],
  ['clip', () => edited((m) => setAttr(m, attribute('clip', { float: 3 }))), /node 'lstm' \(LSTM\): clip is not supported/],
  ['other activations', () => edited((m) => setAttr(m, attribute('activations', { strings: ['Sigmoid', 'Relu', 'Tanh', 'Sigmoid', 'Relu', 'Tanh'] }))), /node 'lstm' \(LSTM\): activations \[Sigmoid, Relu, Tanh, Sigmoid, Relu, Tanh\] are not supported/],
  ['HardSigmoid with another alpha', () => edited((m) => {
    setAttr(m, attribute('activations', { strings: ['HardSigmoid', 'Tanh', 'Tanh', 'HardSigmoid', 'Tanh', 'Tanh'] }));
    setAttr(m, attribute('activation_alpha', { floats: [0.3, 0.3] }));
  }), /activations \[HardSigmoid, Tanh, Tanh, HardSigmoid, Tanh, Tanh\] with activation_alpha \[0.3, 0.3\], activation_beta \[\] are not supported \(LSTM takes \[Sigmoid, Tanh, Tanh\] or \[HardSigmoid, Tanh, Tanh\] with alpha 0.2, beta 0.5 for each direction\)/],
  ['input_forget', () => edited((m) => setAttr(m, attribute('input_forget', 1))), /input_forget = 1 .* is not supported/],
  ['peepholes', () => edited((m) => {
    lstmNode(m).input!.push('P');
    m.graph!.initializer!.push(protoTensor('P', new Float32Array(36), [2, 18]));
  }), /node 'lstm' \(LSTM\): peephole weights P \('P'\) are not supported/],
  ['bad direction', () => edited((m) => setAttr(m, attribute('direction', 'sideways'))), /direction 'sideways' must be forward, reverse or bidirectional/],
  ['bad layout', () => edited((m) => setAttr(m, attribute('layout', 2))), /layout 2 must be 0 or 1/],
  ['external data', () => edited((m) => {
    const w = m.graph!.initializer![0]!;
    delete w.rawData;
    w.dataLocation = 1;
    w.externalData = [{ key: 'location', value: 'weights.bin' }];
  }), /initializer 'W' keeps its data in an external file/],
  ['a value read before it is written', () => edited((m) => {
    m.graph!.node!.unshift(node('Relu', ['later'], ['r'], {}, 'early'));
  }), /node 'early' \(Relu\) reads 'later', which no input, initializer or earlier node gives/],
  ['an output no node makes', () => edited((m) => {
    m.graph!.output![0]!.name = 'nowhere';
  }), /graph output 'nowhere' is produced by no node, input or initializer/],
  ['no default opset', () => edited((m) => {
    m.opsetImport = [{ domain: 'com.microsoft', version: 1 }];
  }), /imports no version of the default ONNX operator set/],
  ['unsupported element type', () => edited((m) => {
    m.graph!.initializer!.push({ name: 's', dataType: 8, dims: [1] });
  }), /initializer 's' has element type 8/],
  ['missing file', () => '/nowhere/model.onnx', /webrnn: loadOnnx: cannot read '\/nowhere\/model.onnx'/],
  ['not a source', () => 42 as never, /webrnn: loadOnnx: source must be a path, a URL, a Blob or File, a Uint8Array or an ArrayBuffer/],
];

describe('loadOnnx refuses bad files with a named error and allocates nothing', () => {
  test.each(BAD)('%s', async (_name, source, message) => {
    const before = memory().liveTensors;
    await expect(loadOnnx(source())).rejects.toThrow(message);
    expect(memory().liveTensors).toBe(before);
  });
});

describe('run() refuses bad feeds and frees what it made', () => {
  const feeds = () => ({
    X: tensor(new Float32Array(60), [5, 3, 4]), lens: tensor(new Int32Array([5, 2, 4]), [3]),
    h0: tensor(new Float32Array(36), [2, 3, 6]), c0: tensor(new Float32Array(36), [2, 3, 6]),
  });
  const CASES: [string, (f: ReturnType<typeof feeds>) => Record<string, unknown>, RegExp][] = [
    ['a missing feed', ({ c0: _c0, ...f }) => f, /webrnn: onnx: run: input 'c0' is missing from the feeds/],
    ['an unknown feed', (f) => ({ ...f, extra: f.X }), /'extra' is not an input of the model \(inputs: X, lens, h0, c0\)/],
    ['a shape against the declared one', (f) => ({ ...f, X: tensor(new Float32Array(60), [5, 4, 3]) }), /input 'X' \[5, 4, 3\] does not fit its declared shape \[5, 3, 4\]/],
    ['float lengths', (f) => ({ ...f, lens: tensor(new Float32Array([5, 2, 4]), [3]) }), /input 'lens' holds integers: pass an int32 tensor, got float32/],
    ['lengths out of range', (f) => ({ ...f, lens: tensor(new Int32Array([5, 0, 9]), [3]) }), /node 'lstm' \(LSTM\): sequence_lens \[5, 0, 9\] must be 3 lengths in 1..5/],
  ];
  test.each(CASES)('%s', async (_name, bad, message) => {
    const model = await loadOnnx(bytes);
    const f = feeds();
    const given = bad(f);
    const before = memory().liveTensors;
    await expect(model.run(given as never)).rejects.toThrow(message);
    expect(memory().liveTensors).toBe(before);
    for (const t of new Set([...Object.values(f), ...Object.values(given)])) (t as { dispose(): void }).dispose();
    model.dispose();
  });

  test('a shape that contradicts the graph at run time (Reshape) is named', async () => {
    const m = decodeModel(new Uint8Array(readFileSync(onnxPath('shape_ops'))));
    m.graph!.initializer!.find((t) => t.name === 'shape_a')!.rawData = undefined;
    Object.assign(m.graph!.initializer!.find((t) => t.name === 'shape_a')!, int64Tensor('shape_a', [5, -1]));
    const model = await loadOnnx(encodeModel(m));
    const x = tensor(new Float32Array(24), [2, 3, 4]);
    const before = memory().liveTensors;
    await expect(model.run({ X: x })).rejects.toThrow(/webrnn: onnx: node '#0' \(Reshape\): cannot reshape \[2, 3, 4\] to \[5, -1\]/);
    expect(memory().liveTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
