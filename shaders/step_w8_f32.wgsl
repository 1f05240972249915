// step_w8_f32.wgsl: prelude, how a blocked forward step kernel reads W_hh (binding 1): 8
// consecutive floats along H at a time (H % 8 == 0, so never across a row), float32.
@group(0) @binding(1) var<storage, read> w_hh: array<vec4f>; // [D, G·H, H] as vec4 along H

// Elements 8·e8 .. 8·e8+7 of W_hh: column 0 the first 4, column 1 the last 4.
fn w_row8(e8: u32) -> mat2x4f { return mat2x4f(w_hh[2u * e8], w_hh[2u * e8 + 1u]); }
