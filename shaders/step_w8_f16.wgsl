// step_w8_f16.wgsl: prelude (after half_enable.wgsl), W_hh (binding 1) as binary16 read with
// shader-f16: one 16-byte load gives 8 weights, widened to f32.
@group(0) @binding(1) var<storage, read> w_hh: array<mat2x4<f16>>; // [D, G·H, H], 8 halves an element

fn w_row8(e8: u32) -> mat2x4f { return mat2x4f(w_hh[e8]); }
