// step_input.wgsl: prelude of the simple forward step kernels: where a step reads the input
// projection of its unit. Here from xproj, computed for all steps by one matmul before the steps;
// step_input_fused.wgsl computes it in the step instead.
@group(0) @binding(0) var<storage, read> xproj: array<f32>; // [T, B, D·G·H] time order (the kernel says which biases it holds)

// Element `at` of xproj (a row of seq_row plus the gate's offset), for the invocation at p.
fn x_in(p: Place, at: u32) -> f32 {
  return xproj[at];
}
