// matmul_b_f16.wgsl: prelude of matmul.wgsl (after half_enable.wgsl): B (binding 1) stored as
// binary16, read with shader-f16 and widened to f32 (the products and sums stay f32).
@group(0) @binding(1) var<storage, read> b: array<vec4<f16>>; // [batch?, K, N] or [batch?, N, K]

fn b_vec4(i: u32) -> vec4f { return vec4f(b[i]); }
fn b_at(e: u32) -> f32 { return f32(b[e >> 2u][e & 3u]); }
