// Caps on what a weight file may ask for: a header listing more tensors than limits.maxTensors
// (default 10,000) or longer than limits.maxHeaderBytes (default 16 MiB) is refused by name before
// any tensor, CPU array or GPU buffer is made, for safetensors and checkpoints alike.
import { beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SAFETENSORS_LIMITS, decodeSafetensors, init, loadCheckpoint, loadSafetensors, memory, nn, saveCheckpoint } from 'webrnn';
import { handFile } from '../util/safetensors_files.js';

beforeAll(async () => {
  await init();
});

/** A header of `n` empty F32 tensors (no data bytes), as the 100,000-tensor file. */
function emptyTensors(n: number, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  for (let i = 0; i < n; i++) header[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
  return handFile(header);
}

describe('safetensors caps', () => {
  test('the defaults: 10,000 tensors, 16 MiB of header', () => {
    expect(DEFAULT_SAFETENSORS_LIMITS).toEqual({ maxTensors: 10_000, maxHeaderBytes: 16 * 2 ** 20 });
  });

  test('100,000 empty tensors are refused by name, nothing allocated', async () => {
    const file = emptyTensors(100_000);
    const before = memory();
    await expect(loadSafetensors(file)).rejects.toThrow(/^webrnn: safetensors: the header lists 100000 tensors, more than the limit of 10000 \(limits\.maxTensors\)$/);
    expect(memory()).toEqual(before);
  });

  test('exactly at the cap loads; one past it does not; the metadata does not count', async () => {
    const at = decodeSafetensors(emptyTensors(5, { k: 'v' }), { maxTensors: 5 });
    expect(Object.keys(at.tensors)).toHaveLength(5);
    expect(() => decodeSafetensors(emptyTensors(6), { maxTensors: 5 })).toThrow(/lists 6 tensors, more than the limit of 5/);
    const before = memory();
    const loaded = await loadSafetensors(emptyTensors(3), { maxTensors: 3 });
    expect(memory().liveTensors).toBe(before.liveTensors + 3);
    for (const t of Object.values(loaded)) t.dispose();
  });

  test('a header past limits.maxHeaderBytes is refused before it is parsed', () => {
    const file = emptyTensors(50);
    const headerBytes = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(() => decodeSafetensors(file, { maxHeaderBytes: headerBytes - 1 }))
      .toThrow(new RegExp(`^webrnn: safetensors: the header length ${headerBytes} exceeds the limit of ${headerBytes - 1} bytes \\(limits\\.maxHeaderBytes\\)$`));
    expect(Object.keys(decodeSafetensors(file, { maxHeaderBytes: headerBytes }).tensors)).toHaveLength(50);
    // A 17 MiB header (padding spaces are valid JSON whitespace) with the default cap:
    const big = handFile('{}'.padEnd(17 * 2 ** 20, ' '));
    expect(() => decodeSafetensors(big)).toThrow(/^webrnn: safetensors: the header length 17825792 exceeds the limit of 16777216 bytes/);
  });

  test('bad limits are refused by name', () => {
    const file = emptyTensors(1);
    expect(() => decodeSafetensors(file, { maxTensors: 0 })).toThrow(/^webrnn: safetensors: limit maxTensors = 0 must be a positive integer/);
    expect(() => decodeSafetensors(file, { maxHeaderBytes: 1.5 })).toThrow(/limit maxHeaderBytes = 1.5 must be a positive integer/);
    expect(() => decodeSafetensors(file, { maxTensor: 3 } as never)).toThrow(/^webrnn: safetensors: unknown limit 'maxTensor' \(known: maxTensors, maxHeaderBytes\)/);
  });
});

describe('checkpoint caps', () => {
  test('a checkpoint past the cap is refused by name and the model is unchanged', async () => {
    const model = new nn.Linear(3, 2, { seed: 1 });
    const bytes = await saveCheckpoint(null, { model });
    const w = Array.from(await model.weight.data());
    await expect(loadCheckpoint(bytes, { model, limits: { maxTensors: 1 } })).rejects.toThrow(/^webrnn: safetensors: the header lists 2 tensors, more than the limit of 1/);
    const before = memory();
    await expect(loadCheckpoint(emptyTensors(20_000, { format: 'webrnn.checkpoint/1', step: '0' }), { model })).rejects.toThrow(/lists 20000 tensors, more than the limit of 10000/);
    expect(memory()).toEqual(before);
    expect(Array.from(await model.weight.data())).toEqual(w);
    await loadCheckpoint(bytes, { model, limits: { maxTensors: 2 } });
    model.dispose();
  });
});
