// matmul_blocked_b_packed.wgsl: prelude of matmul_blocked.wgsl: B stored as binary16 pairs in u32
// (no shader-f16; element e in word e/2, the even one in the low half), unpacked to f32.
@group(0) @binding(2) var<storage, read> b: array<u32>;    // [batch?, K, N] or [batch?, N, K] as pairs
@group(0) @binding(3) var<storage, read> b4: array<vec2u>; // the same, 4 halves an element

fn b_el(e: u32) -> f32 {
  let p = unpack2x16float(b[e >> 1u]);
  return select(p.x, p.y, (e & 1u) == 1u);
}
fn b_quad(i: u32) -> vec4f {
  let v = b4[i];
  return vec4f(unpack2x16float(v.x), unpack2x16float(v.y));
}
