// step_w_f32.wgsl: prelude, how a simple forward step kernel reads W_hh (binding 1): float32.
// step_w_f16.wgsl and step_w_packed.wgsl read the same matrix stored as binary16.
@group(0) @binding(1) var<storage, read> w_hh: array<f32>; // [D, G·H, H]

// Element e of W_hh, and elements e, e+1 (e even).
fn w_at(e: u32) -> f32 { return w_hh[e]; }
fn w_pair(e: u32) -> vec2f { return vec2f(w_hh[e], w_hh[e + 1u]); }
