// Writes test/fixtures/onnx: ONNX models built with webrnn's encoder and, for each, the inputs and
// the outputs ONNX Runtime (onnxruntime-node, CPU execution provider) computes from them.
// Run: npx vite-node scripts/onnx-fixtures.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { encodeModel, type ModelProto } from '../src/io/onnx/proto.js';
import { opCases } from './onnx-fixture-ops.js';
import { rnnCase, type Case, type Feed, type RnnOptions } from './onnx-fixture-models.js';

const OUT = 'test/fixtures/onnx';

function rnnCases(): Case[] {
  const cases: Case[] = [];
  const dirs = ['forward', 'reverse', 'bidirectional'] as const;
  for (const op of ['LSTM', 'GRU', 'RNN'] as const) {
    for (const direction of dirs) {
      const lbrs = op === 'GRU' ? [0, 1] as const : [undefined];
      for (const lbr of lbrs) {
        cases.push(rnnCase({ op, direction, lbr }));
        cases.push(rnnCase({ op, direction, lbr, lens: true, states: true }));
      }
      const full: RnnOptions = { op, direction, lens: true, states: true, layout: 1 };
      if (op === 'GRU') for (const lbr of [0, 1] as const) cases.push(rnnCase({ ...full, lbr }));
      else cases.push(rnnCase(full));
    }
    cases.push(rnnCase({ op, direction: 'bidirectional', lens: true, bias: false }));
    cases.push(rnnCase({ op, direction: 'forward', layout: 1 }));
  }
  cases.push(rnnCase({ op: 'RNN', direction: 'bidirectional', relu: true, lens: true, states: true }));
  return cases;
}

function ortFeed(f: Feed): ort.Tensor {
  if (f.dtype === 'float32') return new ort.Tensor('float32', Float32Array.from(f.data), f.dims);
  if (f.dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(f.data), f.dims);
  return new ort.Tensor('int64', BigInt64Array.from(f.data.map((v) => BigInt(v))), f.dims);
}

async function runOrt(m: ModelProto, feeds: Record<string, Feed>): Promise<Record<string, Feed>> {
  const session = await ort.InferenceSession.create(encodeModel(m), { executionProviders: ['cpu'] });
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, ortFeed(f)])));
  const result: Record<string, Feed> = {};
  for (const [k, t] of Object.entries(out)) {
    const dtype = t.type === 'float32' ? 'float32' : t.type === 'int64' ? 'int64' : 'int32';
    result[k] = { dtype, dims: [...t.dims], data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
  }
  await session.release();
  return result;
}

/** Nine significant digits: enough to give back every float32 exactly, half the bytes of 17. */
const float32Digits = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// Appended last, so the cases above keep their random draws (and their files) when these change.
const hardSigmoid = () => [
  rnnCase({ op: 'LSTM', direction: 'forward', hard: 'default', lens: true, states: true }),
  rnnCase({ op: 'LSTM', direction: 'bidirectional', hard: 'explicit' }),
  rnnCase({ op: 'GRU', direction: 'reverse', hard: 'default', lbr: 1 }),
  rnnCase({ op: 'GRU', direction: 'forward', hard: 'explicit', lbr: 0, lens: true }),
];
const all = [...rnnCases(), ...opCases(), ...hardSigmoid()];
const index: string[] = [];
for (const c of all) {
  const expected = c.twin ? c.twin.outputs(await runOrt(c.twin.model, c.twin.feeds(c.feeds))) : await runOrt(c.model, c.feeds);
  writeFileSync(`${OUT}/${c.name}.onnx`, encodeModel(c.model));
  writeFileSync(`${OUT}/${c.name}.json`, JSON.stringify({ by: c.twin ? 'onnxruntime-node (layout-0 twin)' : 'onnxruntime-node', ort: ort.env.versions.common, inputs: c.feeds, outputs: expected }, float32Digits));
  index.push(c.name);
}
writeFileSync(`${OUT}/index.json`, JSON.stringify(index, null, 1) + '\n');
console.log(`wrote ${all.length} models to ${OUT}`);
