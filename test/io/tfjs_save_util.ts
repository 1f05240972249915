// Helpers of the saveLayersModel tests: deterministic inputs, the time-major ↔ batch-first swap,
// the "within 1e-5 of max |expected|" check, and TF.js's own prediction from a saved folder.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';

/** A deterministic input in [−1, 1) (or indices below `vocab`). */
export function input(shape: number[], vocab?: number): { shape: number[]; data: number[]; int: boolean } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => (vocab ? (i * 7 + 3) % vocab : Math.sin(i * 1.7 + 0.3)));
  return { shape, data, int: vocab !== undefined };
}

/** Axes 0 and 1 swapped (time-major ↔ batch-first). */
export function swap01(data: ArrayLike<number>, shape: number[]): { data: number[]; shape: number[] } {
  const [a, b] = shape as [number, number];
  const inner = shape.slice(2).reduce((x, y) => x * y, 1);
  const out = new Array<number>(data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < inner; k++) out[(j * a + i) * inner + k] = data[(i * b + j) * inner + k]!;
  return { data: out, shape: [b, a, ...shape.slice(2)] };
}

export function expectNear(got: ArrayLike<number>, gotShape: readonly number[], want: number[], wantShape: readonly number[], what: string): void {
  expect([...gotShape], what).toEqual([...wantShape]);
  const scale = Math.max(...want.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(Number.isFinite(worst) && worst <= 1e-5 * scale, `${what}: max |diff| ${worst} > 1e-5 · ${scale}`).toBe(true);
}

/** tf.loadLayersModel (in memory, from the saved files) and predict() on x. */
export async function tfjsPredict(folder: string, x: { data: number[]; shape: number[] }): Promise<{ data: number[]; shape: number[] }> {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  const bin = await readFile(join(folder, 'weights.bin'));
  const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
  const tx = tf.tensor(x.data, x.shape, 'float32');
  const ty = m.predict(tx) as tf.Tensor;
  const res = { data: Array.from(ty.dataSync()), shape: ty.shape };
  tf.dispose([tx, ty]);
  m.dispose();
  return res;
}

