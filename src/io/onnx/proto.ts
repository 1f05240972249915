// The subset of ONNX's protobuf schema (onnx.proto, proto2) that models of recurrent networks use,
// declared with protobufjs's reflection API: the wire format is decoded and encoded by a kept
// library, not by hand. Field numbers and types are onnx.proto's. Fields outside the subset
// (sparse tensors, training info, functions) are skipped by the decoder as unknown fields.
// Decoded messages are plain objects: int64 fields become numbers, absent optional fields absent.
import protobuf from 'protobufjs/light.js';

const { Enum, Field, Root, Type } = protobuf;

/** TensorProto.DataType: the element types of ONNX tensors (onnx.proto's numbers). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
  SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  name?: string;
  rawData?: Uint8Array;
  /** 1 (EXTERNAL): the data lives in another file; refused by the importer. */
  dataLocation?: number;
  externalData?: { key?: string; value?: string }[];
}
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  refAttrName?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
}
export interface DimensionProto {
  dimValue?: number;
  dimParam?: string;
}
export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: DimensionProto[] } };
}
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}
export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}
export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
}

type FieldSpec = [name: string, id: number, type: string, rule?: 'repeated' | 'packed'];

function message(name: string, fields: FieldSpec[]): protobuf.Type {
  const t = new Type(name);
  for (const [n, id, type, rule] of fields) {
    // proto2: repeated scalars are expanded unless onnx.proto marks them [packed = true].
    t.add(new Field(n, id, type, rule ? 'repeated' : 'optional', undefined, rule === 'packed' ? { packed: true } : undefined));
  }
  return t;
}

function schema(): protobuf.Type {
  const root = new Root();
  const onnx = root.define('onnx');
  onnx.add(new Enum('AttributeType', { ...AttributeType }));
  onnx.add(message('StringStringEntryProto', [['key', 1, 'string'], ['value', 2, 'string']]));
  onnx.add(message('OperatorSetIdProto', [['domain', 1, 'string'], ['version', 2, 'int64']]));
  onnx.add(message('TensorProto', [
    ['dims', 1, 'int64', 'repeated'], ['dataType', 2, 'int32'],
    ['floatData', 4, 'float', 'packed'], ['int32Data', 5, 'int32', 'packed'], ['stringData', 6, 'bytes', 'repeated'],
    ['int64Data', 7, 'int64', 'packed'], ['name', 8, 'string'], ['rawData', 9, 'bytes'],
    ['doubleData', 10, 'double', 'packed'], ['uint64Data', 11, 'uint64', 'packed'], ['docString', 12, 'string'],
    ['externalData', 13, 'StringStringEntryProto', 'repeated'], ['dataLocation', 14, 'int32'],
  ]));
  onnx.add(message('AttributeProto', [
    ['name', 1, 'string'], ['f', 2, 'float'], ['i', 3, 'int64'], ['s', 4, 'bytes'], ['t', 5, 'TensorProto'], ['g', 6, 'GraphProto'],
    ['floats', 7, 'float', 'repeated'], ['ints', 8, 'int64', 'repeated'], ['strings', 9, 'bytes', 'repeated'],
    ['tensors', 10, 'TensorProto', 'repeated'], ['graphs', 11, 'GraphProto', 'repeated'], ['docString', 13, 'string'],
    ['type', 20, 'AttributeType'], ['refAttrName', 21, 'string'],
  ]));
  onnx.add(message('NodeProto', [
    ['input', 1, 'string', 'repeated'], ['output', 2, 'string', 'repeated'], ['name', 3, 'string'], ['opType', 4, 'string'],
    ['attribute', 5, 'AttributeProto', 'repeated'], ['docString', 6, 'string'], ['domain', 7, 'string'],
  ]));
  onnx.add(message('Dimension', [['dimValue', 1, 'int64'], ['dimParam', 2, 'string'], ['denotation', 3, 'string']]));
  onnx.add(message('TensorShapeProto', [['dim', 1, 'Dimension', 'repeated']]));
  onnx.add(message('TensorTypeProto', [['elemType', 1, 'int32'], ['shape', 2, 'TensorShapeProto']]));
  onnx.add(message('TypeProto', [['tensorType', 1, 'TensorTypeProto'], ['denotation', 6, 'string']]));
  onnx.add(message('ValueInfoProto', [['name', 1, 'string'], ['type', 2, 'TypeProto'], ['docString', 3, 'string']]));
  onnx.add(message('GraphProto', [
    ['node', 1, 'NodeProto', 'repeated'], ['name', 2, 'string'], ['initializer', 5, 'TensorProto', 'repeated'],
    ['docString', 10, 'string'], ['input', 11, 'ValueInfoProto', 'repeated'], ['output', 12, 'ValueInfoProto', 'repeated'],
    ['valueInfo', 13, 'ValueInfoProto', 'repeated'],
  ]));
  onnx.add(message('ModelProto', [
    ['irVersion', 1, 'int64'], ['producerName', 2, 'string'], ['producerVersion', 3, 'string'], ['domain', 4, 'string'],
    ['modelVersion', 5, 'int64'], ['docString', 6, 'string'], ['graph', 7, 'GraphProto'],
    ['opsetImport', 8, 'OperatorSetIdProto', 'repeated'],
  ]));
  root.resolveAll();
  return root.lookupType('onnx.ModelProto');
}

let modelType: protobuf.Type | undefined;
const ModelType = (): protobuf.Type => (modelType ??= schema());

/** Decodes an ONNX model file. Throws `webrnn: loadOnnx: ...` on bytes that are not a protobuf
 *  message of this schema (truncated files, wrong wire types). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const T = ModelType();
  let msg: protobuf.Message;
  try {
    msg = T.decode(bytes);
  } catch (e) {
    throw new Error(`webrnn: loadOnnx: the file is not a valid ONNX protobuf (truncated?): ${(e as Error).message}`);
  }
  // Plain objects; int64 as numbers (exact up to 2^53; larger ones are only the "to the end"
  // sentinels of Slice, which stay huge); enums as numbers; bytes as Uint8Array.
  return T.toObject(msg, { longs: Number, enums: Number, bytes: Uint8Array as never, defaults: false }) as ModelProto;
}

/** Encodes a model (as the builders below make it) to ONNX file bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  const T = ModelType();
  return T.encode(T.fromObject(model as Record<string, unknown>)).finish();
}

// ---- Builders: what the fixture generator and the benchmark use to write ONNX files. ----

/** Host data of a tensor: float32 (FLOAT), int32 (INT32), BigInt64 or a number[] of integers (INT64). */
export type TensorData = Float32Array | Int32Array | BigInt64Array | Float64Array;

/** A TensorProto `name` of `dims` holding `data`: Float32Array → FLOAT, Int32Array → INT32,
 *  BigInt64Array → INT64, Float64Array → DOUBLE, stored in raw_data (little-endian) unless `raw`
 *  is false (then in the typed *_data field, as some exporters write). */
export function tensor(name: string, data: TensorData, dims: readonly number[], raw = true): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`webrnn: onnx.tensor '${name}': ${data.length} values for dims [${dims.join(', ')}] (${size})`);
  const dataType = data instanceof Float32Array ? DataType.FLOAT : data instanceof Int32Array ? DataType.INT32 : data instanceof BigInt64Array ? DataType.INT64 : DataType.DOUBLE;
  const t: TensorProto = { name, dims: [...dims], dataType };
  if (raw) {
    // Little-endian on every platform webrnn runs on (x86, ARM); copy so a view of a larger buffer is exact.
    t.rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  } else if (data instanceof Float32Array) t.floatData = [...data];
  else if (data instanceof Int32Array) t.int32Data = [...data];
  else if (data instanceof BigInt64Array) t.int64Data = [...data].map(Number);
  else t.doubleData = [...data];
  return t;
}

/** An int64 tensor from plain integers (shapes, axes, indices; ±2^63 and beyond saturate). */
export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  // Saturated: INT64_MAX as a JS number is 2^63, which would wrap to INT64_MIN.
  const big = (v: number) => (v >= 2 ** 63 ? 2n ** 63n - 1n : v <= -(2 ** 63) ? -(2n ** 63n) : BigInt(v));
  return tensor(name, BigInt64Array.from(values.map(big)), dims);
}

/** An attribute value: a plain integer (INT), a string (STRING), an array of integers (INTS),
 *  or one of the tagged forms for floats, float lists, string lists and tensors. */
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] } | { strings: string[] } | { tensor: TensorProto };

const utf8 = (s: string) => new TextEncoder().encode(s);

/** An AttributeProto `name` = `value` (see AttributeValue for how the type is chosen). */
export function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`webrnn: onnx.attribute '${name}': ${value} is not an integer; write { float: ${value} } for a FLOAT`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: [...value] };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('strings' in value) return { name, type: AttributeType.STRINGS, strings: value.strings.map(utf8) };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

/** A NodeProto: `opType` reading `inputs` ('' for an omitted optional input), writing `outputs`. */
export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttributeValue> = {}, name?: string): NodeProto {
  const n: NodeProto = { opType, input: [...inputs], output: [...outputs], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
  if (name !== undefined) n.name = name;
  return n;
}

/** A ValueInfoProto for a graph input or output: element type and shape (a string is a symbolic dim). */
export function valueInfo(name: string, elemType: number, shape: readonly (number | string)[]): ValueInfoProto {
  const dim = shape.map((d): DimensionProto => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** A GraphProto from its parts. */
export function graph(parts: { name?: string; nodes: NodeProto[]; inputs: ValueInfoProto[]; outputs: ValueInfoProto[]; initializers?: TensorProto[] }): GraphProto {
  return { name: parts.name ?? 'graph', node: parts.nodes, input: parts.inputs, output: parts.outputs, initializer: parts.initializers ?? [] };
}

/** A ModelProto around `g`, importing the default ONNX domain at `opset` (default 17). */
export function model(g: GraphProto, opts: { opset?: number; irVersion?: number; producer?: string } = {}): ModelProto {
  return {
    irVersion: opts.irVersion ?? 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
    producerName: opts.producer ?? 'webrnn',
    graph: g,
  };
}
