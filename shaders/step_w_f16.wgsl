// step_w_f16.wgsl: prelude (after half_enable.wgsl), W_hh (binding 1) stored as binary16 and read
// with shader-f16; the arithmetic stays f32. Twin: the float32 kernel on the f16-rounded weights.
@group(0) @binding(1) var<storage, read> w_hh: array<vec2<f16>>; // [D, G·H, H], 2 halves an element

fn w_at(e: u32) -> f32 { return f32(w_hh[e >> 1u][e & 1u]); }
// Elements e, e+1 (e even): one load.
fn w_pair(e: u32) -> vec2f { return vec2f(w_hh[e >> 1u]); }
