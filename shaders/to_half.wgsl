// to_half.wgsl: out[i] = binary16 of x[2i] (low half) and x[2i+1] (high half), the storage of f16
// weights; halves past `count` are 0 (the storage is padded to 8 halves, so 16-byte views of it
// stay in bounds). One invocation per output word. Prelude: per_element.wgsl (dims.n counts words).
struct Dims { n: u32, count: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;          // [count]
@group(0) @binding(1) var<storage, read_write> out: array<u32>;  // [4·ceil(count / 8)]
@group(0) @binding(2) var<uniform> dims: Dims;

// pack2x16float is indeterminate outside binary16's finite range: values that round past 65504
// become ±Inf and NaN a quiet NaN, as an IEEE cast does. Decided on the bits (no NaN compares).
fn half_bits(v: f32) -> u32 {
  let u = bitcast<u32>(v);
  let sign = (u >> 16u) & 0x8000u;
  let mag = u & 0x7fffffffu;
  if (mag > 0x7f800000u) { return sign | 0x7e00u; }
  if (mag >= 0x477ff000u) { return sign | 0x7c00u; } // |v| ≥ 65520: rounds to Inf
  return pack2x16float(vec2f(v, 0.0)) & 0xffffu;
}

fn element(i: u32) {
  let last = dims.count - 1u;
  let lo = select(0u, half_bits(x[min(2u * i, last)]), 2u * i < dims.count);
  let hi = select(0u, half_bits(x[min(2u * i + 1u, last)]), 2u * i + 1u < dims.count);
  out[i] = lo | (hi << 16u);
}
