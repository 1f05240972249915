// The ONNX schema subset (protobufjs reflection) and its builders: what they encode decodes back,
// tensors read the same from raw_data and from the typed fields, int64 extremes (Slice's "to the
// end") survive, float16 is widened, and the wire format is ONNX Runtime's (the fixtures run there).
import { describe, expect, test } from 'vitest';
import { DataType, attribute, decodeModel, encodeModel, graph, int64Tensor, model, node, tensor, valueInfo } from '../../src/io/onnx/proto.js';
import { fromProto } from '../../src/io/onnx/values.js';

describe('ONNX protobuf schema', () => {
  test('a model built with the builders decodes to the same fields', () => {
    const g = graph({
      name: 'g',
      nodes: [node('LSTM', ['X', 'W', 'R', '', 'lens'], ['Y'], { hidden_size: 3, direction: 'reverse', activations: { strings: ['Sigmoid', 'Tanh', 'Tanh'] }, activation_alpha: { floats: [0.5] }, perm: [1, 0, 2], clip: { float: 2.5 } }, 'n1')],
      inputs: [valueInfo('X', DataType.FLOAT, ['T', 2, 4])],
      outputs: [valueInfo('Y', DataType.FLOAT, [])],
      initializers: [tensor('W', new Float32Array([1.5, -2]), [1, 2]), int64Tensor('big', [2 ** 53, -(2 ** 53), 9223372036854775807])],
    });
    const m = decodeModel(encodeModel(model(g, { opset: 13, producer: 'test' })));
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport).toEqual([{ domain: '', version: 13 }]); // proto2: a set field is written, default or not
    expect(m.producerName).toBe('test');
    const n = m.graph!.node![0]!;
    expect([n.opType, n.name, n.input, n.output]).toEqual(['LSTM', 'n1', ['X', 'W', 'R', '', 'lens'], ['Y']]);
    const attrs = Object.fromEntries(n.attribute!.map((a) => [a.name, a]));
    expect(attrs.hidden_size!.i).toBe(3);
    expect(new TextDecoder().decode(attrs.direction!.s)).toBe('reverse');
    expect(attrs.activations!.strings!.map((s: Uint8Array) => new TextDecoder().decode(s))).toEqual(['Sigmoid', 'Tanh', 'Tanh']);
    expect(attrs.perm!.ints).toEqual([1, 0, 2]);
    expect(attrs.clip!.f).toBe(2.5);
    expect(attrs.activation_alpha!.floats).toEqual([0.5]);
    const x = m.graph!.input![0]!.type!.tensorType!;
    expect(x.elemType).toBe(DataType.FLOAT);
    expect(x.shape!.dim).toEqual([{ dimParam: 'T' }, { dimValue: 2 }, { dimValue: 4 }]);
    const [w, big] = m.graph!.initializer!.map((t) => fromProto(t, t.name!));
    expect([...w!.data]).toEqual([1.5, -2]);
    expect(w!.shape).toEqual([1, 2]);
    expect([...big!.data]).toEqual([2 ** 53, -(2 ** 53), 9223372036854775807]);
  });

  test('raw_data and the typed fields give the same values; float16 is widened; a short field is named', () => {
    const f = new Float32Array([0.25, -1, 3e-3, 7]);
    for (const raw of [true, false]) {
      const t = decodeModel(encodeModel(model(graph({ nodes: [], inputs: [], outputs: [], initializers: [tensor('f', f, [2, 2], raw), tensor('i', new Int32Array([-3, 4]), [2], raw), tensor('l', BigInt64Array.from([-5n, 6n]), [2], raw)] })))).graph!.initializer!;
      expect(t.map((p) => [...fromProto(p, p.name!).data])).toEqual([[...f], [-3, 4], [-5, 6]]);
    }
    // float16 1.0, -2.5, 65504, 2^-24 as raw bits and as int32_data
    const bits = [0x3c00, 0xc100, 0x7bff, 0x0001];
    const raw = { name: 'h', dataType: DataType.FLOAT16, dims: [4], rawData: new Uint8Array(Uint16Array.from(bits).buffer) };
    const typed = { name: 'h', dataType: DataType.FLOAT16, dims: [4], int32Data: bits };
    for (const p of [raw, typed]) expect([...fromProto(p, 'h').data]).toEqual([1, -2.5, 65504, 2 ** -24]);
    expect(() => fromProto({ name: 'w', dataType: DataType.FLOAT, dims: [3], floatData: [1, 2] }, "initializer 'w'")).toThrow(/webrnn: loadOnnx: initializer 'w' holds 2 values, its dims \[3\] need 3/);
  });

  test('builders refuse what they cannot write', () => {
    expect(() => attribute('alpha', 0.5)).toThrow(/webrnn: onnx.attribute 'alpha': 0.5 is not an integer; write \{ float: 0.5 \} for a FLOAT/);
    expect(() => tensor('t', new Float32Array(3), [2, 2])).toThrow(/webrnn: onnx.tensor 't': 3 values for dims \[2, 2\] \(4\)/);
  });
});
