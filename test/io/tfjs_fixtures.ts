// Helpers for the TF.js importer tests: the fixtures scripts/tfjs-fixtures.mjs wrote with
// TensorFlow.js (model.json, shards, and the predictions TF.js made on fixed inputs), and the
// check "within 1e-5 relative to max |expected|".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tensor, type Tensor } from 'webrnn';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tfjs');

export interface HostArray {
  shape: number[];
  dtype?: 'float32' | 'int32';
  data: number[];
}
export interface Expected {
  inputs: HostArray[];
  outputs: HostArray[];
}

export const modelPath = (name: string) => join(FIXTURES, name, 'model.json');
export const expected = (name: string): Expected => JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8'));

export function inputTensor(a: HostArray): Tensor {
  return a.dtype === 'int32' ? tensor(Int32Array.from(a.data), a.shape) : tensor(Float32Array.from(a.data), a.shape);
}

/** |got − want| ≤ rel · max|want| element-wise, with the same shape. */
export async function expectClose(got: Tensor, want: HostArray, rel = 1e-5): Promise<void> {
  expect([...got.shape]).toEqual(want.shape);
  const g = await got.data();
  const scale = Math.max(...want.data.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i]! - want.data[i]!));
  expect(Number.isFinite(worst) && worst <= rel * scale, `max |diff| ${worst} > ${rel} · ${scale}`).toBe(true);
}
