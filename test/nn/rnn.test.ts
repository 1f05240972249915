// Whole layers on the GPU (forward + BPTT through the graph) against the float64 reference model:
// outputs, final states and the gradient of every parameter, the input and the initial states.
import { beforeAll, describe, test } from 'vitest';
import { init } from 'webrnn';
import { checkLayerAgainstReference, layerCaseName, type LayerCase } from '../util/layer_check.js';
import { KINDS } from '../util/cell_sequence.js';

beforeAll(async () => {
  await init();
});

const base = { layers: 1, bidirectional: false, bias: true, batchFirst: false, T: 4, B: 3, I: 5, H: 7, h0: true };
const VARIANTS: Partial<LayerCase>[] = [
  {},
  { layers: 2, bidirectional: true },
  { layers: 3, h0: false },
  { bidirectional: true, lengths: [1, 4, 2] }, // a length-1 and a full-length sequence, unsorted
  { layers: 2, bidirectional: true, batchFirst: true, lengths: [3, 1, 4] },
  { bias: false, H: 65 }, // not a multiple of the 64-wide workgroup
  { B: 1, T: 1 },
];
const CASES: LayerCase[] = KINDS.flatMap((mode) => VARIANTS.map((v) => ({ ...base, mode, ...v })));

describe.each(CASES.map((c) => [layerCaseName(c), c] as const))('%s', (_n, c) => {
  test('forward and every gradient match the float64 reference', () => checkLayerAgainstReference(c));
});
