// matmul_b_f32.wgsl: prelude of matmul.wgsl, how it reads B (binding 1): float32 in groups of 4.
// matmul_b_f16.wgsl and matmul_b_packed.wgsl read a B stored as binary16 (f16 weights).
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>; // [batch?, K, N] or [batch?, N, K]

// Elements 4·i .. 4·i+3 of B, and element e.
fn b_vec4(i: u32) -> vec4f { return b[i]; }
fn b_at(e: u32) -> f32 { return b[e >> 2u][e & 3u]; }
