// saveSafetensors/loadSafetensors on the GPU: round trips through bytes, Blobs and files, the
// atomic write (no temp file left, old file intact when the write fails), and corrupt files that
// throw before any tensor is made.
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import * as realFs from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { counters, memory, tensor, type Tensor } from 'webrnn';
import { writeFileAtomic, type FileSystem } from '../../src/io/fs.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { loadSafetensors, loadSafetensorsFile, saveSafetensors } from '../../src/io/weights.js';
import { uniform } from '../util/rng.js';
import { useTempDir } from '../util/temp_dir.js';

const dir = useTempDir('webrnn-weights-');

const W = Float32Array.from(uniform(12, 5));
const IDS = Int32Array.of(-2147483648, -7, 0, 2147483647);

function record(): Record<string, Tensor> {
  return {
    'rnn.weight_hh': tensor(W, [3, 4]),
    'vocab.ids': tensor(IDS, [4]),
    step: tensor(Float32Array.of(42), []),
    'empty.bias': tensor(new Float32Array(0), [0]),
  };
}

/** Shapes, dtypes and values of GPU tensors, for comparing two records. */
async function contents(rec: Record<string, Tensor>) {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(rec).sort()) {
    const t = rec[name]!;
    out[name] = { dtype: t.dtype, shape: [...t.shape], values: Array.from(await t.data()) };
  }
  return out;
}

const disposeAll = (rec: Record<string, Tensor>) => Object.values(rec).forEach((t) => t.dispose());

describe('round trip', () => {
  test('float32 and int32 tensors, a scalar and an empty tensor, through bytes, ArrayBuffer and Blob', async () => {
    const rec = record();
    const bytes = await saveSafetensors(rec, undefined, { epoch: '3' });
    // The bytes are a safetensors file: u64 LE header length (padded to 8), JSON, sorted names.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(dv.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'empty.bias', 'rnn.weight_hh', 'step', 'vocab.ids']);
    expect(header['vocab.ids']).toEqual({ dtype: 'I32', shape: [4], data_offsets: [52, 68] });
    expect(dv.getInt32(8 + n + 52, true)).toBe(-2147483648);
    expect(8 + n + 68).toBe(bytes.length);

    const want = {
      'empty.bias': { dtype: 'float32', shape: [0], values: [] },
      'rnn.weight_hh': { dtype: 'float32', shape: [3, 4], values: Array.from(W) },
      step: { dtype: 'float32', shape: [], values: [42] },
      'vocab.ids': { dtype: 'int32', shape: [4], values: Array.from(IDS) },
    };
    expect(await contents(rec)).toEqual(want);
    for (const src of [bytes, bytes.slice().buffer, new Blob([bytes])]) {
      const loaded = await loadSafetensors(src);
      expect(await contents(loaded)).toEqual(want);
      disposeAll(loaded);
    }
    const { metadata, tensors } = await loadSafetensorsFile(bytes);
    expect(metadata).toEqual({ epoch: '3' });
    disposeAll(tensors);
    disposeAll(rec);
  });

  test('modules: stateDict(), namedParameters() as a Map or pairs', async () => {
    const rec = record();
    const want = await saveSafetensors(rec);
    const asMap = new Map(Object.entries(rec));
    for (const src of [{ stateDict: () => rec }, { namedParameters: () => asMap }, { namedParameters: () => Object.entries(rec) }]) {
      expect(Buffer.from(await saveSafetensors(src)).equals(Buffer.from(want))).toBe(true);
    }
    disposeAll(rec);
  });

  test('files other writers make (F16, I64) load as float32 and int32 tensors', async () => {
    const json = JSON.stringify({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, i: { dtype: 'I64', shape: [1], data_offsets: [4, 12] } });
    const head = new TextEncoder().encode(json);
    const bytes = new Uint8Array(8 + head.length + 12);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    dv.setUint16(8 + head.length, 0x3c00, true); // 1.0
    dv.setUint16(8 + head.length + 2, 0xc000, true); // -2.0
    dv.setBigInt64(8 + head.length + 4, -5n, true);
    const loaded = await loadSafetensors(bytes);
    expect(await contents(loaded)).toEqual({
      h: { dtype: 'float32', shape: [2], values: [1, -2] },
      i: { dtype: 'int32', shape: [1], values: [-5] },
    });
    disposeAll(loaded);
  });
});

describe('files', () => {
  test('save writes the file atomically (no temp file left) and load reads it back', async () => {
    const path = join(dir(), 'model.safetensors');
    const rec = record();
    const bytes = await saveSafetensors(rec, path);
    expect(Buffer.from(await readFile(path)).equals(Buffer.from(bytes))).toBe(true);
    await saveSafetensors({ only: rec.step! }, path); // overwrite
    expect(await readdir(dir())).toEqual(['model.safetensors']);
    const loaded = await loadSafetensors(path);
    expect(await contents(loaded)).toEqual({ only: { dtype: 'float32', shape: [], values: [42] } });
    disposeAll(loaded);
    disposeAll(rec);
    await rm(path);
  });

  /** node:fs/promises with one step made to fail, as a crash or a full disk would. */
  function faulty(step: 'rename' | 'write'): FileSystem {
    const fs = realFs as unknown as FileSystem;
    return {
      ...fs,
      rename: step === 'rename' ? () => Promise.reject(new Error('simulated: rename failed')) : fs.rename,
      open: async (p, flags) => {
        const h = await fs.open(p, flags);
        if (step !== 'write') return h;
        return { ...h, close: () => h.close(), sync: () => h.sync(), writeFile: async (d: Uint8Array) => {
          await h.writeFile(d.subarray(0, d.length >> 1)); // half the bytes land, then the disk fills
          throw new Error('simulated: ENOSPC');
        } };
      },
    };
  }

  test.each(['rename', 'write'] as const)('a write whose %s fails leaves the old file intact and no temp file', async (step) => {
    const path = join(dir(), `old-${step}.safetensors`);
    const old = new Uint8Array([1, 2, 3, 4, 5]);
    await writeFile(path, old);
    await expect(writeFileAtomic(path, new Uint8Array(100).fill(9), faulty(step))).rejects.toThrow(/simulated/);
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3, 4, 5]);
    expect(await readdir(dir())).toEqual([`old-${step}.safetensors`]);
    await rm(path);
  });

  test('saving over a folder fails on the real rename and leaves the folder and no temp file', async () => {
    const target = join(dir(), 'taken');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'x');
    const rec = { a: tensor([1, 2]) };
    await expect(saveSafetensors(rec, target)).rejects.toThrow();
    expect(await readdir(dir())).toEqual(['taken']);
    expect(await readdir(target)).toEqual(['keep.txt']);
    disposeAll(rec);
    await rm(target, { recursive: true });
  });
});

describe('bad input', () => {
  test('a corrupt file throws and creates no tensors', async () => {
    const rec = record();
    const good = await saveSafetensors(rec);
    disposeAll(rec);
    const path = join(dir(), 'corrupt.safetensors');
    await writeFile(path, good.subarray(0, good.length - 3));
    const before = memory().liveBuffers;
    await expect(loadSafetensors(good.subarray(0, good.length - 1))).rejects.toThrow(/webrnn: safetensors: .*'vocab.ids' ends at byte 68.*67 bytes/);
    await expect(loadSafetensors(path)).rejects.toThrow(/truncated/);
    const flipped = good.slice();
    flipped[8 + 2] = 0xff; // inside the JSON header
    await expect(loadSafetensors(flipped)).rejects.toThrow(/webrnn: safetensors: the header/);
    await expect(loadSafetensors(join(dir(), 'missing.safetensors'))).rejects.toThrow(/ENOENT/);
    expect(memory().liveBuffers).toBe(before);
    await rm(path);
  });

  test('bad tensors, names and metadata are refused before any readback', async () => {
    const t = tensor([1, 2, 3]);
    const gone = tensor([1]);
    gone.dispose();
    const readbacks = counters().readbacks;
    await expect(saveSafetensors({ ok: t, gone })).rejects.toThrow(/tensor 'gone' \[1\] was disposed/);
    await expect(saveSafetensors({ x: [1, 2] as unknown as Tensor })).rejects.toThrow(/'x' is not a Tensor/);
    await expect(saveSafetensors({ __metadata__: t })).rejects.toThrow(/'__metadata__' is reserved/);
    await expect(saveSafetensors({ namedParameters: () => [['a', t], ['a', t]] as [string, Tensor][] })).rejects.toThrow(/'a' is used twice/);
    await expect(saveSafetensors({ t }, undefined, { epoch: 3 as unknown as string })).rejects.toThrow(/'epoch' is 3/);
    await expect(loadSafetensors(42 as unknown as Uint8Array)).rejects.toThrow(/expected a Uint8Array, ArrayBuffer, Blob, URL, file path or 'indexeddb:\/\/name'/);
    expect(counters().readbacks).toBe(readbacks);
    t.dispose();
  });

  test('decoded bytes equal what a fresh decode of the file gives (no shared buffers)', async () => {
    const rec = { a: tensor([1, 2, 3]) };
    const bytes = await saveSafetensors(rec);
    const first = decodeSafetensors(bytes).tensors.a!.data;
    bytes.fill(0, bytes.length - 12);
    expect(Array.from(first)).toEqual([1, 2, 3]); // the decoded data is a copy, not a view
    disposeAll(rec);
  });
});
