// binary.wgsl: out = a ∘ b with NumPy broadcasting, for the op picked by OP (BINARY_* codes of the
// op_codes prelude). The output shape is left-padded to 6 dims (d0..d5); sa*, sb*
// are each input's element strides over those dims, 0 where it is broadcast. A_MODE/B_MODE pick
// how an input is read: 0 same layout as out (index i), 1 one element (index 0), 2 strided.
override OP: u32;
override A_MODE: u32;
override B_MODE: u32;
override WG: u32 = 256;
struct Dims {
  n: u32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
  sa0: u32, sa1: u32, sa2: u32, sa3: u32, sa4: u32, sa5: u32,
  sb0: u32, sb1: u32, sb2: u32, sb3: u32, sb4: u32, sb5: u32,
}
@group(0) @binding(0) var<storage, read>       a:   array<f32>;  // broadcastable to out
@group(0) @binding(1) var<storage, read>       b:   array<f32>;  // broadcastable to out
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [d0, ..., d5], n elements
@group(0) @binding(3) var<uniform> dims: Dims;

fn combine(x: f32, y: f32) -> f32 {
  switch OP {
    case BINARY_ADD: { return x + y; }
    case BINARY_SUB: { return x - y; }
    case BINARY_MUL: { return x * y; }
    case BINARY_DIV: { return x / y; }
    // maximum/minimum propagate NaN like PyTorch (WGSL's max/min may return the other operand).
    case BINARY_MAXIMUM: { return select(max(x, y), x + y, is_nan(x) || is_nan(y)); }
    case BINARY_MINIMUM: { return select(min(x, y), x + y, is_nan(x) || is_nan(y)); }
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  var ia = select(i, 0u, A_MODE == 1u);
  var ib = select(i, 0u, B_MODE == 1u);
  if (A_MODE == 2u || B_MODE == 2u) {
    // Peel coordinates off the flat index, last dim fastest, and dot them with the strides.
    var shape = array<u32, 6>(dims.d0, dims.d1, dims.d2, dims.d3, dims.d4, dims.d5);
    var sa = array<u32, 6>(dims.sa0, dims.sa1, dims.sa2, dims.sa3, dims.sa4, dims.sa5);
    var sb = array<u32, 6>(dims.sb0, dims.sb1, dims.sb2, dims.sb3, dims.sb4, dims.sb5);
    var r = i;
    var oa = 0u;
    var ob = 0u;
    for (var k = 5; k >= 0; k--) {
      if (r == 0u) { break; }  // the remaining (outer) coordinates are all 0
      let c = r % shape[k];
      r = r / shape[k];
      oa += c * sa[k];
      ob += c * sb[k];
    }
    if (A_MODE == 2u) { ia = oa; }
    if (B_MODE == 2u) { ib = ob; }
  }
  out[i] = combine(a[ia], b[ib]);
}
