// What the adapter itself does with non-finite floats, probed with a raw shader rather than a
// webrnn kernel, so that a kernel bug cannot make a test skip itself.
import { init } from 'webrnn';

/**
 * Whether the adapter's exp() and log() return NaN for NaN, as the float64 twins do. WGSL lets an
 * implementation assume no NaN or infinity reaches a float builtin ("Floating point evaluation" in
 * the WGSL spec): lavapipe propagates NaN, SwiftShader's exp(NaN) is +Inf and its log(NaN) ≈ 89.
 * Tests of NaN propagation through exp-based kernels (sigmoid, softmax, the cells' gates) run only
 * where this holds; everything they check about finite inputs runs everywhere.
 */
export async function nanSurvivesExpLog(): Promise<boolean> {
  const [expNaN, logNaN] = await probe(['exp(x)', 'log(x)'], NaN);
  return Number.isNaN(expNaN) && Number.isNaN(logNaN);
}

/** Evaluates each WGSL expression of `x` on the default device and reads the results back. */
async function probe(exprs: string[], x: number): Promise<Float32Array> {
  const { device } = await init();
  const code = `@group(0) @binding(0) var<storage, read_write> io: array<f32>;
    @compute @workgroup_size(1) fn main() { let x = io[0]; ${exprs.map((e, i) => `io[${i + 1}] = ${e};`).join(' ')} }`;
  const bytes = 4 * (exprs.length + 1);
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const io = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(io, 0, new Float32Array([x, ...exprs.map(() => 0)]));
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: io } }] });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(io, 0, read, 0, bytes);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`adapter probe: ${error.message}`);
  await read.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(read.getMappedRange().slice(4));
  read.destroy();
  io.destroy();
  return out;
}
