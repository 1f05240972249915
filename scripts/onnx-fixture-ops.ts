// The non-recurrent ONNX test models: an exported-style classifier (dynamic-batch shape arithmetic
// feeding an LSTM's zero state, then Squeeze → Gemm → Softmax), and models covering each
// remaining operator, on the GPU path and on the host (shape arithmetic) path.
import { DataType, int64Tensor, node, tensor, valueInfo } from '../src/io/onnx/proto.js';
import { f32, fin, floatFeed, make, rand, type Case } from './onnx-fixture-models.js';

const i64 = int64Tensor;

/** batch-first X [B, T, I] → Transpose → LSTM (zero states sized from Shape(X)) → Y_h → Squeeze → Gemm → Softmax. */
function exported(): Case {
  const [B, T, I, H, O] = [2, 7, 5, 8, 3];
  const nodes = [
    node('Shape', ['X'], ['shape']),
    node('Gather', ['shape', 'zero'], ['batch'], { axis: 0 }),
    node('Unsqueeze', ['batch', 'axes0'], ['batch1']),
    node('Concat', ['one', 'batch1', 'hidden'], ['state_shape'], { axis: 0 }),
    node('ConstantOfShape', ['state_shape'], ['h0'], { value: { tensor: tensor('v', new Float32Array([0]), [1]) } }),
    node('Expand', ['h0', 'state_shape'], ['c0']),
    node('Transpose', ['X'], ['Xt'], { perm: [1, 0, 2] }),
    node('LSTM', ['Xt', 'W', 'R', 'B', '', 'h0', 'c0'], ['Y', 'Y_h'], { hidden_size: H }, 'lstm'),
    node('Squeeze', ['Y_h', 'axes0'], ['last']),
    node('Gemm', ['last', 'fc_w', 'fc_b'], ['logits'], { transB: 1 }, 'fc'),
    node('Softmax', ['logits'], ['probs'], { axis: 1 }),
  ];
  const inits = [f32('W', [1, 4 * H, I]), f32('R', [1, 4 * H, H]), f32('B', [1, 8 * H]), f32('fc_w', [O, H]), f32('fc_b', [O]),
    i64('zero', [0], []), i64('axes0', [0]), i64('one', [1]), i64('hidden', [H])];
  return make('exported_lstm_classifier', nodes, [fin('X', ['batch', T, I])], ['probs', 'Y'], inits, { X: floatFeed([B, T, I]) });
}

/** Every data-movement operator on the GPU: X [2, 3, 4]. */
function shapes(): Case {
  const nodes = [
    node('Reshape', ['X', 'shape_a'], ['a']), // [2, 12] via 0 and −1
    node('Transpose', ['X'], ['b'], { perm: [2, 0, 1] }), // [4, 2, 3]
    node('Slice', ['b', 'starts', 'ends', 'axes'], ['c']), // [4, 2, 2]: 1..3 from a negative start
    node('Flatten', ['c'], ['d'], { axis: 2 }), // [8, 2]
    node('Unsqueeze', ['d', 'axes1'], ['e']), // [8, 1, 2]
    node('Squeeze', ['e', 'axes1'], ['f']), // [8, 2]
    node('Gather', ['X', 'idx'], ['g'], { axis: 1 }), // [2, 2, 2, 4]
    node('Gather', ['X', 'last'], ['h'], { axis: -1 }), // [2, 3], a scalar index
    node('Concat', ['f', 'f'], ['i'], { axis: -1 }), // [8, 4]
    node('Reshape', ['h', 'col'], ['h2']), // [6, 1]
    node('Expand', ['row', 'col_to'], ['j']), // [6, 4] from [1, 4]
    node('Add', ['j', 'h2'], ['k']),
    node('Identity', ['i'], ['l']),
    node('Cast', ['l'], ['m'], { to: DataType.FLOAT }),
    node('Gather', ['emb', 'ids'], ['n']), // rows of a float initializer by int indices [2, 2, 3]
  ];
  const inits = [i64('shape_a', [0, -1]), i64('starts', [-2]), i64('ends', [3]), i64('axes', [2]), i64('axes1', [1]),
    i64('idx', [2, 0, 1, 1], [2, 2]), i64('last', [-1], []), i64('col', [-1, 1]), f32('row', [1, 4]), i64('col_to', [6, 1]),
    f32('emb', [6, 3]), i64('ids', [5, 0, 3, 3], [2, 2])];
  return make('shape_ops', nodes, [fin('X', [2, 3, 4])], ['a', 'c', 'g', 'h', 'k', 'm', 'n'], inits, { X: floatFeed([2, 3, 4]) });
}

/** Arithmetic and products on the GPU, with broadcasting, scalars and Gemm's options. */
function maths(): Case {
  const nodes = [
    node('Add', ['A', 'bias'], ['a']),
    node('Sub', ['a', 'half'], ['b']),
    node('Mul', ['b', 'A'], ['c']),
    node('Div', ['c', 'den'], ['d']),
    node('Sigmoid', ['d'], ['e']),
    node('Tanh', ['a'], ['f']),
    node('Relu', ['b'], ['g']),
    node('MatMul', ['A', 'mw'], ['h']), // [3, 4]·[4, 5]
    node('Gemm', ['A', 'gw', 'gc'], ['i'], { transA: 1, alpha: { float: 0.5 }, beta: { float: 2 } }), // Aᵀ [4, 3]·[3, 2] + 2·C[1, 2]
    node('Softmax', ['h'], ['j'], { axis: 0 }),
    node('LogSoftmax', ['h'], ['k']),
    node('MatMul', ['A', 'vec'], ['l']), // [3, 4]·[4] → [3]
    node('Add', ['h', 'mb'], ['m']), // a Linear exported as MatMul + Add
    node('Sub', ['half', 'A'], ['n']), // scalar on the left
  ];
  const inits = [f32('bias', [4]), tensor('half', new Float32Array([0.5]), []), tensor('den', new Float32Array([1.5, -2, 3, 4]), [4]),
    f32('mw', [4, 5]), f32('gw', [3, 2]), f32('gc', [1, 2]), f32('vec', [4]), f32('mb', [5])];
  return make('math_ops', nodes, [fin('A', [3, 4])], ['e', 'f', 'g', 'i', 'j', 'k', 'l', 'm', 'n'], inits, { A: floatFeed([3, 4]) });
}

/** Shape arithmetic that only the host sees: Equal/Where pick −1 for the batch dim, Cast turns the
 *  length into a float scale, Slice with a negative step reverses a shape, a float Constant. */
function hostArithmetic(): Case {
  const nodes = [
    node('Shape', ['X'], ['s']), // [2, 3, 4]
    node('Equal', ['s', 'two'], ['is2']),
    node('Where', ['is2', 'minus1', 's'], ['target']), // [-1, 3, 4]
    node('Slice', ['target', 'st', 'en', 'ax', 'step'], ['rev']), // [4, 3]
    node('Concat', ['minus1', 'rev'], ['shape3'], { axis: 0 }), // [-1, 4, 3]
    node('Reshape', ['X', 'shape3'], ['r']),
    node('Gather', ['s', 'two_idx'], ['len']),
    node('Cast', ['len'], ['lenf'], { to: DataType.FLOAT }),
    node('Constant', [], ['k'], { value_float: { float: 0.25 } }),
    node('Mul', ['lenf', 'k'], ['scale']),
    node('Div', ['s', 'two'], ['halves']), // integer division on the host
    node('Mul', ['r', 'scale'], ['y']),
    node('Cast', ['halves'], ['halvesf'], { to: DataType.FLOAT }),
    node('Sub', ['halvesf', 'k'], ['shifted']), // float arithmetic and activations on the host
    node('Sigmoid', ['shifted'], ['sg']),
    node('Tanh', ['shifted'], ['th']),
    node('Sub', ['shifted', 'scale'], ['centered']), // [-0.25, -0.25, 0.75]
    node('Relu', ['centered'], ['rl']),
  ];
  const inits = [i64('two', [2], []), i64('minus1', [-1]), i64('st', [-1]), i64('en', [0]), i64('ax', [0]), i64('step', [-1]), i64('two_idx', [2], [])];
  return make('host_arithmetic', nodes, [fin('X', [2, 3, 4])], ['y', 'halvesf', 'sg', 'th', 'rl'], inits, { X: floatFeed([2, 3, 4]) });
}

/** Opset 11 forms: Squeeze/Unsqueeze axes as attributes, Softmax flattening at `axis`; int64 ids in. */
function opset11(): Case {
  const nodes = [
    node('Gather', ['emb', 'ids'], ['e']), // [B, T, E]
    node('Unsqueeze', ['e'], ['e1'], { axes: [0] }),
    node('Squeeze', ['e1'], ['e2'], { axes: [0] }),
    node('Softmax', ['e2'], ['p'], { axis: 1 }), // over T·E together
  ];
  const c = make('opset11', nodes, [valueInfo('ids', DataType.INT64, [2, 3])], ['p'], [f32('emb', [7, 4], 2)], {}, 11);
  c.feeds.ids = { dtype: 'int64', dims: [2, 3], data: rand(6, 0, 7).map(Math.floor) };
  return c;
}

export function opCases(): Case[] {
  return [exported(), shapes(), maths(), hostArithmetic(), opset11()];
}
