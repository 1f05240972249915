// An imported ONNX graph as a webrnn module. The float initializers that feed a recurrent node's
// W, R, B, a Gemm's B and C, a MatMul, the Add that follows a MatMul (a Linear split in two by the
// exporter) or a Gather's data (an embedding table) are the module's parameters, under their ONNX names and in ONNX's layout, so webrnn's
// optimizers fine-tune them; every other initializer is a host constant. Each call runs the nodes
// in order inside one scope: intermediates are freed, the outputs (and what a recorded graph
// saved for backward()) are kept.
import { Module } from '../../nn/module.js';
import { tidyForward } from '../../tensor/scope.js';
import { shapeStr, Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../graph/create.js';
import type { OpContext, OpImpl } from './context.js';
import { checkFeedShape, type OnnxNode, type OnnxPlan } from './graph.js';
import { MATH_OPS } from './math_ops.js';
import { isRecurrent, planRecurrent, runRecurrent, type RecurrentConfig } from './recurrent.js';
import { SHAPE_OPS } from './shape_ops.js';
import { fail, host, isHost, runFail, upload, type Host, type Value } from './values.js';

const OPS: Record<string, OpImpl> = { ...SHAPE_OPS, ...MATH_OPS };

/** True for the operators loadOnnx() imports. */
export const supportedOp = (op: string): boolean => op in OPS || isRecurrent(op) || op === 'Constant';

/** Constant's value from whichever attribute holds it. */
function constantValue(n: OnnxNode): Host {
  const a = n.attrs;
  if (a.has('value')) return a.tensor('value')!;
  if (a.has('value_float')) return host('float', [], [a.float('value_float', 0)]);
  if (a.has('value_floats')) return host('float', [a.floats('value_floats')!.length], a.floats('value_floats')!);
  if (a.has('value_int')) return host('int', [], [a.int('value_int')]);
  if (a.has('value_ints')) return host('int', [a.ints('value_ints')!.length], a.ints('value_ints')!);
  return fail(`${n.label}: only value, value_float(s) and value_int(s) constants are supported`);
}

/** Names of the float initializers that become parameters (see the file comment). */
function trainable(plan: OnnxPlan): Set<string> {
  const made = new Map<string, string>();
  for (const n of plan.nodes) for (const o of n.outputs) made.set(o, n.op);
  const names = new Set<string>();
  const take = (name: string | undefined) => {
    if (name && plan.initializers.get(name)?.dtype === 'float') names.add(name);
  };
  for (const n of plan.nodes) {
    if (isRecurrent(n.op)) [1, 2, 3].forEach((i) => take(n.inputs[i]));
    else if (n.op === 'Gemm') [1, 2].forEach((i) => take(n.inputs[i]));
    else if (n.op === 'MatMul') n.inputs.forEach(take);
    else if (n.op === 'Gather') take(n.inputs[0]); // an embedding table
    else if (n.op === 'Add' && n.inputs.some((i) => made.get(i) === 'MatMul')) n.inputs.forEach(take);
  }
  return names;
}

/** A model imported by loadOnnx(): `run(feeds)` as ONNX Runtime's session.run, `forward(x)` for single-input models, and its trainable initializers as parameters. */
export class OnnxModel extends Module {
  /** The graph's input names (initializers excluded), in the file's order. */
  readonly inputNames: string[];
  /** The graph's output names, in the file's order. */
  readonly outputNames: string[];
  /** The default-domain opset the model imports. */
  readonly opset: number;
  private readonly consts = new Map<string, Host>();
  private readonly params = new Map<string, Tensor>();
  private readonly recurrent = new Map<OnnxNode, RecurrentConfig>();

  /** Use loadOnnx(); `plan` has been decoded and checked. */
  constructor(private readonly plan: OnnxPlan) {
    super();
    this.inputNames = plan.inputs.map((i) => i.name);
    this.outputNames = plan.outputs;
    this.opset = plan.opset;
    for (const [k, v] of plan.initializers) this.consts.set(k, v);
    for (const n of plan.nodes) {
      if (n.op === 'Constant') this.consts.set(n.outputs[0]!, constantValue(n));
      if (isRecurrent(n.op)) this.recurrent.set(n, planRecurrent(n, this.consts));
    }
    try {
      for (const name of trainable(plan)) {
        const h = this.consts.get(name)!;
        this.params.set(name, this.registerParameter(name, tensor(Float32Array.from(h.data), h.shape)));
        this.consts.delete(name);
      }
    } catch (e) {
      this.dispose(); // a constructor that throws leaves nothing allocated
      throw e;
    }
  }

  /** Runs the graph on `feeds` (one tensor per graph input, by name; integer inputs as int32
   *  tensors, read back to the host for shape arithmetic) → every graph output by name. */
  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const values = new Map<string, Value>();
    for (const k of Object.keys(feeds)) if (!this.inputNames.includes(k)) runFail(`run: '${k}' is not an input of the model (inputs: ${this.inputNames.join(', ')})`);
    for (const inp of this.plan.inputs) {
      const t = feeds[inp.name] ?? runFail(`run: input '${inp.name}' is missing from the feeds`);
      if (!(t instanceof Tensor)) runFail(`run: input '${inp.name}' must be a Tensor`);
      t.assertAlive();
      checkFeedShape(inp, t.shape);
      if (inp.dtype === 'float') {
        if (t.dtype !== 'float32') runFail(`run: input '${inp.name}' must be float32, got ${t.dtype}`);
        values.set(inp.name, t);
      } else {
        if (t.dtype !== 'int32') runFail(`run: input '${inp.name}' holds integers: pass an int32 tensor, got ${t.dtype}`);
        values.set(inp.name, host(inp.dtype, t.shape, await t.data()));
      }
    }
    return tidyForward(() => this.execute(values));
  }

  /** The outputs for the one input `x` [shape as the file declares] (float32, or int32 indices
   *  for a Gather): one output as a tensor, several as an array in the file's order. Differentiable. */
  forward(x: Tensor): Tensor | Tensor[] {
    if (this.plan.inputs.length !== 1) runFail(`forward() takes models with one input; this one has ${this.plan.inputs.length} (${this.inputNames.join(', ')}): use run(feeds)`);
    const inp = this.plan.inputs[0]!;
    if (!(x instanceof Tensor)) runFail('forward: x must be a Tensor');
    checkFeedShape(inp, x.shape);
    if ((inp.dtype === 'float') !== (x.dtype === 'float32')) runFail(`forward: input '${inp.name}' must be ${inp.dtype === 'float' ? 'float32' : 'int32'}, got ${x.dtype} ${shapeStr(x.shape)}`);
    const out = tidyForward(() => this.execute(new Map([[inp.name, x]])));
    const list = this.outputNames.map((n) => out[n]!);
    return list.length === 1 ? list[0]! : list;
  }

  private execute(values: Map<string, Value>): Record<string, Tensor> {
    const get = (name: string): Value | undefined => (name ? values.get(name) ?? this.params.get(name) ?? this.consts.get(name) : undefined);
    const gpu = (v: Value, what: string): Tensor => {
      if (!isHost(v)) return v;
      if (v.dtype === 'bool') runFail(`${what}: a bool tensor cannot go to the GPU`);
      return upload(v);
    };
    for (const n of this.plan.nodes) {
      if (n.op === 'Constant') continue;
      const ins = n.inputs.map(get);
      const rc = this.recurrent.get(n);
      const outs = rc ? runRecurrent(n, rc, (i) => ins[i], gpu) : OPS[n.op]!({ node: n, ins, opset: this.opset, gpu } satisfies OpContext);
      n.outputs.forEach((o, i) => {
        if (o && outs[i]) values.set(o, outs[i]!);
      });
    }
    const result: Record<string, Tensor> = {};
    for (const o of this.outputNames) {
      const v = get(o)!;
      result[o] = isHost(v) ? upload(v) : v;
    }
    return result;
  }
}
