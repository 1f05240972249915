// matmul_blocked_b_f32.wgsl: prelude of matmul_blocked.wgsl, how it reads B (bindings 2 and 3, the
// same buffer as floats and as vec4): float32. matmul_blocked_b_f16 / _packed read a binary16 B.
@group(0) @binding(2) var<storage, read> b: array<f32>;   // [batch?, K, N] or [batch?, N, K]
@group(0) @binding(3) var<storage, read> b4: array<vec4f>; // the same, with VEC_B

// Element e of B, and elements 4·i .. 4·i+3.
fn b_el(e: u32) -> f32 { return b[e]; }
fn b_quad(i: u32) -> vec4f { return b4[i]; }
