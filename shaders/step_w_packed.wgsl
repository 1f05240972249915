// step_w_packed.wgsl: prelude, W_hh (binding 1) stored as binary16, read without shader-f16: two
// halves a u32 (element e in word e/2, the even one in the low half), unpacked to f32.
@group(0) @binding(1) var<storage, read> w_hh: array<u32>; // [D, G·H, H] as binary16 pairs

fn w_at(e: u32) -> f32 {
  let p = unpack2x16float(w_hh[e >> 1u]);
  return select(p.x, p.y, (e & 1u) == 1u);
}

// Elements e, e+1 (e even): one load.
fn w_pair(e: u32) -> vec2f { return unpack2x16float(w_hh[e >> 1u]); }
