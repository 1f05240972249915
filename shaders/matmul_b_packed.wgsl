// matmul_b_packed.wgsl: prelude of matmul.wgsl: B (binding 1) stored as binary16 pairs in u32 (no
// shader-f16; element e in word e/2, the even one in the low half), unpacked to f32.
@group(0) @binding(1) var<storage, read> b: array<vec2u>; // [batch?, K, N] or [batch?, N, K], 4 halves an element

fn b_vec4(i: u32) -> vec4f {
  let v = b[i];
  return vec4f(unpack2x16float(v.x), unpack2x16float(v.y));
}
fn b_at(e: u32) -> f32 {
  let p = unpack2x16float(b[e >> 2u][(e >> 1u) & 1u]);
  return select(p.x, p.y, (e & 1u) == 1u);
}
