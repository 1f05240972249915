// step_w8_packed.wgsl: prelude, W_hh (binding 1) as binary16 pairs in u32 (no shader-f16): one
// vec4u load gives 8 weights (half the loads of float32, the dear part on CPU adapters).
@group(0) @binding(1) var<storage, read> w_hh: array<vec4u>; // [D, G·H, H], 8 halves an element

fn w_row8(e8: u32) -> mat2x4f {
  let v = w_hh[e8];
  return mat2x4f(vec4f(unpack2x16float(v.x), unpack2x16float(v.y)), vec4f(unpack2x16float(v.z), unpack2x16float(v.w)));
}
