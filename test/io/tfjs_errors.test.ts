// loadLayersModel refusing bad files: each problem is a `webrnn:` error that names it, thrown before
// any GPU buffer is made (memory() counts the same before and after).
import { cp, mkdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, memory } from 'webrnn';
import { loadLayersModel, type LayersModelSource } from '../../src/io/tfjs/index.js';
import { useTempDir } from '../util/temp_dir.js';
import { FIXTURES, modelPath } from './tfjs_fixtures.js';

const dir = useTempDir('webrnn-tfjs-bad-');
beforeAll(async () => {
  await init();
});

type Json = { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }; weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[] };
const text = readFileSync(modelPath('lstm_last'), 'utf8');
const bin = new Uint8Array(readFileSync(join(FIXTURES, 'lstm_last', 'weights.bin')));
/** lstm_last in memory, after `edit` changed its JSON (and maybe its weight bytes). */
function edited(edit: (j: Json) => void, weights: Uint8Array = bin): LayersModelSource {
  const j = JSON.parse(text) as Json;
  edit(j);
  return { modelJson: j, weights };
}
const layers = (j: Json) => j.modelTopology.config.layers;
const specs = (j: Json) => j.weightsManifest[0]!.weights;

const BAD: [string, () => LayersModelSource | Promise<LayersModelSource>, RegExp][] = [
  ['truncated JSON', () => ({ modelJson: text.slice(0, text.length / 2), weights: bin }), /webrnn: loadLayersModel: model.json is not valid JSON \(truncated\?\)/],
  ['no topology', () => ({ modelJson: '{"weightsManifest": []}' }), /has no modelTopology/],
  ['graph model', () => edited((j) => Object.assign(j, { format: 'graph-model' })), /format 'graph-model'.*graph models are not supported/],
  ['truncated weights', () => edited(() => {}, bin.subarray(0, bin.length - 4)), /the weight bytes hold 548 bytes, the manifest needs 552/],
  ['truncated shard', () => ({ modelJson: text, weights: { 'weights.bin': bin.subarray(0, bin.length - 4) } }), /the shards 'weights.bin' hold 548 bytes, their manifest entries need 552 \(truncated/],
  ['shards as a list, one short', () => ({ modelJson: text, weights: [] }), /0 weight shards given, the manifest lists 1/],
  ['missing shard by name', () => ({ modelJson: text, weights: { 'other.bin': bin } }), /weight shard 'weights.bin' is missing/],
  ['shape contradicts the topology', () => edited((j) => { specs(j)[0]!.shape = [4, 12]; }), /layer 'lstm_LSTM1' \(LSTM\): weight 'lstm_LSTM1\/kernel' has shape \[4,12\], the topology implies \[3,16\]/],
  ['units contradict the weights', () => edited((j) => { layers(j)[0]!.config.units = 5; }), /weight 'lstm_LSTM1\/kernel' has shape \[3,16\], the topology implies \[3,20\]/],
  ['weight missing from the manifest', () => edited((j) => { specs(j).splice(4, 1); }, bin.subarray(0, bin.length - 8)), /layer 'dense_Dense1' \(Dense\): its weight 'dense_Dense1\/bias' \[2\] is not in the weights manifest/],
  ['weight of no layer', () => edited((j) => { specs(j).push({ name: 'ghost/bias', shape: [1], dtype: 'float32' }); }, new Uint8Array([...bin, 0, 0, 0, 0])), /weights 'ghost\/bias' belong to no layer/],
  ['unknown layer', () => edited((j) => { layers(j)[1]!.class_name = 'Conv1D'; }), /webrnn: loadLayersModel: unsupported layer: layer 'dense_Dense1' \(Conv1D\)/],
  ['two unknown layers, both named', () => edited((j) => { layers(j)[0]!.class_name = 'ConvLSTM2D'; layers(j)[1]!.class_name = 'BatchNormalization'; }), /unsupported layers: layer 'lstm_LSTM1' \(ConvLSTM2D\), layer 'dense_Dense1' \(BatchNormalization\)/],
  ['unsupported option', () => edited((j) => { layers(j)[0]!.config.unroll = 'yes'; }), /layer 'lstm_LSTM1' \(LSTM\): unroll = "yes" must be true or false/],
  ['recurrent dropout', () => edited((j) => { layers(j)[0]!.config.recurrent_dropout = 0.2; }), /recurrent_dropout = 0.2 is not supported/],
  ['unsupported activation', () => edited((j) => { layers(j)[1]!.config.activation = 'gelu'; }), /layer 'dense_Dense1' \(Dense\): activation 'gelu' is not supported/],
  ['gate activation', () => edited((j) => { layers(j)[0]!.config.recurrent_activation = 'tanh'; }), /layer 'lstm_LSTM1' \(LSTM\): recurrent_activation 'tanh' is not supported \('sigmoid' or 'hard_sigmoid'\)/],
  ['LSTM activation', () => edited((j) => { layers(j)[0]!.config.activation = 'relu'; }), /layer 'lstm_LSTM1' \(LSTM\): activation 'relu' is not supported/],
  ['bad quantization', () => edited((j) => { specs(j)[0]!.quantization = { dtype: 'int4' }; }), /weight 'lstm_LSTM1\/kernel' has quantization dtype 'int4'/],
  ['missing input shape', () => edited((j) => { delete layers(j)[0]!.config.batch_input_shape; }), /batch_input_shape undefined must be/],
  ['missing file', () => join(dir(), 'nowhere', 'model.json'), /webrnn: loadLayersModel: cannot read '.*nowhere\/model.json'/],
  ['missing shard file', async () => {
    const d = join(dir(), 'sharded');
    await rm(d, { recursive: true, force: true });
    await mkdir(d, { recursive: true });
    await cp(join(FIXTURES, 'lstm_last_sharded'), d, { recursive: true });
    await rm(join(d, 'group1-shard2of3.bin'));
    return join(d, 'model.json');
  }, /cannot read '.*group1-shard2of3.bin'/],
  ['not a source', () => 42 as never, /source must be a model.json path or URL/],
];

describe('loadLayersModel refuses', () => {
  test.each(BAD)('%s', async (_what, make, message) => {
    const source = await make();
    const before = memory();
    await expect(loadLayersModel(source)).rejects.toThrow(message);
    const after = memory();
    expect(after.liveBuffers).toBe(before.liveBuffers);
    expect(after.createdBuffers).toBe(before.createdBuffers);
  });

  test('the unedited source loads (the edits above are what fails)', async () => {
    const m = await loadLayersModel(edited(() => {}));
    expect(m.numParameters()).toBe(4 * 4 * (3 + 4) + 2 * 16 + (4 * 2 + 2)); // LSTM (bias_ih and bias_hh) + Dense
    m.dispose();
  });
});
