// matmul_blocked_b_f16.wgsl: prelude of matmul_blocked.wgsl (after half_enable.wgsl): B stored as
// binary16, read with shader-f16 and widened to f32 (the products and sums stay f32).
@group(0) @binding(2) var<storage, read> b: array<f16>;      // [batch?, K, N] or [batch?, N, K]
@group(0) @binding(3) var<storage, read> b4: array<vec4<f16>>; // the same, 4 halves an element

fn b_el(e: u32) -> f32 { return f32(b[e]); }
fn b_quad(i: u32) -> vec4f { return vec4f(b4[i]); }
