// step_w_f16.wgsl: prelude (after half_enable.wgsl), W_hh (binding 1) stored as binary16 and read
// with shader-f16; the arithmetic stays f32. Twin: the float32 kernel on the f16-rounded weights.
@group(0) @binding(1) var<storage, read> w_hh: array<f16>; // [D, G·H, H]

fn w_at(e: u32) -> f32 { return f32(w_hh[e]); }
